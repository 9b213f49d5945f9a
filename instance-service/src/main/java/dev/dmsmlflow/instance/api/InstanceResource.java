package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.domain.CreateInstance;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.application.InstanceCommands;
import dev.dmsmlflow.instance.application.InstanceService;
import dev.dmsmlflow.instance.application.SagaWorker;
import dev.dmsmlflow.instance.application.Metering;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.paging.Page;
import dev.dmsmlflow.platform.paging.PageRequest;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
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
import java.util.List;

/**
 * The internal instance API (the gateway exposes it publicly). Errors are problem+json naming the field. Every call
 * needs the gateway's service token and is scoped to its workspace: another workspace's instance is a 404 like a
 * nonexistent one, changes need the editor role, and the token's member is the actor recorded in events.
 */
@Path("/instances")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class InstanceResource {

    private static final int DEFAULT_PAGE_SIZE = 20;
    private static final int MAX_PAGE_SIZE = 100;
    private static final String INSTANCES = "i";
    private static final String USAGE = "u";

    private final InstanceService service;
    private final InstanceCommands commands;
    private final InstanceRepository repository;
    private final SagaWorker worker;
    private final Compute compute;
    private final Caller caller;
    private final Validator validator;

    InstanceResource(InstanceService service, InstanceCommands commands, InstanceRepository repository, SagaWorker worker,
                     Compute compute, Caller caller, Validator validator) {
        this.service = service;
        this.commands = commands;
        this.repository = repository;
        this.worker = worker;
        this.compute = compute;
        this.caller = caller;
        this.validator = validator;
    }

    /**
     * Creates an instance in the caller's workspace. A body {@code workspaceId} is optional; naming another workspace is a
     * 404, as for any workspace the caller cannot see. The body's declared constraints are checked first (a 400 naming the
     * field), then the workspace and the role, then the domain's rules.
     */
    @POST
    public Response create(@NotNull(message = "A JSON body with the instance's parameters is required.") @Valid CreateInstanceRequest b,
                           @HeaderParam("Idempotency-Key") String idempotencyKey) {
        String workspaceId = caller.workspaceId();
        if (b.workspaceId() != null && !b.workspaceId().equals(workspaceId)) {
            throw ProblemException.notFound("Workspace " + b.workspaceId() + " does not exist.");
        }
        caller.requireRole(Role.EDITOR);
        CreateInstance cmd = CreateInstance.validated(workspaceId, caller.principal(), b.name(), b.description(), b.vpcId(),
                b.vSwitchId(), b.secondaryVSwitchId(), b.securityGroupId(), b.ossBucket(), b.ossPath(), b.spec(), b.authMode());
        InstanceCommands.Outcome o = commands.create(cmd, idempotencyKey, caller.bearerToken());
        return Response.created(URI.create("/instances/" + o.instance().id)).entity(InstanceView.of(o.instance()))
                .header("Idempotent-Replayed", Boolean.toString(o.replayed())).build();
    }

    @GET
    @Path("/{id}")
    public InstanceView get(@PathParam("id") String id) {
        return InstanceView.of(service.get(caller.workspaceId(), id));
    }

    /** The caller's workspace's instances, ordered by id; optionally of one status. */
    @GET
    public Page<InstanceView> list(@QueryParam("status") String status, @QueryParam("pageSize") String pageSize,
                                   @QueryParam("pageToken") String pageToken) {
        InstanceStatus filter = null;
        if (status != null && !status.isEmpty()) {
            try {
                filter = InstanceStatus.valueOf(status);
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalidField("status", "Unknown status '" + status + "'; one of "
                        + java.util.Arrays.toString(InstanceStatus.values()) + ".");
            }
        }
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, INSTANCES);
        List<Instance> rows = repository.page(caller.workspaceId(), filter, page.after(), page.fetchLimit());
        return page.page(rows, INSTANCES, i -> i.id, InstanceView::of);
    }

    /** The instance's metered usage: one reading per (partial) hour window it ran, oldest first. */
    @GET
    @Path("/{id}/usage")
    public Page<UsageView> usage(@PathParam("id") String id, @QueryParam("pageSize") String pageSize,
                                 @QueryParam("pageToken") String pageToken) {
        PageRequest page = PageRequest.parse(pageSize, pageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, USAGE);
        Instant after = null;
        if (page.after() != null) {
            try {
                after = Instant.parse(page.after());
            } catch (DateTimeParseException e) {
                throw PageRequest.badToken();
            }
        }
        List<Metering.Reading> rows = service.usage(caller.workspaceId(), id, after, page.fetchLimit());
        return page.page(rows, USAGE, r -> r.windowStart().toString(), UsageView::of);
    }

    @PATCH
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public InstanceView update(@PathParam("id") String id, JsonNode body) {
        requireEditorOf(id);
        InstancePatch p = InstancePatch.parse(body, validator);
        return InstanceView.of(commands.update(caller.workspaceId(), id, p.name(), p.description(), p.descriptionGiven(), p.authMode(),
                p.spec(), caller.bearerToken()));
    }

    @POST
    @Path("/{id}/release")
    public Response release(@PathParam("id") String id) {
        requireEditorOf(id);
        return accepted(service.release(caller.workspaceId(), id, caller.principal()));
    }

    @POST
    @Path("/{id}/redeploy")
    public Response redeploy(@PathParam("id") String id, JsonNode body) {
        requireEditorOf(id);
        String version = null;
        if (body != null && body.hasNonNull("version")) {
            if (!body.get("version").isTextual() || !compute.supportsVersion(body.get("version").asText())) {
                throw ProblemException.invalidField("version", "Unknown tracking-server version " + body.get("version") + ".");
            }
            version = body.get("version").asText();
        }
        return accepted(service.redeploy(caller.workspaceId(), id, version));
    }

    @POST
    @Path("/{id}/stop")
    public Response stop(@PathParam("id") String id) {
        requireEditorOf(id);
        return accepted(service.stop(caller.workspaceId(), id));
    }

    @POST
    @Path("/{id}/start")
    public Response start(@PathParam("id") String id) {
        requireEditorOf(id);
        return accepted(service.start(caller.workspaceId(), id));
    }

    /** 404 for an instance the caller cannot see (first, so ids do not leak), then 403 below the editor role. */
    private void requireEditorOf(String id) {
        service.get(caller.workspaceId(), id);
        caller.requireRole(Role.EDITOR);
    }

    private Response accepted(Instance i) {
        worker.wake();
        return Response.accepted(InstanceView.of(i)).build();
    }
}
