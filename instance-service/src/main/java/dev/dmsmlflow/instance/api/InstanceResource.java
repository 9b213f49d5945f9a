package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.compute.Compute;
import dev.dmsmlflow.instance.domain.CreateInstance;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceRules;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.Spec;
import dev.dmsmlflow.instance.provider.network.NetworkValidation;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.application.InstanceService;
import dev.dmsmlflow.instance.application.SagaWorker;
import dev.dmsmlflow.instance.application.Metering;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.paging.Page;
import dev.dmsmlflow.platform.paging.PageRequest;
import dev.dmsmlflow.platform.problem.ProblemException;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

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
    private static final Set<String> EDITABLE = Set.of("name", "description", "authMode", "spec");

    private final InstanceService service;
    private final InstanceRepository repository;
    private final NetworkValidation network;
    private final SagaWorker worker;
    private final Compute compute;
    private final ObjectMapper mapper;
    private final Caller caller;

    InstanceResource(InstanceService service, InstanceRepository repository, NetworkValidation network, SagaWorker worker,
                     Compute compute, ObjectMapper mapper, Caller caller) {
        this.service = service;
        this.repository = repository;
        this.network = network;
        this.worker = worker;
        this.compute = compute;
        this.mapper = mapper;
        this.caller = caller;
    }

    /**
     * Creates an instance in the caller's workspace. A body {@code workspaceId} is optional; naming another workspace is a
     * 404, as for any workspace the caller cannot see.
     */
    @POST
    public Response create(CreateInstanceRequest body, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        String workspaceId = caller.workspaceId();
        if (body != null && body.workspaceId() != null && !body.workspaceId().equals(workspaceId)) {
            throw ProblemException.notFound("Workspace " + body.workspaceId() + " does not exist.");
        }
        caller.requireRole(Role.EDITOR);
        if (body == null) {
            throw ProblemException.invalidField("body", "A JSON body with the instance's parameters is required.");
        }
        CreateInstance cmd = validate(workspaceId, body, caller.principal());
        String key = null;
        String hash = null;
        if (idempotencyKey != null) {
            if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
                throw ProblemException.invalidField("Idempotency-Key", "Idempotency-Key must be 1-255 characters.");
            }
            key = idempotencyKey;
            hash = hash(cmd);
            var existing = service.findByIdempotencyKey(cmd.workspaceId(), key, hash);
            if (existing.isPresent()) {
                return created(existing.get(), true);
            }
        }
        network.requireAuthMode(cmd.authMode(), caller.bearerToken());
        network.validate(new NetworkValidation.NetworkRequest(cmd.vpcId(), cmd.vSwitchId(), cmd.secondaryVSwitchId(),
                cmd.securityGroupId()), caller.bearerToken());
        try {
            InstanceService.Created c = service.create(cmd, key, hash);
            return created(c.instance(), !c.created());
        } catch (InstanceService.IdempotencyRaceException e) {
            return created(service.findByIdempotencyKey(cmd.workspaceId(), key, hash).orElseThrow(() -> e), true);
        }
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
        if (body == null || !body.isObject()) {
            throw ProblemException.invalidField("body", "A JSON object with name, description, authMode and/or spec is required.");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.equals("ossPath") || field.equals("ossBucket")) {
                throw ProblemException.invalidField(field, field + " cannot be changed: oss://<ossBucket>/<ossPath> is the instance's"
                        + " artifact root, and the tracking database records every experiment's and run's artifact location under it,"
                        + " so a new root would leave the existing artifacts out of reach. Create another instance for another root.");
            }
            if (!EDITABLE.contains(field)) {
                throw ProblemException.invalidField(field, "Only name, description, authMode and spec can be edited.");
            }
        }
        String name = null;
        if (body.has("name")) {
            if (!body.get("name").isTextual()) {
                throw ProblemException.invalidField("name", "name must be a string.");
            }
            name = InstanceRules.name(body.get("name").asText());
        }
        String description = null;
        boolean descriptionGiven = body.has("description");
        if (descriptionGiven && !body.get("description").isNull()) {
            if (!body.get("description").isTextual()) {
                throw ProblemException.invalidField("description", "description must be a string or null.");
            }
            description = InstanceRules.description(body.get("description").asText());
        }
        String authMode = null;
        if (body.has("authMode")) {
            if (!body.get("authMode").isTextual()) {
                throw ProblemException.invalidField("authMode", "authMode must be one of " + InstanceRules.AUTH_MODES + ".");
            }
            authMode = InstanceRules.authMode(body.get("authMode").asText());
            if (!"network".equals(authMode)) {
                service.get(caller.workspaceId(), id); // another workspace's instance stays a 404, not a capability answer
                network.requireAuthMode(authMode, caller.bearerToken());
            }
        }
        Spec spec = null;
        if (body.has("spec")) {
            if (!body.get("spec").isTextual()) {
                throw ProblemException.invalidField("spec", "spec must be one of " + Spec.names() + ".");
            }
            spec = InstanceRules.spec(body.get("spec").asText());
        }
        Instance updated = service.update(caller.workspaceId(), id, name, description, descriptionGiven, authMode, spec);
        worker.wake(); // a resize left a step to do
        return InstanceView.of(updated);
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

    private static Response created(Instance i, boolean replayed) {
        return Response.created(URI.create("/instances/" + i.id)).entity(InstanceView.of(i))
                .header("Idempotent-Replayed", Boolean.toString(replayed)).build();
    }

    private static CreateInstance validate(String workspaceId, CreateInstanceRequest b, String principal) {
        String name = InstanceRules.name(b.name());
        String description = InstanceRules.description(b.description());
        String vpcId = InstanceRules.id("vpcId", b.vpcId());
        String vSwitchId = InstanceRules.id("vSwitchId", b.vSwitchId());
        String secondary = InstanceRules.id("secondaryVSwitchId", b.secondaryVSwitchId());
        if (secondary.equals(vSwitchId)) {
            throw ProblemException.invalidField("secondaryVSwitchId",
                    "secondaryVSwitchId must differ from vSwitchId: the load balancer needs two zones.");
        }
        String securityGroupId = InstanceRules.id("securityGroupId", b.securityGroupId());
        String bucket = InstanceRules.ossBucket(b.ossBucket());
        String path = InstanceRules.ossPath(b.ossPath());
        Spec spec = InstanceRules.spec(b.spec());
        String authMode = InstanceRules.authMode(b.authMode());
        return new CreateInstance(workspaceId, name, description, vpcId, vSwitchId, secondary, securityGroupId, bucket, path, spec,
                principal, authMode);
    }

    private String hash(CreateInstance cmd) {
        try {
            String canonical = mapper.writeValueAsString(new Object[] {cmd.workspaceId(), cmd.name(), cmd.description(), cmd.vpcId(),
                    cmd.vSwitchId(), cmd.secondaryVSwitchId(), cmd.securityGroupId(), cmd.ossBucket(), cmd.ossPath(), cmd.spec().name(),
                    cmd.authMode()});
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
