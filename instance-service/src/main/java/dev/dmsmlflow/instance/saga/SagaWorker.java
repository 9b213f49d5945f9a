package dev.dmsmlflow.instance.saga;

import jakarta.enterprise.context.ApplicationScoped;
import dev.dmsmlflow.compute.Compute;
import dev.dmsmlflow.compute.ComputeAddress;
import dev.dmsmlflow.compute.ComputeException;
import dev.dmsmlflow.compute.ComputeRequest;
import dev.dmsmlflow.contracts.instance.InstanceFailureCode;
import dev.dmsmlflow.platform.work.WorkLoop;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.instance.database.TrackingDatabases;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.instance.domain.Spec;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Executes the local saga steps (database, compute) of every instance that has one, a few in parallel and
 * never two for the same instance. The steps are persisted with the instance, so after a restart the worker
 * simply finds them again; on startup it also reconciles compute with the instances' statuses.
 */
@ApplicationScoped
public class SagaWorker {

    private static final Logger LOG = Logger.getLogger(SagaWorker.class);

    private final InstanceRepository repository;
    private final InstanceService service;
    private final TrackingDatabases databases;
    private final Compute compute;
    private final InstanceConfig config;
    private long nextWatch;
    private volatile WorkLoop work;
    /** RUNNING instances whose tracking server failed its last liveness probes: how many in a row. */
    private final Map<String, Integer> unresponsive = new ConcurrentHashMap<>();

    SagaWorker(InstanceRepository repository, InstanceService service, TrackingDatabases databases, Compute compute,
               InstanceConfig config) {
        this.repository = repository;
        this.service = service;
        this.databases = databases;
        this.compute = compute;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        work = new WorkLoop("saga-worker", "saga-step", config.saga().workers(), config.saga().pollInterval(),
                Duration.ofSeconds(20), this::reconcile, this::dispatch, LOG);
        work.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (work != null) {
            work.stop();
        }
    }

    /** Look for work now (called after a transaction that set a saga step committed). */
    public void wake() {
        WorkLoop w = work;
        if (w != null) {
            w.wake();
        }
    }

    /**
     * Adopt or restart the tracking servers that should run; stop those of instances that should have none. A server whose
     * database role has no sealed random password yet (made when passwords were derived from a shared secret) is re-keyed
     * first and restarted on its port, so the old password stops working at the next start of the service.
     */
    public void reconcile() {
        List<ComputeRequest> wanted = new ArrayList<>();
        List<String> inProgress = new ArrayList<>();
        for (Instance i : repository.notReleased()) {
            if (i.sagaStep != null && i.sagaStep.isLocal()) {
                inProgress.add(i.id); // its step starts or stops the process itself
            } else if (i.sagaStep == SagaStep.AWAIT_SUCCESSOR) {
                inProgress.add(i.id); // two servers on purpose (a resize): the next step keeps one of them
            } else if (i.sagaStep == SagaStep.AWAIT_BACKEND
                    || i.sagaStep == null && InstanceStatus.COMPUTE_EXPECTED.contains(i.status)) {
                try {
                    if (databases.needsNewPassword(i.trackingDatabase) && databases.exists(i.trackingDatabase)) {
                        databases.create(i.trackingDatabase); // a new random password, sealed, set on the role
                        compute.stop(i.id); // its server logged in with the old one: restarted below with the new one
                        LOG.infof("tracking database of %s re-keyed with a random password; its tracking server restarts", i.id);
                    }
                    wanted.add(request(i));
                } catch (SQLException | RuntimeException e) {
                    LOG.errorf("cannot prepare the tracking server of %s: %s", i.id, e.getMessage());
                }
            }
        }
        compute.reconcile(wanted, inProgress);
    }

    private void dispatch() {
        long now = System.currentTimeMillis();
        Duration timeout = config.saga().deployTimeout();
        for (Instance i : repository.creatingAndWaitingSince(Instant.now().minus(timeout))) {
            if (service.deployTimedOut(i.id, timeout)) {
                LOG.warnf("instance %s timed out waiting for network-service (%s)", i.id, i.sagaStep);
            }
        }
        for (Instance i : repository.resizingAndWaitingSince(Instant.now().minus(timeout))) {
            if (service.resizeTimedOut(i.id, timeout)) {
                LOG.warnf("resize of %s abandoned: the load balancer did not switch to the new tracking server", i.id);
            }
        }
        if (now >= nextWatch) {
            nextWatch = now + config.saga().watchInterval().toMillis();
            watchRunning();
        }
        for (Instance i : repository.withLocalSagaWork()) {
            work.submitFor(i.id, "saga step " + i.sagaStep + " of " + i.id, () -> execute(i));
        }
    }

