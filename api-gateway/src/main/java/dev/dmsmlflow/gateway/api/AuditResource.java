package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.AuditLog;
import dev.dmsmlflow.platform.problem.ProblemException;
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

/** The workspace's audit log, for its owners: newest first. */
@Path("/api/v1/workspaces/{ws}/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "audit")
public class AuditResource {

    private final CallContext call;
    private final AuditLog audit;

    AuditResource(CallContext call, AuditLog audit) {
        this.call = call;
        this.audit = audit;
    }

    @GET
    @InWorkspace(Role.OWNER)
    @Operation(operationId = "listAudit", summary = "Mutating calls in the workspace, newest first (owner)")
    @APIResponse(responseCode = "200", description = "A page of audit entries", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = AuditPage.class)))
    public AuditPage list(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                          @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                          @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        int size = Paging.size(pageSize);
        String before = Paging.after(pageToken, "a");
        Long beforeId;
        try {
            beforeId = before == null ? null : Long.valueOf(before);
        } catch (NumberFormatException e) {
            throw ProblemException.invalidField("pageToken", "pageToken is not a token returned by this list.");
        }
        return AuditPage.of(Paging.page(audit.page(call.access().workspaceId(), beforeId, size + 1), size, "a", Views::audit,
                a -> String.valueOf(a.id)));
    }
}
