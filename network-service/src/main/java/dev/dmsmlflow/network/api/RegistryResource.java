package dev.dmsmlflow.network.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.function.Supplier;

/**
 * The network registry: the VPCs, vSwitches (zone, free addresses) and security groups (type) a workspace may choose
 * from when it creates an instance, as the provider knows them. Read-only; any valid service token may read it (the
 * gateway has already checked the caller's membership of the token's workspace). A provider that cannot list its
 * cloud's resources answers 501 {@code REGISTRY_UNAVAILABLE}, and clients fall back to typed ids.
 */
@Path("/registry")
@Produces(MediaType.APPLICATION_JSON)
public class RegistryResource {

    /** A page-less list: registries are small (a workspace's VPCs), so they are answered whole. */
    public record Items<T>(List<T> items) {
    }

    public record VpcView(String id, String cidr) {
    }

    public record VSwitchView(String id, String vpcId, String zoneId, String cidr, long availableIpAddressCount) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RuleView(String protocol, int portFrom, int portTo, String sourceCidr, String policy) {
    }

    /** {@code basic} is what instance creation accepts: type normal and not managed by a cloud service. */
    public record SecurityGroupView(String id, String vpcId, String type, boolean managed, boolean basic, List<RuleView> inboundRules) {
    }

    private final NetworkFacts facts;
    private final Caller caller;

    public RegistryResource(NetworkFacts facts, Caller caller) {
        this.facts = facts;
        this.caller = caller;
    }

    @GET
    @Path("/vpcs")
    public Items<VpcView> vpcs() {
        caller.workspaceId(); // a verified token names the workspace
        return new Items<>(ask(facts::vpcs).stream().map(v -> new VpcView(v.id(), v.cidr())).toList());
    }

    @GET
    @Path("/vpcs/{vpcId}/vswitches")
    public Items<VSwitchView> vSwitches(@PathParam("vpcId") String vpcId) {
        requireVpc(vpcId);
        return new Items<>(ask(() -> facts.vSwitchesOf(vpcId)).stream()
                .map(v -> new VSwitchView(v.id(), v.vpcId(), v.zoneId(), v.cidr(), v.availableIpAddressCount())).toList());
    }

    @GET
    @Path("/vpcs/{vpcId}/security-groups")
    public Items<SecurityGroupView> securityGroups(@PathParam("vpcId") String vpcId) {
        requireVpc(vpcId);
        return new Items<>(ask(() -> facts.securityGroupsOf(vpcId)).stream()
                .map(g -> new SecurityGroupView(g.id(), g.vpcId(), g.type(), g.serviceManaged(), g.isBasic(),
                        g.inboundRules().stream().map(r -> new RuleView(r.protocol(), r.portFrom(), r.portTo(), r.sourceCidr(), r.policy())).toList()))
                .toList());
    }

    private void requireVpc(String vpcId) {
        caller.workspaceId();
        boolean known = ask(facts::vpcs).stream().anyMatch(v -> v.id().equals(vpcId));
        if (!known) {
            throw ProblemException.notFound("no VPC " + vpcId);
        }
    }

    private static <T> T ask(Supplier<T> question) {
        try {
            return question.get();
        } catch (UnsupportedOperationException e) {
            throw new ProblemException(Problem.of("registry-unavailable", "Network registry unavailable", 501,
                    e.getMessage() + "; type the ids instead", null).withCode("REGISTRY_UNAVAILABLE"));
        } catch (IllegalStateException e) {
            throw new ProblemException(Problem.of("provider-unavailable", "Network facts unavailable", 503,
                    "the network registry could not be read right now: " + e.getMessage(), null));
        }
    }
}
