package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.application.Keys;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;

/** Keys an owner issues to members of the workspace, always scoped to it. */
@Path("/api/v1/workspaces/{ws}/keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "members")
public class WorkspaceKeyResource {

    private final CallContext call;
    private final Keys keys;
    private final IdempotentCalls idempotent;

    WorkspaceKeyResource(CallContext call, Keys keys, IdempotentCalls idempotent) {
        this.call = call;
        this.keys = keys;
        this.idempotent = idempotent;
    }

    @GET
    @InWorkspace(Role.OWNER)
    @Operation(operationId = "listWorkspaceKeys", summary = "Keys scoped to the workspace (owner)")
    @APIResponse(responseCode = "200", description = "A page of keys", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiKeyPage.class)))
    public ApiKeyPage list(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                           @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                           @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        int size = Paging.size(pageSize);
        String after = Paging.after(pageToken, "k");
        return ApiKeyPage.of(Paging.page(keys.listOfWorkspace(call.access(), after, size + 1), size, "k", Views::key, k -> k.id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.OWNER)
    @Audited(action = "key.create", resource = "api-key")
    @Operation(operationId = "createWorkspaceKey", summary = "Issue a key for a member of the workspace, scoped to it (owner); shown once")
    @APIResponse(responseCode = "201", description = "The new key, with the token shown this once", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = NewApiKeyView.class)))
    public Response create(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                           @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @NotNull @Valid CreateWorkspaceKeyRequest body,
                           @Context UriInfo uri) {
        return idempotent.run(call.caller(), idempotencyKey, uri.getPath(), body, () -> {
            Keys.Issued issued = keys.createForMember(call.access(), body.memberId(), body.name(), body.expiresAt());
            call.created(null, issued.key().id);
            return Response.created(URI.create("/api/v1/workspaces/" + ws + "/keys/" + issued.key().id))
                    .entity(Views.newKey(issued.key(), issued.token().reveal())).build();
        });
    }

    @DELETE
    @Path("/{keyId}")
    @InWorkspace(Role.OWNER)
    @Audited(action = "key.revoke", resource = "api-key", idParam = "keyId")
    @Operation(operationId = "revokeWorkspaceKey", summary = "Revoke a key scoped to the workspace (owner)")
    @APIResponse(responseCode = "204", description = "Revoked (also when it already was)")
    public Response revoke(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                           @PathParam("keyId") @Pattern(regexp = Ids.KEY_PATTERN) String keyId) {
        keys.revokeInWorkspace(call.access(), keyId);
        return Response.noContent().build();
    }
}