    /**
     * Restarts the dead tracking server of a RUNNING instance, and replaces one that failed
     * {@code dms.saga.liveness-failures} liveness probes in a row (one per watch: hung, stopped, deadlocked); holds the
     * instance like a step so that none runs meanwhile.
     */
    private void watchRunning() {
        List<Instance> running = repository.withStatus(InstanceStatus.RUNNING);
        unresponsive.keySet().retainAll(running.stream().map(r -> r.id).toList());
        for (Instance candidate : running) {
            if (candidate.sagaStep != null) {
                continue;
            }
            work.submitExclusive(candidate.id, () -> {
                try {
                    Instance i = repository.find(candidate.id).orElse(null);
                    if (i == null || i.status != InstanceStatus.RUNNING || i.sagaStep != null) {
                        unresponsive.remove(candidate.id);
                        return;
                    }
                    ComputeAddress a;
                    if (!compute.isRunning(i.id)) {
                        LOG.warnf("tracking server of RUNNING instance %s is gone; restarting it", i.id);
                        unresponsive.remove(i.id);
                        a = compute.start(request(i));
                    } else if (compute.isLive(i.id)) {
                        Integer failed = unresponsive.remove(i.id);
                        if (failed != null) {
                            LOG.infof("tracking server of %s answers its liveness probe again after %d failure(s)", i.id, failed);
                        }
                        return;
                    } else {
                        int failed = unresponsive.merge(i.id, 1, Integer::sum);
                        int limit = config.saga().livenessFailures();
                        if (failed < limit) {
                            LOG.warnf("tracking server of %s failed its liveness probe (%d of %d before it is replaced)", i.id, failed, limit);
                            return;
                        }
                        LOG.errorf("tracking server of %s failed %d liveness probes in a row; replacing it", i.id, failed);
                        unresponsive.remove(i.id);
                        a = compute.replace(request(i));
                    }
                    if (i.backendPort == null || a.port() != i.backendPort) {
                        LOG.errorf("tracking server of %s restarted on port %d instead of %s", i.id, a.port(), i.backendPort);
                    }
                } catch (ComputeException | SQLException | RuntimeException e) {
                    LOG.errorf("could not restart tracking server of %s: %s", candidate.id, e.getMessage());
                }
            });
        }
    }

    private void execute(Instance listed) {
        // the list was read before this ran: a release (or any change) committed since replaces the step, do not run a stale one
        Instance i = repository.find(listed.id).orElse(null);
        if (i == null || i.sagaStep != listed.sagaStep) {
            LOG.debugf("step %s of %s was replaced before it ran", listed.sagaStep, listed.id);
            return;
        }
        switch (i.sagaStep) {
            case DEPLOY -> deploy(i);
            case RESIZE -> resize(i);
            case RETIRE_PREDECESSOR -> {
                compute.retireAllBut(i.id, i.backendPort);
                service.predecessorRetired(i.id);
            }
            case ROLLBACK_RESIZE -> {
                compute.retireAllBut(i.id, i.backendPort);
                service.resizeRolledBack(i.id);
            }
            case REDEPLOY -> {
                compute.stop(i.id);
                restart(i, SagaStep.REDEPLOY);
            }
            case START -> restart(i, SagaStep.START);
            case STOP -> {
                compute.stop(i.id);
                service.computeStopped(i.id);
            }
            case FAIL_CLEANUP -> {
                removeComputeAndDatabase(i);
                service.failureCleanedUp(i.id);
            }
            case RELEASE -> {
                try {
                    compute.stop(i.id);
                    databases.drop(i.trackingDatabase);
                } catch (SQLException e) {
                    LOG.errorf("release of %s failed: %s", i.id, e.getMessage());
                    service.releaseFailed(i.id, "Dropping the tracking database failed: " + e.getMessage());
                    return;
                }
                service.computeReleased(i.id);
            }
            default -> LOG.warnf("no local work for step %s of %s", i.sagaStep, i.id);
        }
    }

