package dev.dmsmlflow.notebook.application;

import jakarta.enterprise.context.ApplicationScoped;
import dev.dmsmlflow.platform.work.Leases;
import dev.dmsmlflow.platform.work.WorkLoop;
import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Catalogue;
import dev.dmsmlflow.notebook.domain.Effect;
import dev.dmsmlflow.notebook.domain.Image;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.domain.Spec;
import dev.dmsmlflow.notebook.domain.Storage;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.notebook.provider.runtime.RuntimeRequest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Carries out the sessions' pending actions after their transaction committed: prepares and starts runtimes, stops them,
 * hands over a changed tracking URI; then records the outcome in a new transaction. No transaction is open while a
 * runtime works (environments can take minutes). Never two actions for one session at once, also across replicas: a
 * replica works on a session only under a lease on it ({@link SessionRepository#claimWork}), renews the lease while the
 * runtime works, records the outcome only while it still holds the lease and gives it back afterwards; a replica that died
 * leaves a lease that lapses, then another one takes the session over. A crash between the commit and the outcome leaves
 * the pending action in the row, so the worker (this replica restarted, or another once the lease lapsed) does it again.
 */
@ApplicationScoped
public class SessionWorker {

    private static final Logger LOG = Logger.getLogger(SessionWorker.class);

    private final SessionRepository sessions;
    private final SessionService service;
    private final NotebookRuntime runtime;
    private final Catalogue catalogue;
    private final NotebookConfig config;
    private volatile WorkLoop work;
    /** This replica's name on the leases it takes, and the sessions it works on right now (their leases are renewed). */
    private final String replicaId;
    private final Leases.Held held;

    SessionWorker(SessionRepository sessions, SessionService service, NotebookRuntime runtime, Catalogue catalogue,
                  NotebookConfig config) {
        this.sessions = sessions;
        this.service = service;
        this.runtime = runtime;
        this.catalogue = catalogue;
        this.config = config;
        this.replicaId = config.replicaId().filter(r -> !r.isBlank()).orElseGet(() -> Leases.defaultReplicaId("8083"));
        this.held = new Leases.Held(config.worker().lease());
    }

    /** This replica's name on the sessions' leases. */
    public String replicaId() {
        return replicaId;
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        if (!config.worker().enabled()) {
            LOG.infof("the session worker is off (dms.notebook.worker.enabled=false): other replicas carry out the actions");
            return;
        }
        work = new WorkLoop("notebook-worker", "notebook-runtime", config.worker().threads(), config.worker().pollInterval(),
                Duration.ofSeconds(15), this::reconcile, this::dispatch, LOG);
        work.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (work != null) {
            work.stop();
        }
    }

    /** Look for work now (after a transaction that left a pending action committed). */
    public void wake() {
        WorkLoop w = work;
        if (w != null) {
            w.wake();
        }
    }

    /**
     * After a restart: adopt the servers of RUNNING sessions, stop strays (but not those of sessions starting or stopping,
     * which another replica may be working on); a RUNNING session without server is lost.
     */
    void reconcile() {
        List<String> runningIds = QuarkusTransaction.requiringNew().call(() ->
                sessions.withStatus(SessionStatus.RUNNING).stream().map(s -> s.id).toList());
        List<String> inProgress = QuarkusTransaction.requiringNew().call(() -> Stream.concat(
                sessions.withStatus(SessionStatus.STARTING).stream(), sessions.withStatus(SessionStatus.STOPPING).stream())
                .map(s -> s.id).toList());
        Collection<String> lost = runtime.reconcile(runningIds, inProgress);
        for (String id : lost) {
            service.runtimeLost(id, "The session's JupyterLab was no longer running when notebook-service started.");
        }
    }

    private void dispatch() {
        held.renewIfDue(ids -> sessions.renewLeases(replicaId, ids, held.lease()));
        List<String> ids = QuarkusTransaction.requiringNew().call(sessions::withWork);
        for (String id : ids) {
            work.submitFor(id, "work on session " + id, () -> execute(id));
        }
    }

    private void execute(String id) {
        // one replica works on a session: the one holding its lease (renewed while it works, taken over once it lapses)
        if (!sessions.claimWork(id, replicaId, held.lease())) {
            LOG.debugf("session %s is worked on by another replica (or has no work left)", id);
            return;
        }
        held.add(id);
        try {
            SessionService.Work w = service.work(id).orElse(null);
            if (w != null) {
                execute(w);
            }
        } finally {
            held.remove(id);
            try {
                sessions.releaseWork(id, replicaId);
            } catch (RuntimeException e) {
                LOG.warnf("could not give back the lease on session %s (it lapses by itself): %s", id, e.getMessage());
            }
        }
    }

    private void execute(SessionService.Work w) {
        String id = w.id();
        if (w.pendingAction() == Effect.PROVISION) {
            provision(w);
        } else if (w.pendingAction() == Effect.STOP_RUNTIME) {
            runtime.stop(id);
            service.runtimeStopped(id, replicaId);
        } else if (w.wiringDirty()) {
            if (w.status() == SessionStatus.RUNNING) {
                try {
                    runtime.wire(id, managed(w.trackingUri()));
                } catch (NotebookRuntime.RuntimeFailure e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            service.wired(id, replicaId, w.trackingUri());
        }
    }

    private void provision(SessionService.Work w) {
        Image image = catalogue.image(w.image()).orElseThrow(() -> new IllegalStateException("image gone: " + w.image()));
        Spec spec = Spec.parse(w.spec()).orElseThrow();
        RuntimeRequest request = new RuntimeRequest(w.id(), w.workspaceId(), image.name(), image.python(), image.libraries(),
                w.packages(), w.environment(), managed(w.trackingUri()), spec.cpus(), spec.memoryGib(), Storage.parse(w.storage()),
                w.address(), String.format(config.publicJupyterPath(), w.workspaceId(), w.id()), w.developmentMode());
        NotebookRuntime.Started started;
        try {
            started = runtime.start(request, (phase, message) -> service.progress(w.id(), replicaId, phase, message));
        } catch (NotebookRuntime.RuntimeFailure e) {
            LOG.infof("session %s could not start (%s): %s", w.id(), e.code(), e.getMessage());
            service.runtimeFailed(w.id(), replicaId, e.code(), e.getMessage());
            return;
        }
        if (!service.runtimeReady(w.id(), replicaId, started)) {
            LOG.infof("session %s no longer wants the runtime that just started (or another replica took it over)", w.id());
        }
    }

    static Map<String, String> managed(String trackingUri) {
        Map<String, String> m = new HashMap<>();
        if (trackingUri != null) {
            m.put(NotebookRuntime.TRACKING_URI, trackingUri);
        }
        return m;
    }
}
