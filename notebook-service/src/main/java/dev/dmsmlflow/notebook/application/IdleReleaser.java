package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Releases RUNNING sessions that have been idle longer than their idle timeout, judged by the server's own account of its
 * activity (its API, kernels and terminals: Jupyter's {@code /api/status} last_activity) rather than a timer since start;
 * a busy kernel is activity. A server that no longer answers makes the session FAILED (runtime lost).
 */
@ApplicationScoped
public class IdleReleaser {

    private static final Logger LOG = Logger.getLogger(IdleReleaser.class);

    private final SessionRepository sessions;
    private final SessionService service;
    private final SessionWorker worker;
    private final NotebookRuntime runtime;
    private final Duration minute;

    IdleReleaser(SessionRepository sessions, SessionService service, SessionWorker worker, NotebookRuntime runtime,
                 NotebookConfig config) {
        this.sessions = sessions;
        this.service = service;
        this.worker = worker;
        this.runtime = runtime;
        this.minute = config.idle().minuteLength();
    }

    /** One round: every RUNNING session's activity read (outside any transaction), outcomes recorded one by one. */
    @Scheduled(every = "${dms.notebook.idle.check-interval}", delayed = "${dms.notebook.idle.check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public void check() {
        record Candidate(String id, int minutes, Instant runningSince, Instant lastKnown) {
        }
        List<Candidate> candidates = QuarkusTransaction.requiringNew().call(() -> sessions.withStatus(SessionStatus.RUNNING).stream()
                .map((SessionEntity s) -> new Candidate(s.id, s.idleReleaseMinutes, s.runningSince, s.lastActivityAt)).toList());
        Instant now = Instant.now();
        for (Candidate c : candidates) {
            try {
                NotebookRuntime.Activity a;
                try {
                    a = runtime.activity(c.id());
                } catch (NotebookRuntime.RuntimeFailure e) {
                    if (!runtime.alive(c.id())) {
                        service.runtimeLost(c.id(), "The session's JupyterLab stopped answering: " + e.getMessage());
                        worker.wake();
                    }
                    continue;
                }
                Instant last = a.lastActivity() == null ? c.runningSince() : a.lastActivity();
                if (c.runningSince() != null && last != null && last.isBefore(c.runningSince())) {
                    last = c.runningSince();
                }
                if (a.busyKernels() > 0 || last == null) {
                    last = now; // a kernel computing is activity, however long it is silent
                }
                Duration limit = minute.multipliedBy(c.minutes());
                if (Duration.between(last, now).compareTo(limit) > 0) {
                    if (service.idleTimeout(c.id(), last)) {
                        LOG.infof("session %s idle since %s: released", c.id(), last);
                        worker.wake();
                    }
                } else if (c.lastKnown() == null || last.isAfter(c.lastKnown())) {
                    service.recordActivity(c.id(), last);
                }
            } catch (RuntimeException e) {
                LOG.warnf("idle check of session %s failed: %s", c.id(), e.getMessage());
            }
        }
    }
}
