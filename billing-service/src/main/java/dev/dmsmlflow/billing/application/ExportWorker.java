package dev.dmsmlflow.billing.application;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.dmsmlflow.billing.BillingConfig;
import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.ExportLifecycle;
import dev.dmsmlflow.billing.domain.PeriodStatus;
import dev.dmsmlflow.billing.domain.PriceCatalogue;
import dev.dmsmlflow.billing.provider.ExportSink;
import dev.dmsmlflow.billing.application.export.ExportWriter;
import dev.dmsmlflow.billing.application.export.FocusColumns;
import dev.dmsmlflow.billing.application.export.Manifest;
import dev.dmsmlflow.billing.persistence.ExportEntity;
import dev.dmsmlflow.billing.persistence.ExportRepository;
import dev.dmsmlflow.billing.persistence.LineItemQueries;
import dev.dmsmlflow.billing.persistence.PeriodEntity;
import dev.dmsmlflow.billing.persistence.PeriodRepository;
import dev.dmsmlflow.contracts.billing.BillingExportCompleted;
import dev.dmsmlflow.contracts.billing.ExportFormat;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Writes requested exports, one at a time, in three steps so that no transaction is open while files are written or
 * sent: claim it (REQUESTED → RUNNING, committed), write its files from one read-only pass over its line items and put
 * them in the sink (a remote call for OSS), then record the outcome (COMPLETED with its manifest and
 * BillingExportCompleted in the outbox, in one transaction; or back to the queue / FAILED).
 */
@ApplicationScoped
public class ExportWorker {

    private static final Logger LOG = Logger.getLogger(ExportWorker.class);
    /** A RUNNING export whose worker has not finished it after this long is taken to have died with it. */
    static final Duration STALE = Duration.ofMinutes(30);

    private final ExportRepository repository;
    private final PeriodRepository periods;
    private final LineItemQueries queries;
    private final EventPublisher publisher;
    private final BillingConfig config;
    private final PriceCatalogue catalogue;
    private final ExportSinks sinks;
    private final Timer timer;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final Semaphore wakeUp = new Semaphore(0);
    private ScheduledExecutorService executor;
    private volatile boolean stopping;