    private void deploy(Instance i) {
        try {
            databases.create(i.trackingDatabase);
        } catch (SQLException e) {
            service.deployFailed(i.id, InstanceFailureCode.DATABASE_PROVISION_FAILED, "Creating the tracking database failed: " + e.getMessage());
            return;
        }
        if (!stillAt(i.id, SagaStep.DEPLOY)) {
            LOG.infof("instance %s was released while its database was made; no tracking server is started", i.id);
            return; // the release step (next) drops the database again
        }
        ComputeRequest request;
        try {
            request = request(i);
        } catch (SQLException e) {
            service.deployFailed(i.id, InstanceFailureCode.DATABASE_PROVISION_FAILED, "Reading the tracking database's credential failed: " + e.getMessage());
            return;
        }
        try {
            ComputeAddress a = startAttempts(request);
            if (!service.computeStarted(i.id, SagaStep.DEPLOY, a.host(), a.port())) {
                LOG.infof("instance %s changed while deploying; its step decides", i.id);
            }
        } catch (ComputeException e) {
            service.deployFailed(i.id, InstanceFailureCode.COMPUTE_START_FAILED, "The tracking server did not start: " + e.getMessage());
        }
    }

    /**
     * A resize's first half: a tracking server of the pending spec on the same database, on another port, beside the serving
     * one (which keeps serving until the load balancer switches). If it cannot start, nothing of it is left and the
     * instance keeps running as it was.
     */
    private void resize(Instance i) {
        if (i.backendPort == null) {
            service.resizeFailed(i.id, "the serving tracking server's port is unknown");
            return;
        }
        ComputeAddress a;
        try {
            a = compute.startSuccessor(request(i, i.pendingSpec), i.backendPort);
        } catch (ComputeException | SQLException e) {
            service.resizeFailed(i.id, e.getMessage());
            return;
        }
        if (!service.successorStarted(i.id, a.host(), a.port())) {
            LOG.infof("instance %s changed while its new tracking server started; its step decides", i.id);
        }
    }

    /** Whether the instance's pending step is still {@code step} (a release may have replaced it meanwhile). */
    private boolean stillAt(String id, SagaStep step) {
        return repository.find(id).map(f -> f.sagaStep == step).orElse(false);
    }

    private void restart(Instance i, SagaStep step) {
        try {
            databases.create(i.trackingDatabase); // exists already; recreates nothing
            ComputeAddress a = startAttempts(request(i).withPreferredPort(i.backendPort));
            service.computeStarted(i.id, step, a.host(), a.port());
        } catch (ComputeException | SQLException e) {
            service.restartFailed(i.id, step, "The tracking server did not start: " + e.getMessage());
        }
    }

    /**
     * Starts the tracking server, trying again when the process died or did not become healthy: a server killed while
     * it starts (OOM, a node failing, an operator's mistake) must not fail the saga. After
     * {@code dms.saga.compute-start-attempts} failures the last one is the step's failure (a broken jar fails every time).
     */
    private ComputeAddress startAttempts(ComputeRequest request) throws ComputeException {
        int attempts = Math.max(1, config.saga().computeStartAttempts());
        for (int attempt = 1; ; attempt++) {
            try {
                return compute.start(request);
            } catch (ComputeException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                LOG.warnf("tracking server of %s did not start (attempt %d of %d): %s; trying again", request.instanceId(),
                        attempt, attempts, e.getMessage());
            }
        }
    }

    private void removeComputeAndDatabase(Instance i) {
        compute.stop(i.id);
        try {
            databases.drop(i.trackingDatabase);
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop " + i.trackingDatabase + ": " + e.getMessage(), e);
        }
    }

    private ComputeRequest request(Instance i) throws SQLException {
        return request(i, i.spec);
    }

    /** What a tracking server of the instance needs, sized by {@code specName}. */
    private ComputeRequest request(Instance i, String specName) throws SQLException {
        Spec spec = Spec.find(specName).orElse(new Spec(specName, 1, 2, null));
        String db = i.trackingDatabase;
        return new ComputeRequest(i.id, spec.name(), spec.cpuCores(), spec.memoryGiB(), databases.jdbcUrl(db), databases.user(db),
                databases.password(db), i.ossBucket, i.ossPath, i.backendPort, i.trackingVersion, i.backendAuthDigest,
                i.vSwitchId, i.secondaryVSwitchId, i.securityGroupId);
    }
}
