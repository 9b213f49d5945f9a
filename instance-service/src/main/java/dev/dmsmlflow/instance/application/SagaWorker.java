package dev.dmsmlflow.instance.application;

import jakarta.enterprise.context.ApplicationScoped;
import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.contracts.instance.InstanceFailureCode;
import dev.dmsmlflow.platform.quarkus.TraceContext;
import dev.dmsmlflow.platform.work.Leases;
import dev.dmsmlflow.platform.work.WorkLoop;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.instance.provider.database.TrackingDatabases;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceLifecycle;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Event;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Plan;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Work;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.application.InstanceService.Facts;
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
    private final Tracer tracer;
    private long nextWatch;
    private volatile WorkLoop work;
    /** RUNNING instances whose tracking server failed its last liveness probes: how many in a row. */
    private final Map<String, Integer> unresponsive = new ConcurrentHashMap<>();
    /** This replica's name on the steps it executes, the steps it executes right now, and when it renews their leases next. */
    private final String replicaId;
    private final Leases.Held executing;

    SagaWorker(InstanceRepository repository, InstanceService service, TrackingDatabases databases, Compute compute,
               InstanceConfig config, OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("dev.dmsmlflow.instance.saga");
        this.repository = repository;
        this.service = service;
        this.databases = databases;
        this.compute = compute;
        this.config = config;
        // the host name and HTTP port: stable across a restart in place, distinct between replicas
        this.replicaId = config.saga().replicaId().filter(r -> !r.isBlank()).orElseGet(() -> Leases.defaultReplicaId("8081"));
        this.executing = new Leases.Held(config.saga().stepLease());
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
        // the picture below is as of now: a server another replica starts after this moment is not an orphan of it
        Instant asOf = Instant.now();
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
        compute.reconcile(wanted, inProgress, asOf);
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
        executing.renewIfDue(ids -> repository.renewLeases(replicaId, ids, executing.lease()));
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

    /**
     * Executes the work of the instance's step ({@link InstanceLifecycle#plan}) outside any transaction, and feeds what came
     * of it back to {@link InstanceService#advance} as the plan's event: done, or failed with the reason. The lifecycle
     * decides what that event changes; a step replaced meanwhile (a release) makes the outcome ignored there.
     */
    private void execute(Instance listed) {
        // the list was read before this ran: a release (or any change) committed since replaces the step, do not run a stale one
        Instance i = repository.find(listed.id).orElse(null);
        if (i == null || i.sagaStep != listed.sagaStep) {
            LOG.debugf("step %s of %s was replaced before it ran", listed.sagaStep, listed.id);
            return;
        }
        // one replica executes a step: the one holding its lease (renewed while it runs, taken over once it lapses)
        if (!repository.claimStep(i.id, i.sagaStep, replicaId, config.saga().stepLease())) {
            LOG.debugf("step %s of %s is executed by another replica", i.sagaStep, i.id);
            return;
        }
        executing.add(i.id);
        // the step continues the trace of the request or event that set it
        Span span = tracer.spanBuilder("saga step " + i.sagaStep).setParent(TraceContext.fromTraceparent(i.sagaTraceparent))
                .setAttribute("dms.instance.id", i.id).setAttribute("dms.saga.step", i.sagaStep.name())
                .setAttribute("dms.replica", replicaId).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            execute(i, i.sagaStep);
        } catch (RuntimeException e) {
            span.recordException(e).setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
            executing.remove(i.id);
            try {
                repository.releaseStep(i.id, replicaId);
            } catch (RuntimeException e) {
                LOG.warnf("could not give back the lease on %s's step (it lapses by itself): %s", i.id, e.getMessage());
            }
        }
    }

    private void execute(Instance i, SagaStep step) {
        Plan plan = InstanceLifecycle.plan(step).orElse(null);
        if (plan == null) {
            LOG.warnf("no local work for step %s of %s", step, i.id);
            return;
        }
        ComputeAddress started = null;
        for (Work work : plan.work()) {
            try {
                switch (work) {
                    case CREATE_DATABASE -> {
                        databases.create(i.trackingDatabase); // recreates nothing that exists
                        if (!stillAt(i.id, step)) {
                            LOG.infof("instance %s was released while its database was made; no tracking server is started", i.id);
                            return; // the release step (next) drops the database again
                        }
                    }
                    case START_COMPUTE -> {
                        ComputeRequest request = request(i);
                        started = startAttempts(step == SagaStep.DEPLOY ? request : request.withPreferredPort(i.backendPort));
                    }
                    case START_SUCCESSOR -> {
                        if (i.backendPort == null) {
                            throw new ComputeException("the serving tracking server's port is unknown");
                        }
                        started = compute.startSuccessor(request(i, i.pendingSpec), i.backendPort);
                    }
                    case STOP_COMPUTE -> compute.stop(i.id);
                    case RETIRE_OTHER_SERVERS -> compute.retireAllBut(i.id, i.backendPort);
                    case DROP_DATABASE -> databases.drop(i.trackingDatabase);
                }
            } catch (ComputeException | SQLException e) {
                if (plan.failed() == null) {
                    throw new IllegalStateException(work + " of " + i.id + " failed: " + e.getMessage(), e);
                }
                LOG.warnf("step %s of %s failed at %s: %s", step, i.id, work, e.getMessage());
                service.advance(i.id, step, plan.failed(), failure(i, plan.failed(), work, e));
                return;
            }
        }
        Facts facts = started == null ? Facts.NONE : Facts.address(started.host(), started.port());
        if (!service.advance(i.id, step, plan.done(), facts)) {
            LOG.infof("instance %s changed while its step %s ran; its step decides", i.id, step);
        }
    }

    /** Why a step failed, as the instance's statusReason. */
    private static Facts failure(Instance i, Event failed, Work work, Exception e) {
        String cause = e.getMessage();
        return switch (failed) {
            case DEPLOY_FAILED -> switch (work) {
                case CREATE_DATABASE -> Facts.failure(InstanceFailureCode.DATABASE_PROVISION_FAILED.name(),
                        "Creating the tracking database failed: " + cause);
                default -> e instanceof SQLException
                        ? Facts.failure(InstanceFailureCode.DATABASE_PROVISION_FAILED.name(),
                        "Reading the tracking database's credential failed: " + cause)
                        : Facts.failure(InstanceFailureCode.COMPUTE_START_FAILED.name(), "The tracking server did not start: " + cause);
            };
            case RESTART_FAILED -> Facts.failure(InstanceFailureCode.COMPUTE_START_FAILED.name(),
                    "The tracking server did not start: " + cause);
            case RESIZE_FAILED -> Facts.failure(InstanceService.RESIZE_FAILED, "The tracking server of spec " + i.pendingSpec
                    + " did not start (" + cause + "). The instance keeps running with spec " + i.spec + ", its data untouched.");
            case RELEASE_FAILED -> Facts.failure(InstanceFailureCode.INTERNAL_ERROR.name(),
                    "Dropping the tracking database failed: " + cause);
            default -> Facts.failure(InstanceFailureCode.INTERNAL_ERROR.name(), work + " failed: " + cause);
        };
    }

    /** Whether the instance's pending step is still {@code step} (a release may have replaced it meanwhile). */
    private boolean stillAt(String id, SagaStep step) {
        return repository.find(id).map(f -> f.sagaStep == step).orElse(false);
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
