package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The network registry a workspace chooses from when it creates an instance (VPCs, vSwitches with zones and free
 * addresses, security groups with their type), forwarded to network-service with the service token. Read-only: any
 * member of the workspace reads it.
 */
@Path("/api/v1/workspaces/{ws}/network/vpcs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "network")
public class NetworkRegistryResource {

    private final CallContext call;
    private final Forwarder forwarder;

    NetworkRegistryResource(CallContext call, Forwarder forwarder) {
        this.call = call;
        this.forwarder = forwarder;
    }

    @GET
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listVpcs", summary = "The VPCs instances of this workspace may use")
    @APIResponse(responseCode = "200", description = "The VPCs", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.VpcList.class)))
    @APIResponse(responseCode = "501", description = "The network provider cannot list its resources (clients type the ids instead)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem")))
    public Uni<Response> vpcs(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws) {
        return forwarder.forward(call, Service.NETWORK, HttpMethod.GET, "/registry/vpcs", null, null);
    }

    @GET
    @Path("/{vpcId}/vswitches")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listVSwitches", summary = "A VPC's vSwitches with their zone and free addresses")
    @APIResponse(responseCode = "200", description = "The vSwitches", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.VSwitchList.class)))
    @APIResponse(responseCode = "501", description = "The network provider cannot list its resources (clients type the ids instead)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem")))
    public Uni<Response> vSwitches(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                   @PathParam("vpcId") @Pattern(regexp = Patterns.CLOUD_ID_SEGMENT) String vpcId) {
        return forwarder.forward(call, Service.NETWORK, HttpMethod.GET, "/registry/vpcs/" + vpcId + "/vswitches", null, null);
    }

    @GET
    @Path("/{vpcId}/security-groups")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listSecurityGroups", summary = "A VPC's security groups with their type (only basic ones are accepted)")
    @APIResponse(responseCode = "200", description = "The security groups", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.SecurityGroupList.class)))
    @APIResponse(responseCode = "501", description = "The network provider cannot list its resources (clients type the ids instead)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem")))
    public Uni<Response> securityGroups(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                        @PathParam("vpcId") @Pattern(regexp = Patterns.CLOUD_ID_SEGMENT) String vpcId) {
        return forwarder.forward(call, Service.NETWORK, HttpMethod.GET, "/registry/vpcs/" + vpcId + "/security-groups", null, null);
    }
}
