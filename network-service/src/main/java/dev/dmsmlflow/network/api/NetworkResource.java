package dev.dmsmlflow.network.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.dmsmlflow.network.application.AccessTokens;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.application.UiSignIns;
import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.network.application.NetworkValidator;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Admission;
import dev.dmsmlflow.network.domain.BackendHealth;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.paging.Page;
import dev.dmsmlflow.platform.paging.PageRequest;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Internal REST API of network-service (the gateway exposes it): dry-run validation, networks, ACL entries, diagnosis.
 * Every call needs the gateway's service token; everything is scoped to the token's workspace (another workspace's
 * network is a 404, like a nonexistent one) and ACL changes need the editor role.
 */
@Path("/networks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class NetworkResource {

    private static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_PAGE_SIZE = 1000;
    private static final String NETWORKS = "n";
    private static final String ENTRIES = "e";

    /** Network choice of an instance to check before accepting it. */
    public record ValidateRequest(String vpcId, String vSwitchId, String secondaryVSwitchId, String securityGroupId) {
    }

    /** A valid choice, with what was resolved. */
    public record ValidateResponse(boolean valid, String vpcId, String vSwitchId, String secondaryVSwitchId,
                                   String securityGroupId, List<String> zoneIds, long primaryFreeAddresses) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FailureView(String code, String message) {
    }

    /** The MLflow authentication modes this deployment's load balancers can enforce ({@code network} always). */
    public record AuthModesView(List<String> authModes) {
    }

    /**
     * The load balancer's health check of the tracking server: {@code status} HEALTHY, UNHEALTHY or UNKNOWN (no backend,
     * or no verdict yet) since {@code since}; {@code reason} why the last check failed. Never the backend's address.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackendHealthView(String status, Instant since, Instant lastCheckedAt, String reason) {
        static BackendHealthView of(BackendHealth h) {
            return new BackendHealthView(h.status().name(), h.since(), h.lastCheckedAt(), h.reason());
        }
    }

    /**
     * What a client sees of an instance's network. Never where the tracking server listens: only the load balancer may
     * reach it ({@code backendRegistered} says whether one is registered, {@code backendHealth} how it answers).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NetworkView(String instanceId, String workspaceId, NetworkStatus status, String vpcId, String vSwitchId,
                              String secondaryVSwitchId, List<String> zoneIds, String securityGroupId,
                              String loadBalancerId, String listenerId, String aclId, String serverGroupId,
                              String vpcAddress, Integer vpcPort, Boolean backendRegistered, BackendHealthView backendHealth,
                              Boolean aclAllowsAll, String authMode, FailureView failure, Instant createdAt, Instant updatedAt) {

        static NetworkView of(Network n) {
            return of(n, null, null, null);
        }

        static NetworkView of(Network n, Boolean aclAllowsAll, String authMode, BackendHealth health) {
            return new NetworkView(n.instanceId(), n.workspaceId(), n.status(), n.vpcId(), n.vSwitchId(), n.secondaryVSwitchId(),
                    n.zoneIds(), n.securityGroupId(), n.loadBalancerId(), n.listenerId(), n.aclId(), n.serverGroupId(),
                    n.vpcAddress(), n.vpcPort(), n.backendHost() != null, health == null ? null : BackendHealthView.of(health),
                    aclAllowsAll, authMode, n.failureCode() == null ? null : new FailureView(n.failureCode(), n.failureMessage()),
                    n.createdAt(), n.updatedAt());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EntryView(String cidr, String description, Instant createdAt) {
        static EntryView of(AclRule r) {
            return new EntryView(r.cidr(), r.description(), r.createdAt());
        }
    }

    /** Either one entry ({@code cidr}, {@code description}) or several ({@code entries}). */
    public record AddEntriesRequest(String cidr, String description, List<NetworkService.EntryInput> entries, Boolean allowAll) {
    }

    /**
     * What an ACL change did. {@code pending} (only present, and the answer a 202, when so): recorded, but the load balancer
     * has not confirmed it yet; the service keeps telling it, and the diagnosis judges by what it confirmed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AclChangeView(String instanceId, String aclId, List<EntryView> added, List<EntryView> removed, int total,
                                Boolean pending) {
        static jakarta.ws.rs.core.Response of(NetworkService.AclChange c) {
            AclChangeView v = new AclChangeView(c.network().instanceId(), c.network().aclId(),
                    c.added().stream().map(EntryView::of).toList(), c.removed().stream().map(EntryView::of).toList(), c.total(),
                    c.pending() ? Boolean.TRUE : null);
            return jakarta.ws.rs.core.Response.status(c.pending() ? 202 : 200).entity(v).build();
        }
    }

    public record DiagnosisView(String instanceId, String source, boolean admitted, List<Admission.Decision> layers,
                                @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> warnings) {
    }

    private final NetworkService service;
    private final NetworkValidator validator;
    private final NetworkRepository repository;
    private final Caller caller;
    private final AccessTokens tokens;
    private final UiSignIns uiSignIns;

    public NetworkResource(NetworkService service, NetworkValidator validator, NetworkRepository repository, Caller caller,
                           AccessTokens tokens, UiSignIns uiSignIns) {
        this.tokens = tokens;
        this.uiSignIns = uiSignIns;
        this.service = service;
        this.validator = validator;
        this.repository = repository;
        this.caller = caller;
    }

    /** Dry run: 200 when the network choice is acceptable, else 400 naming the field (and a reason code). */
    @POST
    @Path("/validate")
    public ValidateResponse validate(ValidateRequest request) {
        if (request == null) {
            throw ProblemException.invalidField("vpcId", "a body with vpcId, vSwitchId, secondaryVSwitchId and securityGroupId is required");
        }
        NetworkValidator.Result r;
        try {
            r = validator.validate(request.vpcId(), request.vSwitchId(), request.secondaryVSwitchId(), request.securityGroupId());
        } catch (IllegalStateException e) {
            // the cloud's network APIs did not answer (after retries): not the caller's fault, and not a 500
            throw new ProblemException(Problem.of("provider-unavailable", "Network facts unavailable", 503,
                    "the network could not be checked right now: " + e.getMessage(), null));
        }
        if (!r.ok()) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400, r.failure().message(),
                    r.failure().field()).withCode(r.failure().code().name()));
        }
        return new ValidateResponse(true, r.vpc().id(), r.primary().id(), r.secondary().id(), r.securityGroup().id(),
                List.of(r.primary().zoneId(), r.secondary().zoneId()), r.primary().availableIpAddressCount());
    }

    /**
     * Which authentication modes an instance may ask for here: {@code network} everywhere, {@code token} only where the
     * load balancer checks MLflow tokens (the local one does; Alibaba Cloud's ALB cannot). instance-service asks before it
     * accepts a create or an edit in token mode, so an instance never claims a mode nothing enforces.
     */
    @GET
    @Path("/auth-modes")
    public AuthModesView authModes() {
        caller.principal(); // a verified service token is needed, like every other call
        return new AuthModesView(tokens.supportedModes());
    }

    /**
     * The caller's workspace's networks, newest first. A {@code workspaceId} query parameter is ignored: the workspace is
     * the token's.
     */
    @GET
    public Page<NetworkView> list(@QueryParam("status") String status, @QueryParam("pageSize") String pageSize,
                                  @QueryParam("pageToken") String pageToken) {
        NetworkStatus s = null;
        if (status != null && !status.isBlank()) {
            try {
                s = NetworkStatus.valueOf(status.trim().toUpperCase());
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalidField("status", "must be one of " + List.of(NetworkStatus.values()));
            }
        }
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, NETWORKS);
        NetworkRepository.NetworkPosition after = null;
        if (page.after() != null) {
            String[] p = positionParts(page.after());
            after = new NetworkRepository.NetworkPosition(parseInstant(p[0]), p[1]);
        }
        return page.page(repository.list(caller.workspaceId(), s, after, page.fetchLimit()), NETWORKS,
                n -> n.createdAt() + "|" + n.instanceId(), NetworkView::of);
    }

    /**
     * The network (load balancer, listener, ACL, VPC address, the health of the tracking server behind it) of an instance,
     * found by the instance id.
     */
    @GET
    @Path("/{instanceId}")
    public NetworkView get(@PathParam("instanceId") String instanceId) {
        Network n = service.get(caller.workspaceId(), instanceId);
        return NetworkView.of(n, service.aclAllowsAll(n.instanceId()), tokens.mode(n.instanceId()),
                service.backendHealth(n).orElse(null));
    }

    /** The ACL's entries, oldest first. */
    @GET
    @Path("/{instanceId}/acl/entries")
    public Page<EntryView> entries(@PathParam("instanceId") String instanceId, @QueryParam("pageSize") String pageSize,
                                   @QueryParam("pageToken") String pageToken) {
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ENTRIES);
        NetworkRepository.EntryPosition after = null;
        if (page.after() != null) {
            String[] p = positionParts(page.after());
            after = new NetworkRepository.EntryPosition(parseInstant(p[0]), p[1]);
        }
        return page.page(service.entries(caller.workspaceId(), instanceId, after, page.fetchLimit()), ENTRIES,
                r -> r.createdAt() + "|" + r.cidr(), EntryView::of);
    }

    @POST
    @Path("/{instanceId}/acl/entries")
    public jakarta.ws.rs.core.Response addEntries(@PathParam("instanceId") String instanceId, AddEntriesRequest request) {
        requireEditorOf(instanceId);
        if (request == null) {
            throw ProblemException.invalidField("cidr", "a body with cidr (or entries) is required");
        }
        if (request.entries() != null) {
            if (request.cidr() != null) {
                throw ProblemException.invalidField("cidr", "give either cidr or entries, not both");
            }
            return AclChangeView.of(service.addEntries(caller.workspaceId(), instanceId, request.entries(), "entries",
                    Boolean.TRUE.equals(request.allowAll())));
        }
        return AclChangeView.of(service.addEntries(caller.workspaceId(), instanceId,
                List.of(new NetworkService.EntryInput(request.cidr(), request.description())), null, Boolean.TRUE.equals(request.allowAll())));
    }

    /** Removes the entries named by one or more {@code cidr} query parameters. */
    @DELETE
    @Path("/{instanceId}/acl/entries")
    public jakarta.ws.rs.core.Response removeEntries(@PathParam("instanceId") String instanceId, @QueryParam("cidr") List<String> cidrs) {
        requireEditorOf(instanceId);
        return AclChangeView.of(service.removeEntries(caller.workspaceId(), instanceId, cidrs));
    }

    @GET
    @Path("/{instanceId}/diagnose")
    public DiagnosisView diagnose(@PathParam("instanceId") String instanceId, @QueryParam("source") String source) {
        String workspaceId = caller.workspaceId();
        if (source == null || source.isBlank()) {
            throw ProblemException.invalidField("source", "the client's source address is required");
        }
        NetworkService.Diagnosis d = service.diagnose(workspaceId, instanceId, source);
        return new DiagnosisView(d.instanceId(), d.source(), d.admitted(), d.layers(), d.warnings());
    }

    /** A new access token. */
    public record CreateTokenRequest(String name, String scope, Integer expiresInDays) {
    }

    /**
     * An access token as listed: never the token itself. {@code pending} (only at creation, only when so): the load balancer
     * has not learnt it yet and refuses it until the service has told it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenView(String id, String instanceId, String name, String scope, String kind, String status, String createdBy,
                            Instant createdAt, Instant expiresAt, Instant revokedAt, String token, Boolean pending) {
        static TokenView of(AccessToken t, String secret) {
            return of(t, secret, false);
        }

        static TokenView of(AccessToken t, String secret, boolean pending) {
            Instant now = Instant.now();
            String status = t.revokedAt() != null ? "revoked" : t.activeAt(now) ? "active" : "expired";
            return new TokenView(t.id(), t.instanceId(), t.name(), t.scope(), t.kind(), status, t.createdBy(), t.createdAt(),
                    t.expiresAt(), t.revokedAt(), secret, pending ? Boolean.TRUE : null);
        }
    }

    /** A revocation the load balancer has not confirmed yet (the answer is a 202 then). */
    public record PendingView(boolean pending, String detail) {
    }

    /** The list of an instance's tokens. */
    public record TokenList(List<TokenView> items) {
    }

    /** The instance's MLflow access tokens (editor or owner: a token list is a map of who can reach the data). */
    @GET
    @Path("/{instanceId}/tokens")
    public TokenList listTokens(@PathParam("instanceId") String instanceId) {
        requireEditorOf(instanceId);
        return new TokenList(tokens.list(caller.workspaceId(), instanceId).stream().map(t -> TokenView.of(t, null)).toList());
    }

    /** Creates a token; the answer carries the token, the only time it is shown. */
    @POST
    @Path("/{instanceId}/tokens")
    public jakarta.ws.rs.core.Response createToken(@PathParam("instanceId") String instanceId, CreateTokenRequest request) {
        requireEditorOf(instanceId);
        if (request == null) {
            throw ProblemException.invalidField("name", "a body with name and scope is required");
        }
        AccessTokens.Created c = tokens.create(caller.workspaceId(), instanceId, request.name(), request.scope(),
                request.expiresInDays(), caller.principal());
        return jakarta.ws.rs.core.Response.status(201).entity(TokenView.of(c.token(), c.secret(), c.pending())).build();
    }

    @DELETE
    @Path("/{instanceId}/tokens/{tokenId}")
    public jakarta.ws.rs.core.Response revokeToken(@PathParam("instanceId") String instanceId, @PathParam("tokenId") String tokenId) {
        requireEditorOf(instanceId);
        if (tokens.revoke(caller.workspaceId(), instanceId, tokenId)) {
            return jakarta.ws.rs.core.Response.noContent().build();
        }
        return jakarta.ws.rs.core.Response.accepted(new PendingView(true, "token " + tokenId + " is revoked; the load balancer"
                + " has not confirmed it yet and is being told again")).build();
    }

    /** A one-time link that signs a browser in to the instance's MLflow UI. */
    public record UiSignInView(String url, Instant expiresAt) {
        @Override
        public String toString() {
            return "UiSignInView[url <redacted>, until " + expiresAt + "]";
        }
    }

    /**
     * A sign-in link to the MLflow UI of an instance in token mode, for any member of its workspace: the load balancer
     * trades it (once, within a minute) for a cookie holding an access token of the caller, read for a viewer and
     * read-write for an editor or owner. 409 when the network is not ACTIVE or the instance is not in token mode.
     */
    @POST
    @Path("/{instanceId}/ui-sign-in")
    @Consumes(MediaType.WILDCARD)
    public jakarta.ws.rs.core.Response uiSignIn(@PathParam("instanceId") String instanceId) {
        UiSignIns.Issued issued = uiSignIns.issue(caller.workspaceId(), instanceId, caller.principal(), caller.role());
        return jakarta.ws.rs.core.Response.status(201).header("Cache-Control", "no-store")
                .entity(new UiSignInView(issued.url(), issued.expiresAt())).build();
    }

    /** 404 for a network the caller cannot see (before anything else, so ids do not leak), then 403 below editor. */
    private void requireEditorOf(String instanceId) {
        service.get(caller.workspaceId(), instanceId);
        caller.requireRole(Role.EDITOR);
    }

    /** A position inside a page token: {@code <instant>|<key>}. */
    private static String[] positionParts(String position) {
        String[] p = position.split("\\|", 2);
        if (p.length != 2 || p[1].isEmpty()) {
            throw PageRequest.badToken();
        }
        return p;
    }

    private static Instant parseInstant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw PageRequest.badToken();
        }
    }
}
