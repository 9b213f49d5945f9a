package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Set;

/**
 * Notebook sessions of a workspace, forwarded to notebook-service with the service token (it validates every field and
 * scopes to the workspace itself). Non-blocking.
 */
@Path("/api/v1/workspaces/{ws}/notebook-sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "notebook-sessions")
public class NotebookSessionResource {

    private static final Set<String> STATUSES = Set.of("CREATED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "FAILED", "RELEASED");
    private static final String BASE = "/sessions";

    private final CallContext call;
    private final Forwarder forwarder;
    private final IdempotentCalls idempotent;

    NotebookSessionResource(CallContext call, Forwarder forwarder, IdempotentCalls idempotent) {
        this.call = call;
        this.forwarder = forwarder;
        this.idempotent = idempotent;
    }

    @GET
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listNotebookSessions", summary = "The workspace's notebook sessions")
    @APIResponse(responseCode = "200", description = "A page of sessions", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.NotebookSessionPage.class)))
    public Uni<Response> list(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                              @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                              @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken,
                              @QueryParam("status") @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"CREATED", "STARTING",
                                      "RUNNING", "STOPPING", "STOPPED", "FAILED", "RELEASED"})) String status) {
        int size = Paging.size(pageSize);
        String token = Paging.checkToken(pageToken);
        if (status != null && !status.isEmpty() && !STATUSES.contains(status)) {
            throw ProblemException.invalidField("status", "status must be one of " + STATUSES + ".");
        }
        String query = Forwarder.param("pageSize", size) + Forwarder.param("pageToken", token)
                + Forwarder.param("status", status == null || status.isEmpty() ? null : status);
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.GET, Forwarder.withQuery(BASE, query), null, null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.create", resource = "notebook-session")
    @Operation(operationId = "createNotebookSession", summary = "Create a notebook session (CREATED); start it to get a JupyterLab")
    @APIResponse(responseCode = "201", description = "The session, status CREATED; Location names it", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.NotebookSession.class)))
    public Uni<Response> create(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                @NotNull @Valid CreateNotebookSessionRequest body, @Context UriInfo uri) {
        CallContext ctx = call.self();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), body,
                () -> forwarder.forward(ctx, Service.NOTEBOOK, HttpMethod.POST, BASE, body, null));
    }

    @GET
    @Path("/catalogue")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getNotebookCatalogue", summary = "Images, specifications, clusters and profiles sessions of this workspace can use")
    @APIResponse(responseCode = "200", description = "The catalogue", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.NotebookCatalogue.class)))
    public Uni<Response> catalogue(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws) {
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.GET, BASE + "/catalogue", null, null);
    }

    @GET
    @Path("/{id}")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getNotebookSession", summary = "A notebook session, with its progress while it starts")
    @APIResponse(responseCode = "200", description = "The session", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.NotebookSession.class)))
    public Uni<Response> get(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                             @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id) {
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.GET, BASE + "/" + id, null, null);
    }

    @POST
    @Path("/{id}/start")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.start", resource = "notebook-session", idParam = "id")
    @Operation(operationId = "startNotebookSession", summary = "Start a session: environment, packages, JupyterLab (status STARTING, then RUNNING)")
    @APIResponse(responseCode = "202", description = "Accepted: the session, status STARTING", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.NotebookSession.class)))
    public Uni<Response> start(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                               @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Context UriInfo uri) {
        return action(id, "start", idempotencyKey, uri);
    }

    @POST
    @Path("/{id}/stop")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.stop", resource = "notebook-session", idParam = "id")
    @Operation(operationId = "stopNotebookSession", summary = "Stop a session's JupyterLab (metering stops)")
    @APIResponse(responseCode = "202", description = "Accepted: the session, status STOPPING", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.NotebookSession.class)))
    public Uni<Response> stop(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                              @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                              @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Context UriInfo uri) {
        return action(id, "stop", idempotencyKey, uri);
    }

    @DELETE
    @Path("/{id}")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.delete", resource = "notebook-session", idParam = "id")
    @Operation(operationId = "deleteNotebookSession", summary = "Delete a session that is not running; persistent storage stays")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Response> delete(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id) {
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.DELETE, BASE + "/" + id, null, null);
    }

    @POST
    @Path("/{id}/executions")
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.execute", resource = "notebook-session", idParam = "id")
    @Operation(operationId = "createNotebookExecution", summary = "Run code in the session's kernel; follow it with GET (stdoutFrom/stderrFrom)")
    @APIResponse(responseCode = "202", description = "Accepted: the execution, status QUEUED; Location names it", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.NotebookExecution.class)))
    public Uni<Response> execute(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                 @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                 @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                 @NotNull @Valid NotebookExecutionRequest body, @Context UriInfo uri) {
        CallContext ctx = call.self();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), body,
                () -> forwarder.forward(ctx, Service.NOTEBOOK, HttpMethod.POST, BASE + "/" + id + "/executions", body, null));
    }

    @GET
    @Path("/{id}/executions")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listNotebookExecutions", summary = "The session's executions, oldest first")
    @APIResponse(responseCode = "200", description = "A page of executions", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.NotebookExecutionPage.class)))
    public Uni<Response> executions(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                    @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                    @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                                    @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        String query = Forwarder.param("pageSize", Paging.size(pageSize)) + Forwarder.param("pageToken", Paging.checkToken(pageToken));
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.GET, Forwarder.withQuery(BASE + "/" + id + "/executions", query), null, null);
    }

    @GET
    @Path("/{id}/executions/{executionId}")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getNotebookExecution", summary = "An execution: status, output from the offsets given, result, error, duration")
    @APIResponse(responseCode = "200", description = "The execution", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.NotebookExecution.class)))
    public Uni<Response> execution(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                   @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                   @PathParam("executionId") @Pattern(regexp = Patterns.RESOURCE_ID) String executionId,
                                   @QueryParam("stdoutFrom") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) String stdoutFrom,
                                   @QueryParam("stderrFrom") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) String stderrFrom) {
        String query = Forwarder.param("stdoutFrom", offset("stdoutFrom", stdoutFrom)) + Forwarder.param("stderrFrom", offset("stderrFrom", stderrFrom));
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.GET,
                Forwarder.withQuery(BASE + "/" + id + "/executions/" + executionId, query), null, null);
    }

    @GET
    @Path("/{id}/usage")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listNotebookSessionUsage", summary = "Metered usage of a session: vCPU-hours and GiB-hours per hour window")
    @APIResponse(responseCode = "200", description = "A page of usage windows", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.UsagePage.class)))
    public Uni<Response> usage(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                               @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                               @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        String query = Forwarder.param("pageSize", Paging.size(pageSize)) + Forwarder.param("pageToken", Paging.checkToken(pageToken));
        return forwarder.forward(call, Service.NOTEBOOK, HttpMethod.GET, Forwarder.withQuery(BASE + "/" + id + "/usage", query), null, null);
    }

    private Uni<Response> action(String id, String action, String idempotencyKey, UriInfo uri) {
        CallContext ctx = call.self();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), null,
                () -> forwarder.forward(ctx, Service.NOTEBOOK, HttpMethod.POST, BASE + "/" + id + "/" + action, null, null));
    }

    private static Integer offset(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw ProblemException.invalidField(name, name + " must be a non-negative integer.");
    }
}