    ExportWorker(ExportRepository repository, PeriodRepository periods, LineItemQueries queries, EventPublisher publisher,
                 BillingConfig config, PriceCatalogue catalogue, ExportSinks sinks, MeterRegistry registry) {
        this.repository = repository;
        this.periods = periods;
        this.queries = queries;
        this.publisher = publisher;
        this.config = config;
        this.catalogue = catalogue;
        this.sinks = sinks;
        this.timer = Timer.builder("dms.billing.export").description("Time to write and deliver one export").register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        requeueStale();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "billing-exports");
            t.setDaemon(true);
            return t;
        });
        executor.submit(this::loop);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        wakeUp.release();
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Look for requested exports now. */
    public void wake() {
        wakeUp.release();
    }

    private void loop() {
        while (!stopping) {
            try {
                // not only at start: a worker that died while this one kept running (another replica) leaves its export RUNNING
                requeueStale();
                while (!stopping && runNext()) {
                    // drain the queue
                }
                wakeUp.tryAcquire(config.export().pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | LinkageError e) {
                // an Error escaping here would end the task silently (the executor keeps it in a Future no one reads)
                LOG.warn("billing export worker: a run failed; it tries again", e);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Puts back in the queue the exports RUNNING for longer than {@link #STALE}: their worker died with them. */
    void requeueStale() {
        QuarkusTransaction.requiringNew().run(() -> {
            for (ExportEntity e : repository.runningSince(Instant.now().minus(STALE))) {
                LOG.warnf("billing export %s of %s has been RUNNING since %s; its worker is gone, it goes back to the queue", e.id,
                        e.workspaceId, e.startedAt);
                transition(e, ExportLifecycle.Trigger.ABANDON);
            }
        });
    }

    private record Claim(String id, String workspaceId, YearMonth period, List<String> formats, int attempts, String invoiceId) {
    }

    /** Runs the oldest requested export, if any; true when one ran. */
    boolean runNext() {
        Optional<Claim> claim = QuarkusTransaction.requiringNew().call(() -> repository.nextRequested().map(e -> {
            transition(e, ExportLifecycle.Trigger.START);
            e.startedAt = Instant.now();
            e.attempts++;
            YearMonth period = YearMonth.from(e.periodStart);
            PeriodEntity p = periods.findById(new PeriodEntity.Key(e.workspaceId, e.periodStart));
            String invoice = p != null && p.status == PeriodStatus.CLOSED ? "INV-" + e.workspaceId + "-" + period : null;
            return new Claim(e.id, e.workspaceId, period, Arrays.asList(e.formats.split(",")), e.attempts, invoice);
        }));
        if (claim.isEmpty()) {
            return false;
        }
        execute(claim.get());
        return true;
    }

    private void execute(Claim c) {
        Path dir = config.export().workDirectory().resolve(c.id());
        long started = System.nanoTime();
        try {
            ExportWriter writer = new ExportWriter(config.export().rowsPerFile());
            FocusColumns.Context context = new FocusColumns.Context(config.provider(), config.regionId(), config.regionName(),
                    c.workspaceId(), c.invoiceId(), queries.names(c.workspaceId(), null));
            Manifest manifest = writer.write(dir, c.id(), c.workspaceId(), c.period(), c.formats(), context, catalogue.currency(),
                    consumer -> queries.stream(c.workspaceId(), c.period(), consumer));
            String manifestJson = json.writerWithDefaultPrettyPrinter().writeValueAsString(manifest);
            Files.writeString(dir.resolve(Manifest.NAME), manifestJson);
            List<String> names = manifest.files().stream().map(Manifest.FileEntry::path).toList();
            String location = sinks.sink().put(ExportSink.prefix(c.workspaceId(), c.period().toString(), c.id()), dir, names, Manifest.NAME);
            QuarkusTransaction.requiringNew().run(() -> {
                ExportEntity e = repository.findById(c.id());
                transition(e, ExportLifecycle.Trigger.COMPLETE);
                e.completedAt = Instant.now();
                e.location = location;
                e.rowCount = manifest.rowCount();
                e.manifest = manifestJson;
                e.error = null;
                publisher.publish(new BillingExportCompleted(e.id, e.workspaceId, BillingPeriods.start(c.period()),
                        BillingPeriods.end(c.period()), ExportFormat.FOCUS, FocusColumns.VERSION, location, manifest.rowCount(),
                        e.completedAt));
            });
            timer.record(Duration.ofNanos(System.nanoTime() - started));
            LOG.infof("billing export %s of %s %s: %d rows in %d ms, %s", c.id(), c.workspaceId(), c.period(), manifest.rowCount(),
                    (System.nanoTime() - started) / 1_000_000, location);
        } catch (Exception | LinkageError ex) {
            // a missing class is an export failure too, recorded as such (never an export left RUNNING)
            LOG.warnf(ex, "billing export %s of %s %s failed on try %d", c.id(), c.workspaceId(), c.period(), c.attempts());
            String reason = ex.getClass().getSimpleName() + ": " + ex.getMessage();
            QuarkusTransaction.requiringNew().run(() -> {
                ExportEntity e = repository.findById(c.id());
                transition(e, c.attempts() < config.export().maxAttempts() ? ExportLifecycle.Trigger.FAIL_RETRYABLE
                        : ExportLifecycle.Trigger.FAIL);
                e.error = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
            });
        } finally {
            delete(dir);
        }
    }

    private static void transition(ExportEntity e, ExportLifecycle.Trigger trigger) {
        ExportLifecycle.Outcome o = ExportLifecycle.apply(e.status, trigger);
        if (o.refused()) {
            throw new IllegalStateException("export " + e.id + ": " + o.refusal());
        }
        e.status = o.next();
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            all.sort(Comparator.reverseOrder());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("could not remove the work files of %s: %s", dir, e.getMessage());
        }
    }
}
