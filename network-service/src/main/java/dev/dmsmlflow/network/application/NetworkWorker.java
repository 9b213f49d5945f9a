package dev.dmsmlflow.network.application;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.domain.NetworkStep;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.ProviderException;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.platform.quarkus.TraceContext;
import dev.dmsmlflow.platform.work.WorkLoop;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * Does the network saga's cloud work (validation, load balancer creation, backend registration, authentication, deletion)
 * with no database transaction open: the event handlers record a pending {@link NetworkStep} with the network and commit;
 * this worker (platform's {@link WorkLoop}: woken after each handled event, and polling) executes it, never two steps of
 * one instance at once, and records the outcome with its event in a new short transaction ({@link NetworkService}). A step
 * interrupted by a crash is still pending after the restart and runs again: every provider call may be repeated (local ids
 * derive from the instance id; Alibaba Cloud creations carry a ClientToken derived from it). With several replicas only
 * the one holding {@link StepLeadership} executes steps; a standby that takes over restores the load balancers first.
 */
@ApplicationScoped
public class NetworkWorker {

    private static final Logger LOG = Logger.getLogger(NetworkWorker.class);
    private static final int BATCH = 100;

    private final NetworkRepository repository;
    private final NetworkService service;
    private final NetworkValidator validator;
    private final LoadBalancers loadBalancers;
    private final AccessTokens accessTokens;
    private final NetworkConfig.Worker config;
    private final LoadBalancerSync sync;
    private final Tracer tracer;
    private final StepLeadership leadership;
    private final Reconciler reconciler;
    private volatile WorkLoop work;

    public NetworkWorker(NetworkRepository repository, NetworkService service, NetworkValidator validator,
                         LoadBalancers loadBalancers, AccessTokens accessTokens, NetworkConfig config, LoadBalancerSync sync,
                         OpenTelemetry openTelemetry, StepLeadership leadership, Reconciler reconciler) {
        this.leadership = leadership;
        this.reconciler = reconciler;
        this.sync = sync;
        this.tracer = openTelemetry.getTracer("dev.dmsmlflow.network.worker");
        this.repository = repository;
        this.service = service;
        this.validator = validator;
        this.loadBalancers = loadBalancers;
        this.accessTokens = accessTokens;
        this.config = config.worker();
    }

    /** After the {@link Reconciler} brought the load balancers of ACTIVE networks back. */
    void onStart(@Observes @Priority(20) StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
        leadership.release();
    }

    /** Starts looking for pending steps (at startup; tests also restart it as a crash would). */
    public synchronized void start() {
        if (work != null && work.running()) {
            return;
        }
        work = new WorkLoop("network-worker", "network-step", config.threads(), config.pollInterval(), Duration.ofSeconds(20),
                () -> { }, this::dispatch, LOG);
        work.start();
    }

    /** Stops the loop and interrupts running steps; what they did not record stays pending. */
    public synchronized void stop() {
        WorkLoop w = work;
        if (w != null) {
            w.stop();
        }
    }

    /** Look for work now (after a transaction that recorded a step committed). */
    public void wake() {
        WorkLoop w = work;
        if (w != null) {
            w.wake();
        }
    }

    private void dispatch() {
        StepLeadership.State state = leadership.poll();
        if (state == StepLeadership.State.LOST) {
            loadBalancers.standDown(); // the next holder restores them on their ports
            return;
        }
        if (state == StepLeadership.State.STANDBY) {
            return; // another replica runs the steps
        }
        if (state == StepLeadership.State.TAKEN) {
            reconciler.reconcile(); // taken over from a replica that died: its load balancers come back here first
        }
        WorkLoop w = work;
        for (NetworkStep.Pending p : repository.pendingSteps(BATCH)) {
            w.submitFor(p.instanceId(), "network step " + p.step() + " of " + p.instanceId(), () -> execute(p.instanceId()));
        }
        for (String instanceId : repository.instancesWithPendingAcl(BATCH)) {
            w.submitFor(instanceId, "ACL changes of " + instanceId, () -> execute(instanceId));
        }
    }

    /**
     * Runs the instance's pending step as it stands now (it may have changed since the round listed it), then tells the
     * load balancer the ACL changes it has not confirmed (those an API call could not get through).
     */
    void execute(String instanceId) {
        executeStep(instanceId);
        if (!sync.syncAcl(instanceId) && repository.find(instanceId).filter(n -> n.status() == NetworkStatus.ACTIVE).isPresent()) {
            throw new IllegalStateException("the ACL changes of " + instanceId + " are still pending");
        }
    }

    private void executeStep(String instanceId) {
        NetworkStep.Pending p = repository.step(instanceId).orElse(null);
        Network n = repository.find(instanceId).orElse(null);
        if (p == null || n == null) {
            return;
        }
        // the step continues the trace of the request or event that recorded it
        Span span = tracer.spanBuilder("network step " + p.step()).setParent(TraceContext.fromTraceparent(p.traceparent()))
                .setAttribute("dms.instance.id", instanceId).setAttribute("dms.network.step", p.step().name()).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            executeStep(n, p);
        } catch (RuntimeException e) {
            span.recordException(e).setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private void executeStep(Network n, NetworkStep.Pending p) {
        String instanceId = n.instanceId();
        switch (p.step()) {
            case PROVISION -> provision(n, p.seq());
            case REGISTER_BACKEND -> registerBackend(n, p);
            case APPLY_AUTH -> {
                if (n.status() == NetworkStatus.ACTIVE) {
                    accessTokens.apply(n);
                }
                record(n, () -> service.stepDone(instanceId, NetworkStep.APPLY_AUTH, p.seq()));
            }
            case RELEASE -> release(n);
        }
    }

    private void provision(Network n, long seq) {
        if (n.status() != NetworkStatus.PROVISIONING) {
            record(n, () -> service.stepDone(n.instanceId(), NetworkStep.PROVISION, seq));
            return;
        }
        NetworkValidator.Result r = validator.validate(n.vpcId(), n.vSwitchId(), n.secondaryVSwitchId(), n.securityGroupId());
        notInterrupted(n);
        if (!r.ok()) {
            record(n, () -> service.provisionFailed(n.instanceId(), seq, r.failure().code(), r.failure().field() + ": " + r.failure().message()));
            return;
        }
        LoadBalancers.Handle h;
        try {
            h = loadBalancers.create(new LoadBalancers.Spec(n.instanceId(), n.instanceId(), r.vpc(), r.primary(), r.secondary(),
                    r.securityGroup()));
        } catch (ProviderException pe) {
            notInterrupted(n);
            record(n, () -> service.provisionFailed(n.instanceId(), seq, pe.code(), pe.getMessage()));
            return;
        } catch (RuntimeException re) {
            notInterrupted(n);
            LOG.errorf(re, "creating the load balancer of %s failed", n.instanceId());
            try {
                loadBalancers.delete(n);
            } catch (Exception cleanup) {
                LOG.warnf("cleanup after failed creation of %s: %s", n.instanceId(), cleanup.toString());
            }
            record(n, () -> service.provisionFailed(n.instanceId(), seq, NetworkFailureCode.PROVIDER_ERROR,
                    "load balancer creation failed: " + re.getMessage()));
            return;
        }
        Network active = new Network(n.instanceId(), n.workspaceId(), n.vpcId(), n.vSwitchId(), n.secondaryVSwitchId(),
                h.zoneIds(), n.securityGroupId(), h.loadBalancerId(), h.listenerId(), h.aclId(), h.serverGroupId(),
                h.vpcAddress(), h.vpcPort(), null, null, NetworkStatus.ACTIVE, null, null, n.createdAt(), Instant.now(), n.version());
        String digest = null;
        if (loadBalancers.addsBackendSecret()) {
            BackendSecrets.Secret secret = service.backendSecret(n.instanceId());
            try {
                loadBalancers.backendSecret(active, secret.value());
            } catch (ProviderException pe) {
                throw new IllegalStateException("the load balancer of " + n.instanceId() + " did not take its backend secret", pe);
            }
            digest = secret.digest();
        }
        accessTokens.apply(active);
        String backendDigest = digest;
        record(n, () -> service.provisioned(seq, active, backendDigest));
    }

    /**
     * A step interrupted because the service stops records nothing (not a failure: it is still pending and runs again
     * after the restart, like after a crash).
     */
    private static void notInterrupted(Network n) {
        if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("the step of " + n.instanceId() + " was interrupted; it stays pending");
        }
    }

    private void registerBackend(Network n, NetworkStep.Pending p) {
        if (n.status() != NetworkStatus.ACTIVE) {
            record(n, () -> service.stepDone(n.instanceId(), NetworkStep.REGISTER_BACKEND, p.seq()));
            return;
        }
        // with the reconciliation's restore of this instance: it never puts back the backend this replaces
        synchronized (sync.lockOf(n.instanceId())) {
            String serverGroupId;
            try {
                serverGroupId = loadBalancers.registerBackend(n, p.backendHost(), p.backendPort());
            } catch (ProviderException pe) {
                throw new IllegalStateException("registering the backend of " + n.instanceId() + " failed: " + pe.getMessage(), pe);
            }
            accessTokens.apply(n);
            record(n, () -> service.backendRegistered(n.instanceId(), p.seq(), new Backend(p.backendHost(), p.backendPort()), serverGroupId));
        }
    }

    private void release(Network n) {
        // with the reconciliation's restore of this instance: it never makes again what this deletes
        synchronized (sync.lockOf(n.instanceId())) {
            try {
                loadBalancers.delete(n);
            } catch (ProviderException pe) {
                throw new IllegalStateException("deleting the load balancer of " + n.instanceId() + " failed: " + pe.getMessage(), pe);
            }
            record(n, () -> service.released(n.instanceId()));
        }
    }

    /** Tries of recording a step's outcome that lost a race with another writer of the network (the consumer, the API). */
    private static final int RECORD_TRIES = 5;

    /**
     * Records a step's outcome (a transaction of its own that reads the network afresh). One that lost a race with another
     * writer of the row is recorded again on what that writer left, rather than redoing the remote work; after
     * {@link #RECORD_TRIES} the step stays pending and runs again.
     */
    private static void record(Network n, Runnable outcome) {
        ConcurrentChangeException.retrying(RECORD_TRIES, NetworkRepository.KIND, n.instanceId(), () -> {
            outcome.run();
            return null;
        });
    }
}
