package dev.dmsmlflow.billing.application;

import dev.dmsmlflow.billing.BillingConfig;
import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.persistence.LineItemQueries;
import dev.dmsmlflow.billing.persistence.PeriodEntity;
import dev.dmsmlflow.billing.persistence.PeriodRepository;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Billing's clock: closes each workspace's months {@code dms.billing.periods.close-after} after they ended, and asks for
 * the scheduled exports (every workspace's current and previous period, when it changed since its last export).
 */
@ApplicationScoped
public class BillingSchedule {

    private static final Logger LOG = Logger.getLogger(BillingSchedule.class);
    static final String SYSTEM = "billing-service";

    private final BillingConfig config;
    private final PeriodRepository periods;
    private final Statements statements;
    private final Exports exports;
    private final LineItemQueries queries;
    private ScheduledExecutorService executor;

    BillingSchedule(BillingConfig config, PeriodRepository periods, Statements statements, Exports exports, LineItemQueries queries) {
        this.config = config;
        this.periods = periods;
        this.statements = statements;
        this.exports = exports;
        this.queries = queries;
    }

    void onStart(@Observes StartupEvent event) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "billing-schedule");
            t.setDaemon(true);
            return t;
        });
        if (config.periods().autoClose()) {
            long every = config.periods().checkInterval().toMillis();
            executor.scheduleWithFixedDelay(() -> guarded(() -> closeDue(Instant.now())), every, every, TimeUnit.MILLISECONDS);
        }
        long exportEvery = config.export().schedule().toMillis();
        if (exportEvery > 0) {
            executor.scheduleWithFixedDelay(() -> guarded(() -> exportDue(Instant.now())), exportEvery, exportEvery, TimeUnit.MILLISECONDS);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Closes every open period that ended more than close-after before {@code now}; returns how many. */
    public int closeDue(Instant now) {
        List<PeriodEntity> open = QuarkusTransaction.requiringNew().call(() -> periods.openBefore(BillingPeriods.firstDay(BillingPeriods.of(now))));
        int closed = 0;
        for (PeriodEntity p : open) {
            YearMonth m = YearMonth.from(p.key.periodStart());
            if (now.isBefore(BillingPeriods.end(m).plus(config.periods().closeAfter()))) {
                continue;
            }
            try {
                statements.close(p.key.workspaceId(), m, SYSTEM, now);
                closed++;
            } catch (ProblemException e) {
                LOG.debugf("period %s of %s not closed: %s", m, p.key.workspaceId(), e.getMessage());
            }
        }
        return closed;
    }

    /** Asks for the due scheduled exports of the current and previous period of every workspace; returns how many. */
    public int exportDue(Instant now) {
        int asked = 0;
        YearMonth current = BillingPeriods.of(now);
        for (YearMonth m : List.of(current.minusMonths(1), current)) {
            for (String ws : queries.workspacesBilledIn(m)) {
                if (exports.due(ws, BillingPeriods.firstDay(m), since -> queries.changedSince(ws, m, since))) {
                    exports.request(ws, m, null, Exports.SCHEDULE, SYSTEM, now);
                    asked++;
                }
            }
        }
        return asked;
    }

    private static void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("billing schedule: a run failed; the next one catches up", e);
        }
    }
}
