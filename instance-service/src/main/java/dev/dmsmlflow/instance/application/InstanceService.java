package dev.dmsmlflow.instance.application;

import dev.dmsmlflow.contracts.instance.InstanceFailureCode;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.instance.provider.database.TrackingDatabases;
import dev.dmsmlflow.instance.domain.CreateInstance;
import dev.dmsmlflow.instance.domain.Events;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceLifecycle;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Effect;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Event;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Transition;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.instance.domain.Spec;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import dev.dmsmlflow.platform.quarkus.TraceContext;
import dev.dmsmlflow.instance.application.Metering;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Applies the instance lifecycle ({@link InstanceLifecycle}): every method is one transaction that looks up the row of
 * the instance's state and the event (a request, a network event, a step's outcome), changes the instance accordingly
 * and writes the events of that change to the outbox. Long-running work (database, compute) is left as a saga step for
 * {@link SagaWorker}, which executes it outside any transaction and reports back through {@link #advance}.
 */
@ApplicationScoped
public class InstanceService {

    private static final Logger LOG = Logger.getLogger(InstanceService.class);
    /** statusReason code of a RUNNING instance whose resize fell back to the spec it had. */
    public static final String RESIZE_FAILED = "RESIZE_FAILED";

    private final InstanceRepository repository;
    private final EventPublisher events;
    private final Metering metering;
    private final AgroalDataSource dataSource;
    private final InstanceConfig config;
    private final dev.dmsmlflow.instance.persistence.StorageClaims storage;

    InstanceService(InstanceRepository repository, EventPublisher events, Metering metering, AgroalDataSource dataSource,
                    InstanceConfig config, dev.dmsmlflow.instance.persistence.StorageClaims storage) {
        this.storage = storage;
        this.repository = repository;
        this.events = events;
        this.metering = metering;
        this.dataSource = dataSource;
        this.config = config;
    }

    /** The outcome of a create: the instance and whether this request created it (false: idempotent replay). */
    public record Created(Instance instance, boolean created) {
    }

    // ---------------------------------------------------------------- API side

    /** The instance an Idempotency-Key already created; 409 when the key was used with another body. */
    @Transactional
    public Optional<Instance> findByIdempotencyKey(String workspaceId, String key, String requestHash) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT request_hash, instance_id FROM instance_idempotency_key WHERE workspace_id = ? AND key = ?")) {
            ps.setString(1, workspaceId);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (!rs.getString(1).equals(requestHash)) {
                    throw new ProblemException(Problem.of("idempotency-key-reused", "Idempotency key reused", 409,
                            "This Idempotency-Key was already used with a different request body.", "Idempotency-Key"));
                }
                return repository.find(rs.getString(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("idempotency lookup failed", e);
        }
    }

    /**
     * Creates the instance, or answers the one an Idempotency-Key already created. Under the workspace's quota lock: the
     * key is checked again and the instances not RELEASED are counted before the insert, so concurrent creates can
     * neither exceed {@code dms.quota.instances-per-workspace} nor create twice for one key.
     */
    @Transactional
    public Created create(CreateInstance cmd, String idempotencyKey, String requestHash) {
        repository.lockWorkspaceQuota(cmd.workspaceId());
        if (idempotencyKey != null) {
            Optional<Instance> existing = findByIdempotencyKey(cmd.workspaceId(), idempotencyKey, requestHash);
            if (existing.isPresent()) {
                return new Created(existing.get(), false);
            }
        }
        int limit = config.quota().instancesPerWorkspace();
        int live = repository.countNotReleased(cmd.workspaceId());
        if (live >= limit) {
            throw ProblemException.quotaExceeded("INSTANCE_QUOTA", "Workspace " + cmd.workspaceId() + " has " + live
                    + " instances that are not released; the quota is " + limit
                    + " (dms.quota.instances-per-workspace). Release one first.");
        }
        Instant now = Instant.now();
        Instance i = new Instance();
        i.id = UUID.randomUUID().toString();
        i.workspaceId = cmd.workspaceId();
        i.name = cmd.name();
        i.description = cmd.description();
        i.vpcId = cmd.vpcId();
        i.vSwitchId = cmd.vSwitchId();
        i.secondaryVSwitchId = cmd.secondaryVSwitchId();
        i.securityGroupId = cmd.securityGroupId();
        i.ossBucket = cmd.ossBucket();
        i.ossPath = cmd.ossPath();
        i.spec = cmd.spec().name();
        i.authMode = cmd.authMode() == null ? "network" : cmd.authMode();
        storage.claim(i.workspaceId, i.id, i.ossBucket, i.ossPath);
        i.status = InstanceStatus.CREATING;
        i.sagaStep = SagaStep.AWAIT_NETWORK;
        i.sagaTraceparent = TraceContext.currentTraceparent();
        i.trackingDatabase = TrackingDatabases.databaseName(i.id);
        i.requestedBy = cmd.requestedBy();
        i.createdAt = now;
        i.updatedAt = now;
        repository.insert(i);
        announceStatus(i);
        if (idempotencyKey != null) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("INSERT INTO instance_idempotency_key "
                         + "(workspace_id, key, request_hash, instance_id, created_at) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, i.workspaceId);
                ps.setString(2, idempotencyKey);
                ps.setString(3, requestHash);
                ps.setString(4, i.id);
                ps.setTimestamp(5, Timestamp.from(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                // a concurrent request with the same key won: this transaction rolls back, the caller re-reads the key
                throw new IdempotencyRaceException(e);
            }
        }
        events.publish(Events.requested(i));
        LOG.infof("instance %s requested (%s, %s)", i.id, i.name, i.spec);
        return new Created(i, true);
    }

    /** Thrown when two requests with one Idempotency-Key race; the loser answers with the winner's instance. */
    public static class IdempotencyRaceException extends RuntimeException {
        IdempotencyRaceException(Throwable cause) {
            super("idempotency key taken concurrently", cause);
        }
    }

    /** The instance, when it belongs to {@code workspaceId}; 404 otherwise (the same answer as for an id that does not exist). */
    public Instance get(String workspaceId, String id) {
        return repository.find(id).filter(i -> i.workspaceId.equals(workspaceId)).orElseThrow(() -> notFound(id));
    }

    /** Up to {@code limit} metered readings of an instance of {@code workspaceId}, oldest first, after the window that began at {@code after}. */
    public List<Metering.Reading> usage(String workspaceId, String id, Instant after, int limit) {
        get(workspaceId, id);
        return metering.readings(id, after, limit);
    }

    @Transactional
    public Instance update(String workspaceId, String id, String name, String description, boolean descriptionGiven) {
        return update(workspaceId, id, name, description, descriptionGiven, null, null);
    }

    @Transactional
    public Instance update(String workspaceId, String id, String name, String description, boolean descriptionGiven, String authMode) {
        return update(workspaceId, id, name, description, descriptionGiven, authMode, null);
    }

    /**
     * Changes name, description, the authentication mode and/or the spec (null: unchanged); one InstanceUpdated for the
     * attributes that changed at once. A spec change of a STOPPED instance is in effect at once (its next start uses it;
     * InstanceUpdated carries it); of a RUNNING one it is a resize: UPDATING with the spec pending, rolled out by the saga
     * ({@link SagaStep#RESIZE}) and announced once in effect. Asking for the spec in effect, or for the one a resize is
     * already rolling out, changes nothing. In any other status a spec change is a 409 naming the status.
     */
    @Transactional
    public Instance update(String workspaceId, String id, String name, String description, boolean descriptionGiven, String authMode,
                           Spec spec) {
        Instance i = lockedIn(workspaceId, id);
        Transition specChange = null;
        if (spec != null) {
            boolean inEffect = spec.name().equals(i.spec) && i.pendingSpec == null;
            boolean underWay = spec.name().equals(i.pendingSpec);
            if (!inEffect && !underWay) {
                specChange = InstanceLifecycle.next(i.status, i.sagaStep, Event.CHANGE_SPEC).orElseThrow(() -> specConflict(i));
            }
        }
        if (InstanceLifecycle.next(i.status, i.sagaStep, Event.EDIT).isEmpty()) {
            throw ProblemException.conflict("Instance " + id + " is " + i.status + " and can no longer be edited.");
        }
        boolean specNow = specChange != null && specChange.effects().contains(Effect.APPLY_SPEC);
        boolean changed = specNow;
        if (name != null && !name.equals(i.name)) {
            i.name = name;
            changed = true;
        }
        if (descriptionGiven && !java.util.Objects.equals(description, i.description)) {
            i.description = description;
            changed = true;
        }
        boolean authChanged = authMode != null && !authMode.equals(i.authMode);
        if (authChanged) {
            i.authMode = authMode;
            changed = true;
        }
        if (specChange != null) {
            apply(i, specChange, Facts.spec(spec.name()));
            if (i.status == InstanceStatus.UPDATING) {
                LOG.infof("instance %s resizes from %s to %s", i.id, i.spec, i.pendingSpec);
            }
        } else if (changed) {
            save(i);
        }
        if (changed) {
            events.publish(Events.updated(i, i.updatedAt, authChanged, specNow));
        }
        return i;
    }

    private static ProblemException specConflict(Instance i) {
        String detail = i.status == InstanceStatus.UPDATING
                ? "Instance " + i.id + " is UPDATING: a resize to " + i.pendingSpec + " is under way. Its spec can be changed again"
                + " once it is RUNNING."
                : "Instance " + i.id + " is " + i.status + ": its spec can be changed only while it is RUNNING (a rolling resize that"
                + " keeps its data) or STOPPED (the next start uses the new spec).";
        return new ProblemException(dev.dmsmlflow.platform.problem.Problem.of("conflict", "Conflict with current state", 409, detail, "spec"));
    }

    /**
     * Starts the release from any status but RELEASING and RELEASED (idempotent there). Whatever saga step was pending is
     * replaced: a create is cancelled, a resize, redeploy, stop or start abandoned. The release step then removes what
     * exists by then (every tracking server of the instance, its database and role); a step already executing finishes
     * first (never two steps of one instance at once) and its result is ignored, and network events that arrive for the
     * abandoned step (a late NetworkProvisioned or BackendRegistered) are ignored. InstanceReleaseRequested makes
     * network-service delete the load balancer, also one it creates only after this (it handles the instance's events in
     * order), or record that none may be made.
     */
    @Transactional
    public Instance release(String workspaceId, String id, String requestedBy) {
        Instance i = lockedIn(workspaceId, id);
        if (i.sagaStep != null && InstanceStatus.RELEASABLE.contains(i.status)) {
            LOG.infof("instance %s released while %s (step %s): what its saga built so far is removed", i.id, i.status, i.sagaStep);
        }
        request(i, Event.RELEASE, Facts.requestedBy(requestedBy));
        return i;
    }

    @Transactional
    public Instance redeploy(String workspaceId, String id, String version) {
        Instance i = lockedIn(workspaceId, id);
        request(i, Event.REDEPLOY, Facts.version(version));
        return i;
    }

    @Transactional
    public Instance stop(String workspaceId, String id) {
        Instance i = lockedIn(workspaceId, id);
        request(i, Event.STOP, Facts.NONE);
        return i;
    }

    @Transactional
    public Instance start(String workspaceId, String id) {
        Instance i = lockedIn(workspaceId, id);
        request(i, Event.START, Facts.NONE);
        return i;
    }

    // ---------------------------------------------------------------- events from network-service

    @Transactional(Transactional.TxType.MANDATORY)
    public void onNetworkProvisioned(NetworkProvisioned e) {
        Optional<Instance> found = repository.lock(e.instanceId());
        if (found.isEmpty()) {
            LOG.debugf("NetworkProvisioned for unknown instance %s ignored", e.instanceId());
            return;
        }
        Instance i = found.get();
        // a replay, or a create released before the network existed: network-service deletes that load balancer on
        // InstanceReleaseRequested, which it handles after this instance's InstanceRequested
        observe(i, Event.NETWORK_PROVISIONED, Facts.network(e));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onNetworkProvisionFailed(NetworkProvisionFailed e) {
        repository.lock(e.instanceId()).ifPresent(i -> observe(i, Event.NETWORK_PROVISION_FAILED,
                Facts.failure(InstanceFailureCode.NETWORK_PROVISION_FAILED.name(), e.code() + ": " + e.message())));
    }

    /** The load balancer forwards to a backend: the instance's server (RUNNING), or a resize's new one (the switch). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onBackendRegistered(BackendRegistered e) {
        Optional<Instance> found = repository.lock(e.instanceId());
        if (found.isEmpty()) {
            return;
        }
        Instance i = found.get();
        boolean sameHost = e.backend() != null && e.backend().host().equals(i.backendHost);
        if (sameHost && i.successorPort != null && e.backend().port() == i.successorPort) {
            observe(i, Event.SUCCESSOR_REGISTERED, Facts.NONE);
        } else if (sameHost && i.backendPort != null && e.backend().port() == i.backendPort) {
            observe(i, Event.BACKEND_REGISTERED, Facts.NONE);
        } else {
            LOG.infof("BackendRegistered for %s ignored (step %s, backend %s)", i.id, i.sagaStep, e.backend());
        }
    }

    /**
     * The instance's load balancer answers at another address now (network-service made it again): the instance's VPC
     * address and tracking URI follow, and a RUNNING instance announces InstanceRunning again with them, so notebook
     * sessions rewire their tracking URI (an instance on its way to RUNNING announces it when it gets there). Not a status
     * transition, so not in the lifecycle table: an address recorded already (a redelivery under another id), another load
     * balancer's, or a released instance's changes nothing.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onLoadBalancerAddressChanged(LoadBalancerAddressChanged e) {
        Optional<Instance> found = repository.lock(e.instanceId());
        if (found.isEmpty()) {
            return;
        }
        Instance i = found.get();
        if (i.vpcAddress == null || i.status == InstanceStatus.RELEASING || i.status == InstanceStatus.RELEASED
                || !java.util.Objects.equals(i.loadBalancerId, e.loadBalancerId())) {
            LOG.infof("LoadBalancerAddressChanged for %s ignored (%s, load balancer %s)", i.id, i.status, i.loadBalancerId);
            return;
        }
        if (e.vpcAddress().equals(i.vpcAddress) && Integer.valueOf(e.vpcPort()).equals(i.vpcPort)) {
            return;
        }
        LOG.infof("instance %s: its load balancer answers at %s:%d now (was %s:%s)", i.id, e.vpcAddress(), e.vpcPort(),
                i.vpcAddress, i.vpcPort);
        Instant now = Instant.now();
        i.vpcAddress = e.vpcAddress();
        i.vpcPort = e.vpcPort();
        i.updatedAt = now;
        save(i);
        if (i.status == InstanceStatus.RUNNING) {
            events.publish(Events.running(i, now));
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onNetworkReleased(NetworkReleased e) {
        repository.lock(e.instanceId()).ifPresent(i -> observe(i, Event.NETWORK_RELEASED, Facts.NONE));
    }

    // ---------------------------------------------------------------- outcomes of saga steps

    /**
     * What the saga worker's step {@code step} came to, or a timeout: applied when the instance is still at that step
     * (a release may have replaced it meanwhile: then the outcome is ignored). Returns whether it was applied.
     */
    @Transactional
    public boolean advance(String id, SagaStep step, Event event, Facts facts) {
        Instance i = locked(id);
        if (i.sagaStep != step) {
            return false;
        }
        Event observed = event;
        if (event == Event.COMPUTE_STARTED && facts.host().equals(i.backendHost) && i.backendPort != null
                && i.backendPort.equals(facts.port())) {
            observed = Event.COMPUTE_STARTED_SAME_ADDRESS; // the load balancer already forwards to this address
        } else if (event == Event.COMPUTE_RELEASED && i.networkReleased) {
            observed = Event.COMPUTE_RELEASED_AFTER_NETWORK;
        }
        return observe(i, observed, facts);
    }

    /** network-service did not answer in time: fail and clean up like any other provisioning failure. */
    @Transactional
    public boolean deployTimedOut(String id, java.time.Duration after) {
        Instance i = locked(id);
        boolean backend = i.sagaStep == SagaStep.AWAIT_BACKEND;
        return observe(i, Event.DEPLOY_TIMED_OUT, Facts.failure(
                (backend ? InstanceFailureCode.BACKEND_REGISTRATION_FAILED : InstanceFailureCode.DEPLOY_TIMEOUT).name(),
                (backend ? "The load balancer did not register the tracking server" : "The network was not provisioned")
                        + " within " + after.toMinutes() + " minutes."));
    }

    /** network-service did not switch the load balancer in time: the resize is abandoned (the worker stops the new server). */
    @Transactional
    public boolean resizeTimedOut(String id, java.time.Duration after) {
        Instance i = locked(id);
        return observe(i, Event.RESIZE_TIMED_OUT, Facts.failure(RESIZE_FAILED,
                "The load balancer did not switch to the tracking server of spec " + i.pendingSpec + " within "
                        + after.toMinutes() + " minutes. The instance keeps running with spec " + i.spec + ", its data untouched."));
    }

    // ---------------------------------------------------------------- the table applied

    /** A caller's request: applied, answered as it is when already fulfilled, or a 409 when the table has no row. */
    private void request(Instance i, Event event, Facts facts) {
        Transition t = InstanceLifecycle.next(i.status, i.sagaStep, event).orElseThrow(() -> ProblemException.conflict(
                "Instance " + i.id + " is " + i.status + " and cannot be " + event.verb() + " now."));
        if (!t.unchanged()) {
            apply(i, t, facts);
        }
    }

    /** An event or outcome: applied when the table has a row for the instance's state, ignored (and logged) otherwise. */
    private boolean observe(Instance i, Event event, Facts facts) {
        Optional<Transition> t = InstanceLifecycle.next(i.status, i.sagaStep, event);
        if (t.isEmpty()) {
            LOG.infof("%s for %s ignored (%s)", event, i, i.status == InstanceStatus.RELEASING || i.status == InstanceStatus.RELEASED
                    ? "released meanwhile" : "not expected in this state");
            return false;
        }
        apply(i, t.get(), facts);
        return true;
    }

    /** Executes a transition's effects on the instance, writes it (and its status change), then publishes its events. */
    private void apply(Instance i, Transition t, Facts f) {
        Instant now = Instant.now();
        for (Effect e : t.effects()) {
            switch (e) {
                case RECORD_NETWORK -> {
                    NetworkProvisioned n = f.network();
                    i.vpcAddress = n.vpcAddress();
                    i.vpcPort = n.vpcPort();
                    i.loadBalancerId = n.loadBalancerId();
                    i.listenerId = n.listenerId();
                    i.aclId = n.aclId();
                    i.backendAuthDigest = n.backendAuthDigest();
                }
                case RECORD_FAILURE -> {
                    i.failureCode = f.failureCode();
                    i.failureMessage = truncate(f.message());
                }
                case CLEAR_REASON -> {
                    i.failureCode = null;
                    i.failureMessage = null;
                }
                case NETWORK_GONE -> i.networkReleased = true;
                case RECORD_BACKEND -> {
                    i.backendHost = f.host();
                    i.backendPort = f.port();
                    i.computeReleased = false;
                }
                case COMPUTE_PENDING -> i.computeReleased = false;
                case COMPUTE_REMOVED -> i.computeReleased = true;
                case COMPUTE_GONE -> {
                    i.computeReleased = true;
                    i.backendHost = null;
                    i.backendPort = null;
                }
                case PEND_SPEC -> i.pendingSpec = f.spec();
                case APPLY_SPEC -> i.spec = f.spec();
                case RECORD_VERSION -> {
                    if (f.version() != null) {
                        i.trackingVersion = f.version();
                    }
                }
                case RECORD_SUCCESSOR -> i.successorPort = f.port();
                case ADOPT_SUCCESSOR -> {
                    LOG.infof("instance %s serves with spec %s since %s (was %s); its old tracking server stops next", i.id,
                            i.pendingSpec, now, i.spec);
                    i.spec = i.pendingSpec;
                    i.pendingSpec = null;
                    i.backendPort = i.successorPort;
                    i.successorPort = null;
                    i.meteredFrom = now;
                }
                case FORGET_SUCCESSOR -> {
                    i.pendingSpec = null;
                    i.successorPort = null;
                }
                case METER_FINAL -> metering.meter(i, now, true);
                case START_METERING -> {
                    if (i.meteredFrom == null) {
                        i.meteredFrom = now;
                    }
                }
                default -> {
                    // published below, once the instance is written
                }
            }
        }
        i.status = t.to();
        if (t.step() != i.sagaStep) {
            // the step's work continues the trace of what asked for it (a request, an event, the previous step's outcome)
            i.sagaTraceparent = t.step() == null ? null : TraceContext.currentTraceparent();
        }
        i.sagaStep = t.step();
        save(i);
        for (Effect e : t.effects()) {
            switch (e) {
                case PUBLISH_DEPLOYED -> events.publish(Events.deployed(i, now));
                case PUBLISH_DEPLOYED_SUCCESSOR -> events.publish(Events.deployed(i, i.backendHost, i.successorPort, now));
                case PUBLISH_RUNNING -> {
                    events.publish(Events.running(i, now));
                    LOG.infof("instance %s RUNNING at %s", i.id, i.trackingUri());
                }
                case PUBLISH_FAILED -> {
                    events.publish(Events.failed(i, now));
                    LOG.infof("instance %s %s: %s %s", i.id, i.status, i.failureCode, i.failureMessage);
                }
                case PUBLISH_SPEC_UPDATED -> events.publish(Events.updated(i, now, false, true));
                case PUBLISH_RELEASE_REQUESTED -> events.publish(Events.releaseRequested(i, f.requestedBy(), now));
                case ASK_NETWORK_RELEASE -> {
                    if (!i.networkReleased) {
                        events.publish(Events.releaseRequested(i, "instance-service", now));
                    }
                }
                case PUBLISH_RELEASED -> {
                    events.publish(Events.released(i, now));
                    LOG.infof("instance %s RELEASED", i.id);
                }
                default -> {
                    // a change of the instance, done above
                }
            }
        }
    }

    /** What an event brings with it: an address, a failure, the network, a spec or version asked for, the actor. */
    public record Facts(String host, Integer port, String failureCode, String message, NetworkProvisioned network, String spec,
                        String version, String requestedBy) {
        public static final Facts NONE = new Facts(null, null, null, null, null, null, null, null);

        public static Facts address(String host, int port) {
            return new Facts(host, port, null, null, null, null, null, null);
        }

        public static Facts failure(String code, String message) {
            return new Facts(null, null, code, message, null, null, null, null);
        }

        static Facts network(NetworkProvisioned n) {
            return new Facts(null, null, null, null, n, null, null, null);
        }

        static Facts spec(String spec) {
            return new Facts(null, null, null, null, null, spec, null, null);
        }

        static Facts version(String version) {
            return new Facts(null, null, null, null, null, null, version, null);
        }

        static Facts requestedBy(String actor) {
            return new Facts(null, null, null, null, null, null, null, actor);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Writes the instance and, in the same transaction, announces a status transition if there was one. */
    private void save(Instance i) {
        repository.update(i);
        announceStatus(i);
    }

    private void announceStatus(Instance i) {
        if (i.status != i.storedStatus) {
            events.publish(Events.statusChanged(i, i.storedStatus, Instant.now()));
            i.storedStatus = i.status;
        }
    }

    private Instance locked(String id) {
        return repository.lock(id).orElseThrow(() -> notFound(id));
    }

    /** The row-locked instance, when it belongs to {@code workspaceId}; 404 otherwise. */
    private Instance lockedIn(String workspaceId, String id) {
        return repository.lock(id).filter(i -> i.workspaceId.equals(workspaceId)).orElseThrow(() -> notFound(id));
    }

    private static ProblemException notFound(String id) {
        return ProblemException.notFound("Instance " + id + " does not exist.");
    }


    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000);
    }
}
