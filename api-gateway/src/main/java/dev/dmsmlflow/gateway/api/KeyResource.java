package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.application.Keys;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.gateway.domain.Ids;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
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
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;

/** The caller's own API keys. */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "identity")
public class KeyResource {

    private final CallContext call;
    private final Keys keys;
    private final IdempotentCalls idempotent;

    KeyResource(CallContext call, Keys keys, IdempotentCalls idempotent) {
        this.call = call;
        this.keys = keys;
        this.idempotent = idempotent;
    }

    @GET
    @Operation(operationId = "listMyKeys", summary = "The caller's keys (a workspace-scoped key sees the keys of its workspace)")
    @APIResponse(responseCode = "200", description = "A page of keys", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiKeyPage.class)))
    public ApiKeyPage list(@QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                           @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        int size = Paging.size(pageSize);
        String after = Paging.after(pageToken, "k");
        return ApiKeyPage.of(Paging.page(keys.listOwn(call.caller(), after, size + 1), size, "k", Views::key, k -> k.id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Audited(action = "key.create", resource = "api-key")
    @Operation(operationId = "createMyKey", summary = "Issue a key for the caller; the answer shows it once")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreateKeyRequest.class)))
    @APIResponse(responseCode = "201", description = "The new key, with the token shown this once", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = NewApiKeyView.class)))
    @APIResponse(responseCode = "404", description = "workspaceId is not a workspace this key reaches", content = @Content(
            mediaType = "application/problem+json", schema = @Schema(ref = OpenApiFilter.PROBLEM_REF)))
    public Response create(@HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Valid CreateKeyRequest body, @Context UriInfo uri) {
        Caller caller = call.caller();
        CreateKeyRequest request = body == null ? new CreateKeyRequest(null, null, null) : body;
        return idempotent.run(caller, idempotencyKey, uri.getPath(), request, () -> {
            Keys.Issued issued = keys.createOwn(caller, request.name(), request.workspaceId(), request.expiresAt());
            call.created(issued.key().workspaceId, issued.key().id);
            return Response.created(URI.create("/api/v1/keys/" + issued.key().id))
                    .entity(Views.newKey(issued.key(), issued.token().reveal())).build();
        });
    }

    @DELETE
    @Path("/{keyId}")
    @Audited(action = "key.revoke", resource = "api-key", idParam = "keyId")
    @Operation(operationId = "revokeMyKey", summary = "Revoke one of the caller's keys (at once on this replica)")
    @APIResponse(responseCode = "204", description = "Revoked (also when it already was)")
    public Response revoke(@PathParam("keyId") @Pattern(regexp = Ids.KEY_PATTERN) String keyId) {
        keys.revokeOwn(call.caller(), keyId);
        return Response.noContent().build();
    }
}
