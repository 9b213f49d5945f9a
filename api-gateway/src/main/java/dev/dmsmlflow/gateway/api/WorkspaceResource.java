package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.application.Workspaces;
import dev.dmsmlflow.gateway.domain.Caller;
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

/** Workspaces: the caller's list, creating one (the caller becomes its owner), reading and renaming. */
@Path("/api/v1/workspaces")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "workspaces")
public class WorkspaceResource {

    private final CallContext call;
    private final Workspaces workspaces;
    private final IdempotentCalls idempotent;

    WorkspaceResource(CallContext call, Workspaces workspaces, IdempotentCalls idempotent) {
        this.call = call;
        this.workspaces = workspaces;
        this.idempotent = idempotent;
    }

    @GET
    @Operation(operationId = "listWorkspaces", summary = "The workspaces the caller's key reaches, with the caller's role")
    @APIResponse(responseCode = "200", description = "A page of workspaces", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = WorkspacePage.class)))
    public WorkspacePage list(@QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                              @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        int size = Paging.size(pageSize);
        String after = Paging.after(pageToken, "w");
        return WorkspacePage.of(Paging.page(workspaces.list(call.caller(), after, size + 1), size, "w", Views::workspace,
                w -> w.workspace().id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Audited(action = "workspace.create", resource = "workspace")
    @Operation(operationId = "createWorkspace", summary = "Create a workspace; the caller becomes its owner (needs an unscoped key)")
    @APIResponse(responseCode = "201", description = "The new workspace", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = WorkspaceView.class)))
    @APIResponse(responseCode = "403", description = "The API key is scoped to a workspace", content = @Content(
            mediaType = "application/problem+json", schema = @Schema(ref = OpenApiFilter.PROBLEM_REF)))
    public Response create(@HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @NotNull @Valid WorkspaceRequest body,
                           @Context UriInfo uri) {
        Caller caller = call.caller();
        return idempotent.run(caller, idempotencyKey, uri.getPath(), body, () -> {
            Workspaces.WorkspaceWithRole w = workspaces.create(caller, body.name());
            call.created(w.workspace().id, w.workspace().id);
            return Response.created(URI.create("/api/v1/workspaces/" + w.workspace().id)).entity(Views.workspace(w)).build();
        });
    }

    @GET
    @Path("/{ws}")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getWorkspace", summary = "A workspace of the caller")
    @APIResponse(responseCode = "200", description = "The workspace", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = WorkspaceView.class)))
    public WorkspaceView get(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws) {
        return Views.workspace(workspaces.get(call.access()));
    }

    @PATCH
    @Path("/{ws}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @InWorkspace(Role.OWNER)
    @Audited(action = "workspace.update", resource = "workspace", idParam = "ws")
    @Operation(operationId = "updateWorkspace", summary = "Rename a workspace (owner)")
    @APIResponse(responseCode = "200", description = "The workspace", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = WorkspaceView.class)))
    public WorkspaceView update(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @NotNull @Valid WorkspaceRequest body) {
        return Views.workspace(workspaces.rename(call.access(), body.name()));
    }
}
