package dev.dmsmlflow.notebook.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Catalogue;
import dev.dmsmlflow.notebook.domain.Cluster;
import dev.dmsmlflow.notebook.domain.Effect;
import dev.dmsmlflow.notebook.domain.EnvironmentVariables;
import dev.dmsmlflow.notebook.domain.Lifecycle;
import dev.dmsmlflow.notebook.domain.NewSession;
import dev.dmsmlflow.notebook.domain.Requirements;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.domain.Storage;
import dev.dmsmlflow.notebook.domain.Transition;
import dev.dmsmlflow.notebook.domain.Trigger;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceEntity;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceRepository;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import dev.dmsmlflow.platform.secrets.SecretSealer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The session's state changes, each in one transaction with the events it causes. The lifecycle table decides every status
 * change ({@link Lifecycle}); effects that start or stop processes are only recorded here (the session's pending action)
 * and carried out by {@link SessionWorker} after the commit, which reports the outcome back through the methods below.
 */
@ApplicationScoped
public class SessionService {

    private static final Logger LOG = Logger.getLogger(SessionService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SessionRepository sessions;
    private final MlflowInstanceRepository instances;
    private final Catalogue catalogue;
    private final EventPublisher publisher;
    private final Metering metering;
    private final SecretSealer sealer;
    private final NotebookConfig config;

    SessionService(SessionRepository sessions, MlflowInstanceRepository instances, Catalogue catalogue, EventPublisher publisher,
                   Metering metering, SecretSealer sealer, NotebookConfig config) {
        this.sessions = sessions;
        this.instances = instances;
        this.catalogue = catalogue;
        this.publisher = publisher;
        this.metering = metering;
        this.sealer = sealer;
        this.config = config;
    }

    /** Creates the session (CREATED). 409 naming {@code name} when the workspace has one of that name, or {@code dataStorage} when another workspace owns the location. */
    @Transactional
    public SessionEntity create(NewSession cmd) {
        int limit = config.quota().sessionsPerWorkspace();
        long present = sessions.countLocked(cmd.workspaceId());
        if (present >= limit) {
            throw ProblemException.quotaExceeded("NOTEBOOK_SESSION_QUOTA", "The workspace has " + present
                    + " notebook sessions; the quota is " + limit + " (dms.notebook.quota.sessions-per-workspace). Delete one first.");
        }
        if (sessions.nameTaken(cmd.workspaceId(), cmd.name())) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409,
                    "The workspace already has a notebook session named '" + cmd.name() + "'.", "name").withCode("NAME_TAKEN"));
        }
        checkOwnership(cmd.workspaceId(), cmd.storage());
        Instant now = Instant.now();
        SessionEntity s = new SessionEntity();
        s.id = UUID.randomUUID().toString();
        s.workspaceId = cmd.workspaceId();
        s.name = cmd.name();
        s.clusterId = cmd.cluster().id();
        s.vpcId = cmd.cluster().vpcId();
        s.address = allocateAddress(cmd.cluster());
        s.image = cmd.image().name();
        s.spec = cmd.spec().name();
        s.developmentMode = cmd.developmentMode();
        s.profile = cmd.profile().name();
        s.idleReleaseMinutes = cmd.idleReleaseMinutes();
        s.storage = cmd.storage().uri().orElse(null);
        s.packages = String.join("\n", cmd.packages().stream().map(Requirements.Requirement::spec).toList());
        s.envNames = String.join("\n", cmd.environment().names());
        s.envSealed = cmd.environment().values().isEmpty() ? null : sealer.seal(json(cmd.environment().values()), context(s.id));
        s.status = SessionStatus.CREATED;
        s.createdBy = cmd.requestedBy();
        s.createdAt = now;
        s.updatedAt = now;
        sessions.persist(s);
        return s;
    }

    /** The workspace's session; 404 (the answer of a nonexistent id) for another workspace's. */
    public SessionEntity get(String workspaceId, String id) {
        return sessions.inWorkspace(workspaceId, id).orElseThrow(() -> notFound(id));
    }

    static ProblemException notFound(String id) {
        return ProblemException.notFound("Notebook session " + id + " does not exist.");
    }

    @Transactional
    public SessionEntity start(String workspaceId, String id) {
        SessionEntity s = lockedIn(workspaceId, id);
        Transition t = apply(s, Trigger.START);
        if (t.pendingAction() == Effect.PROVISION) {
            s.idleStop = false;
            s.statusReasonCode = null;
            s.statusReasonMessage = null;
            s.progressPhase = "QUEUED";
            s.progressMessage = "waiting for a runtime worker";
            s.lastActivityAt = null;
            wire(s);
            s.wiringDirty = false;
        }
        return s;
    }

    @Transactional
    public SessionEntity stop(String workspaceId, String id) {
        SessionEntity s = lockedIn(workspaceId, id);
        Transition t = apply(s, Trigger.STOP);
        if (t.pendingAction() == Effect.STOP_RUNTIME) {
            s.idleStop = false;
            s.progressPhase = "STOPPING";
            s.progressMessage = "stopping JupyterLab";
        }
        return s;
    }

    /** Deletes a session that has no runtime; the caller discards its files after the commit. */
    @Transactional
    public SessionEntity delete(String workspaceId, String id) {
        SessionEntity s = lockedIn(workspaceId, id);
        apply(s, Trigger.DELETE);
        return s;
    }

    // --- outcomes reported by the worker and the idle releaser, each in a transaction of its own

    /** What the worker needs of a session, read in a transaction of its own; empty when it is gone. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<Work> work(String id) {
        return sessions.findByIdOptional(id).map(s -> new Work(s.id, s.workspaceId, s.status, s.pendingAction, s.wiringDirty,
                s.trackingUri, s.image, s.spec, s.storage, s.address, s.developmentMode, lines(s.packages), environment(s)));
    }

    /** A session's snapshot for the worker; {@code environment} holds secrets. */
    public record Work(String id, String workspaceId, SessionStatus status, Effect pendingAction, boolean wiringDirty,
                       String trackingUri, String image, String spec, String storage, String address, boolean developmentMode,
                       List<String> packages, Map<String, String> environment) {
        @Override
        public String toString() {
            return "Work[" + id + " " + status + " " + pendingAction + "]";
        }
    }

    /**
     * The outcomes below come from a worker that holds the session's lease as {@code owner}: one that lost it (it lapsed and
     * another replica took the session over) records nothing, the new holder carries the action out and records it.
     */
    private Optional<SessionEntity> lockHeld(String id, String owner) {
        return sessions.lock(id).filter(s -> {
            if (sessions.holdsWork(id, owner)) {
                return true;
            }
            LOG.infof("session %s: replica %s no longer holds its lease; its outcome is not recorded", id, owner);
            return false;
        });
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void progress(String id, String owner, NotebookRuntime.Phase phase, String message) {
        lockHeld(id, owner).filter(s -> s.status == SessionStatus.STARTING).ifPresent(s -> {
            s.progressPhase = phase.name();
            s.progressMessage = message;
            s.updatedAt = Instant.now();
        });
    }

    /**
     * JupyterLab answers. False when the session no longer wants its runtime (a stop came meanwhile: the worker stops it
     * then), or {@code owner} lost the session's lease (the replica that took it over starts it again and records that).
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public boolean runtimeReady(String id, String owner, NotebookRuntime.Started started) {
        SessionEntity s = lockHeld(id, owner).orElse(null);
        if (s == null) {
            return false;
        }
        if (s.pendingAction == Effect.PROVISION) {
            s.pendingAction = null;
        }
        if (s.status != SessionStatus.STARTING) {
            return false;
        }
        s.runtimeInfo = json(runtimeInfo(started));
        s.runtimeAddress = started.address(); // the Pod's IP: what the load balancer's ACL must admit for this session
        s.progressPhase = null;
        s.progressMessage = null;
        s.lastActivityAt = Instant.now();
        apply(s, Trigger.RUNTIME_READY);
        return true;
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void runtimeFailed(String id, String owner, String code, String message) {
        lockHeld(id, owner).ifPresent(s -> {
            if (s.pendingAction == Effect.PROVISION) {
                s.pendingAction = null;
            }
            if (s.status == SessionStatus.STARTING) {
                s.statusReasonCode = code;
                s.statusReasonMessage = message;
                s.progressMessage = null;
                apply(s, Trigger.RUNTIME_FAILED);
            }
        });
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void runtimeStopped(String id, String owner) {
        lockHeld(id, owner).ifPresent(s -> {
            if (s.pendingAction == Effect.STOP_RUNTIME) {
                s.pendingAction = null;
            }
            s.progressPhase = null;
            s.progressMessage = null;
            apply(s, Trigger.RUNTIME_STOPPED);
        });
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void runtimeLost(String id, String message) {
        sessions.lock(id).filter(s -> s.status == SessionStatus.RUNNING).ifPresent(s -> {
            s.statusReasonCode = "RUNTIME_LOST";
            s.statusReasonMessage = message;
            apply(s, Trigger.RUNTIME_LOST);
        });
    }

    /** Releases a RUNNING session idle since {@code lastActivity}; false when it is not RUNNING (any more). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public boolean idleTimeout(String id, Instant lastActivity) {
        SessionEntity s = sessions.lock(id).orElse(null);
        if (s == null || s.status != SessionStatus.RUNNING) {
            return false;
        }
        s.idleStop = true;
        s.lastActivityAt = lastActivity;
        s.statusReasonCode = "IDLE_TIMEOUT";
        s.statusReasonMessage = "Released automatically: no activity (kernels, terminals, the server's API) since " + lastActivity
                + ", longer than its idle timeout of " + s.idleReleaseMinutes + " minutes.";
        s.progressPhase = "STOPPING";
        s.progressMessage = "releasing the idle session";
        apply(s, Trigger.IDLE_TIMEOUT);
        return true;
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordActivity(String id, Instant lastActivity) {
        sessions.lock(id).filter(s -> s.status == SessionStatus.RUNNING).ifPresent(s -> {
            if (s.lastActivityAt == null || lastActivity.isAfter(s.lastActivityAt)) {
                s.lastActivityAt = lastActivity;
            }
        });
    }

    /** The runtime now has {@code trackingUri}; the flag clears unless the URI changed again meanwhile. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void wired(String id, String owner, String trackingUri) {
        lockHeld(id, owner).ifPresent(s -> {
            if (java.util.Objects.equals(s.trackingUri, trackingUri)) {
                s.wiringDirty = false;
            }
        });
    }

    /** Meters every RUNNING session up to {@code now} (ended hour windows); each in its own transaction. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public int meter(String id, Instant now) {
        SessionEntity s = sessions.lock(id).orElse(null);
        if (s == null || s.status != SessionStatus.RUNNING) {
            return 0;
        }
        return metering.meter(s, now, false).size();
    }

    /**
     * The instances of a workspace's VPC changed (inside the consumer's transaction): sessions whose runtime runs get the
     * tracking URI of the instance they should use now, handed over by the worker.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void rewire(String workspaceId, String vpcId) {
        for (SessionEntity s : sessions.withRuntimeIn(workspaceId, vpcId)) {
            String before = s.trackingUri;
            wire(s);
            if (!java.util.Objects.equals(before, s.trackingUri)) {
                s.wiringDirty = true;
                s.updatedAt = Instant.now();
                LOG.infof("session %s: tracking URI %s", s.id, s.trackingUri == null ? "removed" : "now " + s.trackingUri);
            }
        }
    }

    /** The instance and URI the session should have now (none when its profile's network policy does not reach MLflow). */
    private void wire(SessionEntity s) {
        boolean allowed = catalogue.profile(s.profile).map(p -> p.mlflowWiring()).orElse(false);
        Optional<MlflowInstanceEntity> i = allowed ? instances.runningIn(s.workspaceId, s.vpcId) : Optional.empty();
        s.instanceId = i.map(x -> x.instanceId).orElse(null);
        s.trackingUri = i.map(x -> x.trackingUri).orElse(null);
    }

    private SessionEntity lockedIn(String workspaceId, String id) {
        SessionEntity s = sessions.lock(id).orElseThrow(() -> notFound(id));
        if (!s.workspaceId.equals(workspaceId)) {
            throw notFound(id);
        }
        return s;
    }

    /** Applies the lifecycle table and the effects that belong to the transaction; records the one for after the commit. */
    private Transition apply(SessionEntity s, Trigger trigger) {
        Transition t = Lifecycle.on(s.status, trigger, s.idleStop);
        if (t.refused()) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409, t.refusal(), null)
                    .withCode("SESSION_" + s.status));
        }
        Instant now = Instant.now();
        SessionStatus before = s.status;
        if (t.next() != null) {
            s.status = t.next();
        }
        if (t.pendingAction() != null) {
            s.pendingAction = t.pendingAction();
        }
        for (Effect e : t.effects()) {
            switch (e) {
                case OPEN_METER -> {
                    s.runningSince = now;
                    s.meteredFrom = now;
                }
                case CLOSE_METER -> metering.meter(s, now, true);
                case PUBLISH_STARTED -> publisher.publish(Events.started(s, now));
                case PUBLISH_STOPPED -> {
                    if (s.runningSince != null) {
                        publisher.publish(Events.stopped(s, now));
                        s.runningSince = null;
                    }
                }
                case REMOVE -> sessions.delete(s);
                default -> {
                    // PROVISION, STOP_RUNTIME, DISCARD_RUNTIME: after the commit
                }
            }
        }
        s.updatedAt = now;
        if (s.status != SessionStatus.RUNNING) {
            s.runtimeAddress = null; // no runtime, or one not ready yet: no address of its own
        }
        if (before != s.status) {
            LOG.infof("session %s: %s -> %s (%s)", s.id, before, s.status, trigger);
        }
        return t;
    }

    private void checkOwnership(String workspaceId, Storage storage) {
        if (storage.temporary()) {
            return;
        }
        for (SessionEntity other : sessions.persistentOfOtherWorkspaces(workspaceId)) {
            if (Storage.parse(other.storage).overlaps(storage)) {
                throw notOwned(storage);
            }
        }
        for (MlflowInstanceEntity i : instances.artifactRootsOfOtherWorkspaces(workspaceId)) {
            Storage root = new Storage("oss", i.ossBucket, i.ossPath == null ? "" : i.ossPath.replaceAll("^/+|/+$", ""));
            if (root.overlaps(storage)) {
                throw notOwned(storage);
            }
        }
    }

    private static ProblemException notOwned(Storage storage) {
        return new ProblemException(Problem.of("conflict", "Conflict with current state", 409, "dataStorage "
                + storage.uri().orElse("") + " is, contains or lies inside a location another workspace uses.", "dataStorage")
                .withCode("STORAGE_NOT_OWNED"));
    }

    /** The lowest free host address of the cluster's notebook subnet. */
    private String allocateAddress(Cluster cluster) {
        Set<String> used = new HashSet<>(sessions.addresses(cluster.id()));
        String[] parts = cluster.cidr().split("/");
        try {
            byte[] base = ((Inet4Address) InetAddress.getByName(parts[0])).getAddress();
            int prefix = Integer.parseInt(parts[1]);
            long network = ((base[0] & 0xffL) << 24 | (base[1] & 0xffL) << 16 | (base[2] & 0xffL) << 8 | (base[3] & 0xffL))
                    & (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            long size = 1L << (32 - prefix);
            for (long host = 2; host < size - 1; host++) {
                long a = network + host;
                String address = ((a >> 24) & 0xff) + "." + ((a >> 16) & 0xff) + "." + ((a >> 8) & 0xff) + "." + (a & 0xff);
                if (!used.contains(address)) {
                    return address;
                }
            }
        } catch (UnknownHostException | ClassCastException | NumberFormatException e) {
            throw new IllegalStateException("cluster " + cluster.id() + " has an invalid cidr " + cluster.cidr(), e);
        }
        throw ProblemException.quotaExceeded("CLUSTER_ADDRESSES", "Cluster " + cluster.id() + " has no free address in "
                + cluster.cidr() + " for another session.");
    }

    // --- stored forms

    static List<String> lines(String text) {
        return text == null || text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    /** The session's variables (secrets). */
    public Map<String, String> environment(SessionEntity s) {
        if (s.envSealed == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(sealer.open(s.envSealed, context(s.id)), new TypeReference<LinkedHashMap<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("sealed variables of " + s.id + " are unreadable");
        }
    }

    /** The variables as they may be shown: names with masked values. */
    public Map<String, String> maskedEnvironment(SessionEntity s) {
        Map<String, String> out = new LinkedHashMap<>();
        environment(s).forEach((k, v) -> out.put(k, EnvironmentVariables.masked(v)));
        return out;
    }

    private static String context(String sessionId) {
        return "notebook-session-env:" + sessionId;
    }

    private static Map<String, Object> runtimeInfo(NotebookRuntime.Started st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("python", st.python());
        if (st.pythonNote() != null) {
            m.put("pythonNote", st.pythonNote());
        }
        m.put("environmentKey", st.environmentKey());
        m.put("limits", st.limits());
        return m;
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
