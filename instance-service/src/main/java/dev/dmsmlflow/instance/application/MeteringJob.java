package dev.dmsmlflow.instance.application;

import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Periodically emits the ended hour windows of every Running instance. Safe to run twice or on several
 * replicas: each instance is metered under its row lock from its persisted {@code metered_from}, and a
 * window's reading has a deterministic id guarded by a unique row.
 */
@ApplicationScoped
public class MeteringJob {

    private static final Logger LOG = Logger.getLogger(MeteringJob.class);

    private final InstanceRepository repository;
    private final Metering metering;
    private final InstanceConfig config;
    private ScheduledExecutorService scheduler;

    MeteringJob(InstanceRepository repository, Metering metering, InstanceConfig config) {
        this.repository = repository;
        this.metering = metering;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.metering().enabled()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metering");
            t.setDaemon(true);
            return t;
        });
        long every = config.metering().interval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                meterUntil(Instant.now());
            } catch (RuntimeException e) {
                LOG.warn("metering run failed; the next run catches up", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /**
     * Emits every hour window that ended by {@code now} of every instance that is metered: RUNNING, and UPDATING (a resize
     * in progress still serves, at the old spec until the switch); returns how many readings were emitted.
     */
    public int meterUntil(Instant now) {
        int emitted = 0;
        for (Instance candidate : repository.withStatus(InstanceStatus.RUNNING, InstanceStatus.UPDATING)) {
            emitted += QuarkusTransaction.requiringNew().call(() -> {
                Instance i = repository.lock(candidate.id).orElse(null);
                if (i == null || i.status != InstanceStatus.RUNNING && i.status != InstanceStatus.UPDATING || i.meteredFrom == null) {
                    return 0;
                }
                int n = metering.meter(i, now, false).size();
                if (n > 0) {
                    repository.update(i);
                }
                return n;
            });
        }
        return emitted;
    }
}
