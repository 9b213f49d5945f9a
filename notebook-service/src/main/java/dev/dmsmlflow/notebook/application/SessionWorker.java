package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Catalogue;
import dev.dmsmlflow.notebook.domain.Effect;
import dev.dmsmlflow.notebook.domain.Image;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.domain.Spec;
import dev.dmsmlflow.notebook.domain.Storage;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.runtime.NotebookRuntime;
import dev.dmsmlflow.notebook.runtime.RuntimeRequest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Carries out the sessions' pending actions after their transaction committed: prepares and starts runtimes, stops them,
 * hands over a changed tracking URI; then records the outcome in a new transaction. No transaction is open while a
 * runtime works (environments can take minutes). Never two actions for one session at once; a crash between the commit and
 * the outcome leaves the pending action in the row, so the worker simply does it again after a restart.
 */
@ApplicationScoped
public class SessionWorker {

    private static final Logger LOG = Logger.getLogger(SessionWorker.class);

    private final SessionRepository sessions;
    private final SessionService service;
    private final NotebookRuntime runtime;
    private final Catalogue catalogue;
    private final NotebookConfig config;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> retryAfter = new ConcurrentHashMap<>();
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private ExecutorService pool;
    private Thread loop;

    SessionWorker(SessionRepository sessions, SessionService service, NotebookRuntime runtime, Catalogue catalogue,
                  NotebookConfig config) {
        this.sessions = sessions;
        this.service = service;
        this.runtime = runtime;
        this.catalogue = catalogue;
        this.config = config;
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        pool = Executors.newFixedThreadPool(config.worker().threads(), r -> {
            Thread t = new Thread(r, "notebook-runtime");
            t.setDaemon(true);
            return t;
        });
        running = true;
        loop = new Thread(this::run, "notebook-worker");
        loop.setDaemon(true);
        loop.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        wakeUp.release();
        if (pool != null) {
            pool.shutdownNow();
            try {
                pool.awaitTermination(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Look for work now (after a transaction that left a pending action committed). */
    public void wake() {
        wakeUp.release();
    }

    private void run() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.error("reconciling the runtimes with the sessions failed", e);
        }
        while (running) {
            try {
                dispatch();
                wakeUp.tryAcquire(config.worker().pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("notebook worker loop failed; retrying", e);
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** After a restart: adopt the servers of RUNNING sessions, stop strays; a RUNNING session without server is lost. */
    void reconcile() {
        List<String> runningIds = QuarkusTransaction.requiringNew().call(() ->
                sessions.withStatus(SessionStatus.RUNNING).stream().map(s -> s.id).toList());
        Collection<String> lost = runtime.reconcile(runningIds);
        for (String id : lost) {
            service.runtimeLost(id, "The session's JupyterLab was no longer running when notebook-service started.");
        }
    }

    private void dispatch() {
        long now = System.currentTimeMillis();
        List<String> ids = QuarkusTransaction.requiringNew().call(sessions::withWork);
        for (String id : ids) {
            Long after = retryAfter.get(id);
            if (after != null && after > now) {
                continue;
            }
            if (inFlight.add(id)) {
                pool.submit(() -> {
                    try {
                        execute(id);
                        retryAfter.remove(id);
                    } catch (RuntimeException e) {
                        LOG.warnf(e, "work on session %s failed; will retry", id);
                        retryAfter.put(id, System.currentTimeMillis() + 2000);
                    } finally {
                        inFlight.remove(id);
                        wake();
                    }
                });
            }
        }
    }

    private void execute(String id) {
        SessionService.Work w = service.work(id).orElse(null);
        if (w == null) {
            return;
        }
        if (w.pendingAction() == Effect.PROVISION) {
            provision(w);
        } else if (w.pendingAction() == Effect.STOP_RUNTIME) {
            runtime.stop(id);
            service.runtimeStopped(id);
        } else if (w.wiringDirty()) {
            if (w.status() == SessionStatus.RUNNING) {
                try {
                    runtime.wire(id, managed(w.trackingUri()));
                } catch (NotebookRuntime.RuntimeFailure e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            service.wired(id, w.trackingUri());
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
            started = runtime.start(request, (phase, message) -> service.progress(w.id(), phase, message));
        } catch (NotebookRuntime.RuntimeFailure e) {
            LOG.infof("session %s could not start (%s): %s", w.id(), e.code(), e.getMessage());
            service.runtimeFailed(w.id(), e.code(), e.getMessage());
            return;
        }
        if (!service.runtimeReady(w.id(), started)) {
            LOG.infof("session %s no longer wants the runtime that just started", w.id());
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
