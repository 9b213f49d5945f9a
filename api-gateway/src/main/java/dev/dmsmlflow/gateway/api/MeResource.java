package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Workspaces;
import dev.dmsmlflow.gateway.domain.Caller;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** GET /api/v1/me: who the API key belongs to. */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "identity")
public class MeResource {

    private final CallContext call;
    private final Workspaces workspaces;

    MeResource(CallContext call, Workspaces workspaces) {
        this.call = call;
        this.workspaces = workspaces;
    }

    @GET
    @Operation(operationId = "getMe", summary = "The caller: member, key and the workspaces the key reaches")
    @APIResponse(responseCode = "200", description = "The caller", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MeView.class)))
    public MeView me() {
        Caller caller = call.caller();
        Workspaces.Me me = workspaces.me(caller);
        return new MeView(me.member().id, me.member().displayName, me.member().createdAt, caller.keyId(), caller.keyWorkspaceId(),
                me.workspaces().stream().map(Views::workspace).toList());
    }
}
