package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
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

/** The specs an instance of the workspace may be created with, forwarded to instance-service's catalogue. */
@Path("/api/v1/workspaces/{ws}/instance-specs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "instances")
public class InstanceSpecResource {

    private final CallContext call;
    private final Forwarder forwarder;

    InstanceSpecResource(CallContext call, Forwarder forwarder) {
        this.call = call;
        this.forwarder = forwarder;
    }

    @GET
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listInstanceSpecs", summary = "The instance specs: CPU cores, memory and the price SKU each is metered under")
    @APIResponse(responseCode = "200", description = "The spec catalogue, smallest first", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.InstanceSpecList.class)))
    public Uni<Response> list(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws) {
        return forwarder.forward(call, Service.INSTANCE, HttpMethod.GET, "/specs", null, null);
    }
}
