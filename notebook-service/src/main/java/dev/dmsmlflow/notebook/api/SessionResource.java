package dev.dmsmlflow.notebook.api;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.application.ExecutionService;
import dev.dmsmlflow.notebook.application.SessionService;
import dev.dmsmlflow.notebook.application.SessionWorker;
import dev.dmsmlflow.notebook.domain.Catalogue;
import dev.dmsmlflow.notebook.domain.NewSession;
import dev.dmsmlflow.notebook.domain.SessionRules;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.ExecutionEntity;
import dev.dmsmlflow.notebook.persistence.ExecutionRepository;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.persistence.UsageReadingRepository;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.paging.Page;
import dev.dmsmlflow.platform.paging.PageRequest;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

/**
 * The internal notebook session API (the gateway exposes it as {@code /api/v1/workspaces/{ws}/notebook-sessions}). Every call
 * needs the gateway's service token and is scoped to its workspace: another workspace's session is a 404 like a
 * nonexistent one, changes need the editor role (403 for a viewer), and the token's member is the recorded actor.
 */
@Path("/sessions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SessionResource {

    private static final int DEFAULT_PAGE_SIZE = 20;
    private static final int MAX_PAGE_SIZE = 100;
    private static final String SESSIONS = "nbs";
    private static final String EXECUTIONS = "nbx";
    private static final String USAGE = "nbu";

    private final SessionService service;
    private final SessionRepository sessions;
    private final ExecutionService executions;
    private final ExecutionRepository executionRows;
    private final UsageReadingRepository usage;
    private final SessionWorker worker;
    private final NotebookRuntime runtime;
    private final Catalogue catalogue;
    private final NotebookConfig config;
    private final Caller caller;

    SessionResource(SessionService service, SessionRepository sessions, ExecutionService executions, ExecutionRepository executionRows,
                    UsageReadingRepository usage, SessionWorker worker, NotebookRuntime runtime, Catalogue catalogue,
                    NotebookConfig config, Caller caller) {
        this.service = service;
        this.sessions = sessions;
        this.executions = executions;
        this.executionRows = executionRows;
        this.usage = usage;
        this.worker = worker;
        this.runtime = runtime;
        this.catalogue = catalogue;
        this.config = config;
        this.caller = caller;
    }

    /** Creates a session (CREATED) in the caller's workspace; start it with {@code POST /sessions/{id}/start}. */
    @POST
    public Response create(@NotNull @Valid CreateSessionRequest body) {
        caller.requireRole(Role.EDITOR);
        NotebookConfig.Idle idle = config.idle();
        NewSession cmd = SessionRules.validate(caller.workspaceId(), caller.principal(), body.name(), body.cluster(), body.image(),
                body.spec(), body.developmentMode(), body.configuration(), body.idleReleaseMinutes(), body.dataStorage(),
                body.pypiPackages(), body.environmentVariables(), catalogue,
                new SessionRules.IdleBounds(idle.defaultMinutes(), idle.minMinutes(), idle.maxMinutes()));
        SessionEntity s = service.create(cmd);
        return Response.created(URI.create("/sessions/" + s.id)).entity(view(s)).build();
    }

    @GET
    public Page<SessionView> list(@QueryParam("status") String status, @QueryParam("pageSize") String pageSize,
                                  @QueryParam("pageToken") String pageToken) {
        SessionStatus filter = null;
        if (status != null && !status.isEmpty()) {
            try {
                filter = SessionStatus.valueOf(status);
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalidField("status", "Unknown status '" + status + "'; one of "
                        + Arrays.toString(SessionStatus.values()) + ".");
            }
        }
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SESSIONS);
        List<SessionEntity> rows = sessions.page(caller.workspaceId(), filter, page.after(), page.fetchLimit());
        return page.page(rows, SESSIONS, s -> s.id, this::view);
    }

    @GET
    @Path("/{id}")
    public SessionView get(@PathParam("id") String id) {
        return view(service.get(caller.workspaceId(), id));
    }

    @POST
    @Path("/{id}/start")
    @Consumes(MediaType.WILDCARD)
    public Response start(@PathParam("id") String id) {
        requireEditorOf(id);
        SessionEntity s = service.start(caller.workspaceId(), id);
        worker.wake();
        return Response.accepted(view(s)).build();
    }

    @POST
    @Path("/{id}/stop")
    @Consumes(MediaType.WILDCARD)
    public Response stop(@PathParam("id") String id) {
        requireEditorOf(id);
        SessionEntity s = service.stop(caller.workspaceId(), id);
        worker.wake();
        return Response.accepted(view(s)).build();
    }

    /** Deletes a session that is not running (409 otherwise); its temporary storage and environment go, persistent storage stays. */
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) {
        requireEditorOf(id);
        service.delete(caller.workspaceId(), id);
        runtime.discard(id);
        return Response.noContent().build();
    }

    /** Runs code in the session's kernel; answers 202 with the execution (QUEUED), to follow with GET. */
    @POST
    @Path("/{id}/executions")
    public Response execute(@PathParam("id") String id, @NotNull @Valid ExecutionRequest body) {
        requireEditorOf(id);
        ExecutionEntity e = executions.submit(caller.workspaceId(), id, body.code(), body.timeoutSeconds(), caller.principal());
        executions.dispatch(e.id);
        return Response.accepted(ExecutionView.of(e, 0, 0)).location(URI.create("/sessions/" + id + "/executions/" + e.id)).build();
    }

    @GET
    @Path("/{id}/executions")
    public Page<ExecutionView> executions(@PathParam("id") String id, @QueryParam("pageSize") String pageSize,
                                          @QueryParam("pageToken") String pageToken) {
        service.get(caller.workspaceId(), id);
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, EXECUTIONS);
        return page.page(executionRows.page(id, page.after(), page.fetchLimit()), EXECUTIONS, e -> e.id, e -> ExecutionView.of(e, 0, 0));
    }

    /** An execution; {@code stdoutFrom}/{@code stderrFrom} skip the output already read. */
    @GET
    @Path("/{id}/executions/{executionId}")
    public ExecutionView execution(@PathParam("id") String id, @PathParam("executionId") String executionId,
                                   @QueryParam("stdoutFrom") String stdoutFrom, @QueryParam("stderrFrom") String stderrFrom) {
        service.get(caller.workspaceId(), id);
        ExecutionEntity e = executionRows.of(id, executionId).orElseThrow(() ->
                ProblemException.notFound("Execution " + executionId + " does not exist."));
        return ExecutionView.of(e, offset("stdoutFrom", stdoutFrom), offset("stderrFrom", stderrFrom));
    }

    /** The session's metered usage: a vCPU-hours and a GiB-hours reading per (partial) hour window it ran, oldest first. */
    @GET
    @Path("/{id}/usage")
    public Page<UsageView> usage(@PathParam("id") String id, @QueryParam("pageSize") String pageSize,
                                 @QueryParam("pageToken") String pageToken) {
        service.get(caller.workspaceId(), id);
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, USAGE);
        Instant afterStart = null;
        String afterResource = null;
        if (page.after() != null) {
            String[] parts = page.after().split("\\|", 2);
            try {
                afterStart = Instant.parse(parts[0]);
                afterResource = parts.length > 1 ? parts[1] : "";
            } catch (DateTimeParseException e) {
                throw PageRequest.badToken();
            }
        }
        return page.page(usage.page(id, afterStart, afterResource, page.fetchLimit()), USAGE,
                u -> u.windowStart + "|" + u.resourceType, UsageView::of);
    }

    /** What sessions can be made of, for this workspace: images, specifications, clusters, profiles, idle bounds, host limits. */
    @GET
    @Path("/catalogue")
    public CatalogueView catalogue() {
        return CatalogueView.of(catalogue, caller.workspaceId(), config.idle(), runtime.limits());
    }

    private static int offset(String name, String value) {
        if (value == null || value.isEmpty()) {
            return 0;
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

    /** 404 for a session the caller cannot see (first, so ids do not leak), then 403 below the editor role. */
    private void requireEditorOf(String id) {
        service.get(caller.workspaceId(), id);
        caller.requireRole(Role.EDITOR);
    }

    private SessionView view(SessionEntity s) {
        return SessionView.of(s, service.maskedEnvironment(s));
    }
}
