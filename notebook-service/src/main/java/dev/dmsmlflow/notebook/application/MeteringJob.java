package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;

/**
 * Publishes the ended hour windows of every RUNNING session. Safe to run twice or on several replicas: each session is
 * metered under its row lock from its persisted {@code metered_from}, and each reading's id is deterministic and guarded.
 */
@ApplicationScoped
public class MeteringJob {

    private static final Logger LOG = Logger.getLogger(MeteringJob.class);

    private final SessionRepository sessions;
    private final SessionService service;
    private final boolean enabled;

    MeteringJob(SessionRepository sessions, SessionService service, NotebookConfig config) {
        this.sessions = sessions;
        this.service = service;
        this.enabled = config.metering().enabled();
    }

    @Scheduled(every = "${dms.notebook.metering.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (enabled) {
            meterUntil(Instant.now());
        }
    }

    /** Publishes every ended window of every RUNNING session up to {@code now}; answers how many readings. */
    public int meterUntil(Instant now) {
        List<String> ids = QuarkusTransaction.requiringNew().call(() ->
                sessions.withStatus(SessionStatus.RUNNING).stream().map(s -> s.id).toList());
        int n = 0;
        for (String id : ids) {
            try {
                n += service.meter(id, now);
            } catch (RuntimeException e) {
                LOG.warnf("metering session %s failed; the next run catches up: %s", id, e.getMessage());
            }
        }
        return n;
    }
}
