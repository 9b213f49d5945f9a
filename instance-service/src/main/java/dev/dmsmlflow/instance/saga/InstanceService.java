package dev.dmsmlflow.instance.saga;

import dev.dmsmlflow.contracts.instance.InstanceFailureCode;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.instance.database.TrackingDatabases;
import dev.dmsmlflow.instance.domain.CreateInstance;
import dev.dmsmlflow.instance.domain.Events;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.instance.domain.Spec;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import dev.dmsmlflow.instance.metering.Metering;
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
 * The instance state machine. Every method is one transaction that changes the instance and writes the
 * events of that change to the outbox; long-running work (database, compute) is left as a saga step for
 * {@link SagaWorker}, which reports back through the {@code compute*} methods.
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
        boolean specNow = false;
        boolean resize = false;
        if (spec != null) {
            boolean inEffect = spec.name().equals(i.spec) && i.pendingSpec == null;
            boolean underWay = spec.name().equals(i.pendingSpec);
            if (!inEffect && !underWay) {
                if (!InstanceStatus.SPEC_EDITABLE.contains(i.status)) {
                    throw specConflict(i);
                }
                if (i.status == InstanceStatus.STOPPED) {
                    i.spec = spec.name();
                    specNow = true;
                } else {
                    resize = true;
                }
            }
        }
        if (i.status == InstanceStatus.RELEASING || i.status == InstanceStatus.RELEASED) {
            throw ProblemException.conflict("Instance " + id + " is " + i.status + " and can no longer be edited.");
        }
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
        if (resize) {
            i.status = InstanceStatus.UPDATING;
            i.sagaStep = SagaStep.RESIZE;
            i.pendingSpec = spec.name();
            i.successorPort = null;
            i.failureCode = null;
            i.failureMessage = null;
            LOG.infof("instance %s resizes from %s to %s", i.id, i.spec, i.pendingSpec);
        }
        if (changed || resize) {
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
        if (i.status == InstanceStatus.RELEASING || i.status == InstanceStatus.RELEASED) {
            return i;
        }
        require(i, InstanceStatus.RELEASABLE.contains(i.status), "released");
        Instant now = Instant.now();
        metering.meter(i, now, true);
        if (i.sagaStep != null) {
            LOG.infof("instance %s released while %s (step %s): what its saga built so far is removed", i.id, i.status, i.sagaStep);
        }
        i.status = InstanceStatus.RELEASING;
        i.sagaStep = SagaStep.RELEASE;
        i.computeReleased = false;
        i.failureCode = null;
        i.failureMessage = null;
        i.pendingSpec = null;
        i.successorPort = null;
        save(i);
        events.publish(Events.releaseRequested(i, requestedBy, now));
        return i;
    }

    @Transactional
    public Instance redeploy(String workspaceId, String id, String version) {
        Instance i = lockedIn(workspaceId, id);
        require(i, i.status == InstanceStatus.RUNNING, "redeployed");
        i.status = InstanceStatus.REDEPLOYING;
        i.sagaStep = SagaStep.REDEPLOY;
        clearFallbackReason(i);
        if (version != null) {
            i.trackingVersion = version;
        }
        save(i);
        return i;
    }

    @Transactional
    public Instance stop(String workspaceId, String id) {
        Instance i = lockedIn(workspaceId, id);
        if (i.status == InstanceStatus.STOPPING || i.status == InstanceStatus.STOPPED) {
            return i;
        }
        require(i, i.status == InstanceStatus.RUNNING, "stopped");
        metering.meter(i, Instant.now(), true);
        i.status = InstanceStatus.STOPPING;
        i.sagaStep = SagaStep.STOP;
        clearFallbackReason(i);
        save(i);
        return i;
    }

    @Transactional
    public Instance start(String workspaceId, String id) {
        Instance i = lockedIn(workspaceId, id);
        if (i.status == InstanceStatus.STARTING || i.status == InstanceStatus.RUNNING) {
            return i;
        }
        require(i, i.status == InstanceStatus.STOPPED, "started");
        i.status = InstanceStatus.STARTING;
        i.sagaStep = SagaStep.START;
        i.failureCode = null;
        i.failureMessage = null;
        save(i);
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
        if (i.status != InstanceStatus.CREATING || i.sagaStep != SagaStep.AWAIT_NETWORK) {
            // a replay, or a create released before the network existed: network-service deletes that load balancer on
            // InstanceReleaseRequested, which it handles after this instance's InstanceRequested
            LOG.infof("NetworkProvisioned for %s ignored (%s)", i,
                    i.status == InstanceStatus.RELEASING || i.status == InstanceStatus.RELEASED ? "released meanwhile" : "already handled");
            return;
        }
        i.vpcAddress = e.vpcAddress();
        i.vpcPort = e.vpcPort();
        i.loadBalancerId = e.loadBalancerId();
        i.listenerId = e.listenerId();
        i.aclId = e.aclId();
        i.backendAuthDigest = e.backendAuthDigest();
        i.sagaStep = SagaStep.DEPLOY;
        save(i);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onNetworkProvisionFailed(NetworkProvisionFailed e) {
        Optional<Instance> found = repository.lock(e.instanceId());
        if (found.isEmpty()) {
            return;
        }
        Instance i = found.get();
        if (i.status != InstanceStatus.CREATING || i.sagaStep != SagaStep.AWAIT_NETWORK) {
            LOG.infof("NetworkProvisionFailed for %s ignored", i);
            return;
        }
        i.failureCode = InstanceFailureCode.NETWORK_PROVISION_FAILED.name();
        i.failureMessage = e.code() + ": " + e.message();
        i.networkReleased = true; // network-service cleaned up what it had created
        i.sagaStep = SagaStep.FAIL_CLEANUP;
        save(i);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onBackendRegistered(BackendRegistered e) {
        Optional<Instance> found = repository.lock(e.instanceId());
        if (found.isEmpty()) {
            return;
        }
        Instance i = found.get();
        if (i.sagaStep == SagaStep.AWAIT_SUCCESSOR && e.backend() != null && e.backend().host().equals(i.backendHost)
                && i.successorPort != null && e.backend().port() == i.successorPort) {
            switchToSuccessor(i);
            return;
        }
        boolean matches = e.backend() != null && e.backend().host().equals(i.backendHost)
                && i.backendPort != null && e.backend().port() == i.backendPort;
        if (i.sagaStep != SagaStep.AWAIT_BACKEND || !matches) {
            LOG.infof("BackendRegistered for %s ignored (step %s, backend %s)", i.id, i.sagaStep, e.backend());
            return;
        }
        becomeRunning(i, Instant.now());
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onNetworkReleased(NetworkReleased e) {
        Optional<Instance> found = repository.lock(e.instanceId());
        if (found.isEmpty() || found.get().status == InstanceStatus.RELEASED) {
            return;
        }
        Instance i = found.get();
        i.networkReleased = true;
        if (i.status == InstanceStatus.RELEASING && i.computeReleased) {
            becomeReleased(i);
        }
        save(i);
    }

    // ---------------------------------------------------------------- results of saga steps

    /** The tracking server answers its health check: publish InstanceDeployed; RUNNING at once when the backend is unchanged. */
    @Transactional
    public boolean computeStarted(String id, SagaStep step, String host, int port) {
        Instance i = locked(id);
        if (i.sagaStep != step) {
            return false;
        }
        boolean sameBackend = host.equals(i.backendHost) && i.backendPort != null && i.backendPort == port;
        i.backendHost = host;
        i.backendPort = port;
        i.computeReleased = false;
        Instant now = Instant.now();
        events.publish(Events.deployed(i, now));
        if (step != SagaStep.DEPLOY && sameBackend) {
            becomeRunning(i, now); // the load balancer already forwards to this address
        } else {
            i.sagaStep = SagaStep.AWAIT_BACKEND;
            save(i);
        }
        return true;
    }

    /** Provisioning failed: record why; the worker removes what was created next. */
    @Transactional
    public void deployFailed(String id, InstanceFailureCode code, String message) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.DEPLOY) {
            return;
        }
        i.failureCode = code.name();
        i.failureMessage = truncate(message);
        i.sagaStep = SagaStep.FAIL_CLEANUP;
        save(i);
    }

    /** network-service did not answer in time: fail and clean up like any other provisioning failure. */
    @Transactional
    public boolean deployTimedOut(String id, java.time.Duration after) {
        Instance i = locked(id);
        if (i.status != InstanceStatus.CREATING || i.sagaStep != SagaStep.AWAIT_NETWORK && i.sagaStep != SagaStep.AWAIT_BACKEND) {
            return false;
        }
        boolean backend = i.sagaStep == SagaStep.AWAIT_BACKEND;
        i.failureCode = (backend ? InstanceFailureCode.BACKEND_REGISTRATION_FAILED : InstanceFailureCode.DEPLOY_TIMEOUT).name();
        i.failureMessage = (backend ? "The load balancer did not register the tracking server" : "The network was not provisioned")
                + " within " + after.toMinutes() + " minutes.";
        i.sagaStep = SagaStep.FAIL_CLEANUP;
        save(i);
        return true;
    }

    /** Compute and database of a failed instance are gone: CREATE_FAILED, and the network is asked to go too. */
    @Transactional
    public void failureCleanedUp(String id) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.FAIL_CLEANUP) {
            return;
        }
        Instant now = Instant.now();
        i.status = InstanceStatus.CREATE_FAILED;
        i.sagaStep = null;
        i.computeReleased = true;
        i.backendHost = null;
        i.backendPort = null;
        save(i);
        events.publish(Events.failed(i, now));
        if (!i.networkReleased) {
            events.publish(Events.releaseRequested(i, "instance-service", now));
        }
        LOG.infof("instance %s CREATE_FAILED: %s %s", i.id, i.failureCode, i.failureMessage);
    }

    /** Redeploy or start could not bring the tracking server up: STOPPED (data kept), with the reason. */
    @Transactional
    public void restartFailed(String id, SagaStep step, String message) {
        Instance i = locked(id);
        if (i.sagaStep != step) {
            return;
        }
        metering.meter(i, Instant.now(), true); // a redeploy that failed ends the running time
        i.status = InstanceStatus.STOPPED;
        i.sagaStep = null;
        i.failureCode = InstanceFailureCode.COMPUTE_START_FAILED.name();
        i.failureMessage = truncate(message);
        save(i);
    }

    @Transactional
    public void computeStopped(String id) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.STOP) {
            return;
        }
        i.status = InstanceStatus.STOPPED;
        i.sagaStep = null;
        save(i);
    }

    /** Compute and database of a released instance are gone; RELEASED once the network is released too. */
    @Transactional
    public void computeReleased(String id) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.RELEASE) {
            return;
        }
        i.computeReleased = true;
        if (i.networkReleased) {
            becomeReleased(i);
        } else {
            i.sagaStep = SagaStep.AWAIT_NETWORK_RELEASE;
        }
        save(i);
    }

    @Transactional
    public void releaseFailed(String id, String message) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.RELEASE) {
            return;
        }
        i.status = InstanceStatus.RELEASE_FAILED;
        i.sagaStep = null;
        i.failureCode = InstanceFailureCode.INTERNAL_ERROR.name();
        i.failureMessage = truncate(message);
        save(i);
    }

    // ---------------------------------------------------------------- resize

    /** The new tracking server of a resize answers its health check: announce it, so the load balancer switches to it. */
    @Transactional
    public boolean successorStarted(String id, String host, int port) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.RESIZE) {
            return false;
        }
        i.successorPort = port;
        i.sagaStep = SagaStep.AWAIT_SUCCESSOR;
        save(i);
        events.publish(Events.deployed(i, host, port, Instant.now()));
        return true;
    }

    /** The new tracking server of a resize did not start (nothing of it is left): RUNNING as before, with the reason. */
    @Transactional
    public void resizeFailed(String id, String message) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.RESIZE) {
            return;
        }
        i.failureCode = RESIZE_FAILED;
        i.failureMessage = truncate("The tracking server of spec " + i.pendingSpec + " did not start (" + message
                + "). The instance keeps running with spec " + i.spec + ", its data untouched.");
        i.pendingSpec = null;
        i.successorPort = null;
        becomeRunning(i, Instant.now());
        LOG.warnf("resize of %s failed; it keeps spec %s: %s", i.id, i.spec, message);
    }

    /**
     * The load balancer forwards to the new tracking server: from now on the instance runs (and is metered) at the new spec.
     * The old spec's usage ends with a final window here, the new spec's begins here; the old server is stopped next.
     */
    private void switchToSuccessor(Instance i) {
        Instant now = Instant.now();
        metering.meter(i, now, true);
        String previous = i.spec;
        i.spec = i.pendingSpec;
        i.pendingSpec = null;
        i.backendPort = i.successorPort;
        i.successorPort = null;
        i.meteredFrom = now;
        i.sagaStep = SagaStep.RETIRE_PREDECESSOR;
        save(i);
        events.publish(Events.updated(i, now, false, true));
        LOG.infof("instance %s serves with spec %s since %s (was %s); its old tracking server stops next", i.id, i.spec, now, previous);
    }

    /** The old tracking server of a resize is stopped: RUNNING at the new spec. */
    @Transactional
    public void predecessorRetired(String id) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.RETIRE_PREDECESSOR) {
            return;
        }
        becomeRunning(i, Instant.now());
    }

    /** network-service did not switch the load balancer in time: the resize is abandoned (the worker stops the new server). */
    @Transactional
    public boolean resizeTimedOut(String id, java.time.Duration after) {
        Instance i = locked(id);
        if (i.status != InstanceStatus.UPDATING || i.sagaStep != SagaStep.AWAIT_SUCCESSOR) {
            return false;
        }
        i.failureCode = RESIZE_FAILED;
        i.failureMessage = "The load balancer did not switch to the tracking server of spec " + i.pendingSpec + " within "
                + after.toMinutes() + " minutes. The instance keeps running with spec " + i.spec + ", its data untouched.";
        i.sagaStep = SagaStep.ROLLBACK_RESIZE;
        save(i);
        return true;
    }

    /**
     * The abandoned resize's tracking server is gone: RUNNING at the old spec. InstanceDeployed names the serving server
     * again, so a load balancer that switched to the abandoned one late (network-service handles the instance's events in
     * order) is pointed back.
     */
    @Transactional
    public void resizeRolledBack(String id) {
        Instance i = locked(id);
        if (i.sagaStep != SagaStep.ROLLBACK_RESIZE) {
            return;
        }
        i.pendingSpec = null;
        i.successorPort = null;
        Instant now = Instant.now();
        events.publish(Events.deployed(i, now));
        becomeRunning(i, now);
    }

    // ---------------------------------------------------------------- helpers

    /** A RUNNING instance's reason for a resize that fell back no longer applies once the next change begins. */
    private static void clearFallbackReason(Instance i) {
        i.failureCode = null;
        i.failureMessage = null;
    }

    private void becomeRunning(Instance i, Instant now) {
        i.status = InstanceStatus.RUNNING;
        i.sagaStep = null;
        if (i.meteredFrom == null) {
            i.meteredFrom = now;
        }
        save(i);
        events.publish(Events.running(i, now));
        LOG.infof("instance %s RUNNING at %s", i.id, i.trackingUri());
    }

    private void becomeReleased(Instance i) {
        i.status = InstanceStatus.RELEASED;
        i.sagaStep = null;
        i.backendHost = null;
        i.backendPort = null;
        events.publish(Events.released(i, Instant.now()));
        LOG.infof("instance %s RELEASED", i.id);
    }

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

    private static void require(Instance i, boolean allowed, String verb) {
        if (!allowed) {
            throw ProblemException.conflict("Instance " + i.id + " is " + i.status + " and cannot be " + verb + " now.");
        }
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000);
    }
}
