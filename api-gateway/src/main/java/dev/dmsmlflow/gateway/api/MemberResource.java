package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.application.BrowserTokens;
import dev.dmsmlflow.gateway.application.Workspaces;
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

/** A workspace's members: everyone in it reads the list, owners change it; the last owner always stays. */
@Path("/api/v1/workspaces/{ws}/members")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "members")
public class MemberResource {

    private final CallContext call;
    private final Workspaces workspaces;
    private final IdempotentCalls idempotent;
    private final BrowserTokens browserTokens;

    MemberResource(CallContext call, Workspaces workspaces, IdempotentCalls idempotent, BrowserTokens browserTokens) {
        this.browserTokens = browserTokens;
        this.call = call;
        this.workspaces = workspaces;
        this.idempotent = idempotent;
    }

    @GET
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listMembers", summary = "The workspace's members and their roles")
    @APIResponse(responseCode = "200", description = "A page of members", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MemberPage.class)))
    public MemberPage list(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                           @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                           @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        int size = Paging.size(pageSize);
        String after = Paging.after(pageToken, "m");
        return MemberPage.of(Paging.page(workspaces.members(call.access(), after, size + 1), size, "m", Views::member,
                m -> m.member().id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.OWNER)
    @Audited(action = "member.add", resource = "member")
    @Operation(operationId = "addMember", summary = "Add an existing member (memberId) or a new one (displayName) with a role (owner)")
    @APIResponse(responseCode = "201", description = "The member as part of the workspace", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MemberView.class)))
    public Response add(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                        @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @NotNull @Valid AddMemberRequest body,
                        @Context UriInfo uri) {
        return idempotent.run(call.caller(), idempotencyKey, uri.getPath(), body, () -> {
            Workspaces.Member m = workspaces.add(call.access(), body.memberId(), body.displayName(), body.role());
            call.created(null, m.member().id);
            return Response.created(URI.create("/api/v1/workspaces/" + ws + "/members/" + m.member().id)).entity(Views.member(m)).build();
        });
    }

    @PATCH
    @Path("/{memberId}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @InWorkspace(Role.OWNER)
    @Audited(action = "member.update", resource = "member", idParam = "memberId")
    @Operation(operationId = "updateMember", summary = "Change a member's role (owner); the last owner cannot be demoted",
            description = "A member demoted to viewer loses their read-write browser sign-in tokens (the MLflow UI's) at every"
                    + " instance of the workspace before the answer (retried in the background should network-service be unreachable).")
    @APIResponse(responseCode = "200", description = "The member", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MemberView.class)))
    public MemberView update(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                             @PathParam("memberId") @Pattern(regexp = Ids.MEMBER_PATTERN) String memberId,
                             @NotNull @Valid UpdateMemberRequest body) {
        MemberView changed = Views.member(workspaces.changeRole(call.access(), memberId, body.role()));
        browserTokens.processFor(ws, memberId); // committed: now the tokens the new role no longer allows
        return changed;
    }

    @DELETE
    @Path("/{memberId}")
    @InWorkspace(Role.OWNER)
    @Audited(action = "member.remove", resource = "member", idParam = "memberId")
    @Operation(operationId = "removeMember", summary = "Remove a member (owner); their keys scoped to the workspace are revoked",
            description = "Their browser sign-in tokens (the MLflow UI's) at the workspace's instances are revoked too, before the"
                    + " answer (retried in the background should network-service be unreachable).")
    @APIResponse(responseCode = "204", description = "Removed")
    public Response remove(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                           @PathParam("memberId") @Pattern(regexp = Ids.MEMBER_PATTERN) String memberId) {
        workspaces.remove(call.access(), memberId);
        browserTokens.processFor(ws, memberId);
        return Response.noContent().build();
    }
}
