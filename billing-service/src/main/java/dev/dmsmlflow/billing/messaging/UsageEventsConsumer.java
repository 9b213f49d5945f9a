package dev.dmsmlflow.billing.messaging;

import dev.dmsmlflow.billing.application.Ledger;
import dev.dmsmlflow.billing.domain.Usage;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.Outcome;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import dev.dmsmlflow.platform.quarkus.EventConsumers;
import dev.dmsmlflow.platform.quarkus.InboxGuard;
import dev.dmsmlflow.platform.quarkus.MessagingMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Consumes the usage readings ({@code dms.usage}, channel {@value #CHANNEL}) of instance-service and notebook-service a
 * poll at a time ({@code batch=true}). A poll of well-formed readings (the usual case) takes the ledger's fast path: the
 * headers and payloads read here (a pre-built reader, a cheap UTC instant parser), then in one transaction the platform
 * inbox's rows (keyed by CloudEvents source and id) and the ledger entries and line items of the first deliveries, then
 * the poll's offsets; the meters are counted per poll. Any other poll (a record without CloudEvents id or source, another
 * type, an undecodable or unbillable reading) and any failure of the fast transaction goes whole to the platform's
 * consumer ({@link EventConsumer#consumeBatch}), with the same inbox, which retries, handles record by record and
 * dead-letters alone what can never be billed (to {@code dms.dlq.billing-service}).
 * <p>
 * Polls are written by one writer thread of this consumer, one after the other in the order they came, while the
 * connector's worker thread decodes the next poll (at most one ahead): decoding no longer waits for the database. A crash
 * at any point leaves offsets uncommitted for every poll whose transaction had not committed and been acknowledged; the
 * redelivered readings are first deliveries or duplicates to the inbox, as before.
 */
@ApplicationScoped
public class UsageEventsConsumer {

    /** The incoming channel (its topic: {@code mp.messaging.incoming.usage-events.topic}). */
    public static final String CHANNEL = "usage-events";
    /** Consumer name in the inbox. */
    public static final String CONSUMER = "billing-service";

    private static final Logger LOG = Logger.getLogger(UsageEventsConsumer.class);

    private final EventConsumer consumer;
    private final InboxGuard inbox;
    private final Ledger ledger;
    private final MessagingMetrics metrics;
    private final Tracer tracer;
    private final UsageDecoder decoder = new UsageDecoder();
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();
    /** Writes polls one at a time, in order, while the connector's worker thread reads the next one. */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "billing-usage-writer");
        t.setDaemon(true);
        return t;
    });
    /** The last poll handed to the writer: done when its transaction is; its value, when its acknowledgement is. */
    private volatile CompletableFuture<CompletionStage<Void>> written = CompletableFuture.completedFuture(CompletableFuture.completedFuture(null));

    UsageEventsConsumer(EventConsumers consumers, InboxGuard inbox, Ledger ledger, MessagingMetrics metrics, OpenTelemetry otel) {
        this.consumer = consumers.named(CONSUMER)
                .dedupeKey(e -> inboxKey(e.source(), e.id()))
                .onBatch(UsageMetered.class, ledger::record)
                .build();
        this.inbox = inbox;
        this.ledger = ledger;
        this.metrics = metrics;
        this.tracer = otel.getTracer("dev.dmsmlflow.billing.messaging");
    }

    /**
     * Reads (decodes) a poll while the previous poll's transaction runs on the writer thread, then waits for that
     * transaction and hands this poll to the writer. So at most one poll is decoded ahead and one is being written, and
     * polls are written one after the other in the order they came (a key's readings stay in order). Returns the previous
     * poll's outcome (its acknowledgement), so a failure there reaches the connector as it did before.
     */
    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, String> batch) {
        long started = System.nanoTime();
        Poll poll = read(batch);
        CompletionStage<Void> previous = written.join();
        written = CompletableFuture.supplyAsync(() -> write(batch, poll, started), writer);
        return previous;
    }

    /** On the writer thread: a poll's transaction, then its acknowledgement (its offsets committed after the commit). */
    private CompletionStage<Void> write(KafkaRecordBatch<String, String> batch, Poll poll, long started) {
        try {
            if (poll == null) {
                return consumer.consumeBatch(batch);
            }
            if (poll.usages.isEmpty()) {
                return batch.ack();
            }
            int handled;
            Span span = tracer.spanBuilder("handle batch")
                    .setAttribute("messaging.consumer.group.name", CONSUMER)
                    .setAttribute("messaging.batch.message_count", poll.usages.size())
                    .startSpan();
            try (Scope ignored = span.makeCurrent()) {
                handled = QuarkusTransaction.requiringNew().call(() -> store(poll.usages, poll.keys));
            } catch (RuntimeException e) {
                span.recordException(e).setStatus(StatusCode.ERROR);
                LOG.warnf("%s: a poll of %d readings failed on the fast path (%s); the platform's consumer takes it", CONSUMER,
                        poll.usages.size(), e.toString());
                return consumer.consumeBatch(batch);
            } finally {
                span.end();
            }
            Meters m = meters.computeIfAbsent(poll.topic, Meters::new);
            m.handled.increment(handled);
            m.duplicates.increment(poll.usages.size() - handled);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            for (int i = 0; i < poll.usages.size(); i++) {
                m.handling.record(took);
            }
            // the poll's offsets are committed only after its transaction committed
            return batch.ack();
        } catch (RuntimeException e) {
            // not acknowledged: the connector learns it with the next poll; the records are redelivered after a restart
            LOG.errorf(e, "%s: a poll of %d records could not be handled", CONSUMER, batch.getRecords().size());
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Lets the poll being written finish (its offsets are committed after it), then stops the writer. */
    @PreDestroy
    void stop() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warnf("%s: a poll was still being written at shutdown; it will be redelivered", CONSUMER);
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The consumer of the general path, for tests that feed it contract examples. */
    public EventConsumer consumer() {
        return consumer;
    }

    /** A poll's readings in order, with their inbox keys. */
    private record Poll(String topic, List<Usage> usages, List<String> keys) {
    }

    /** The poll's readings, or null when a record of it needs the general path. */
    private Poll read(KafkaRecordBatch<String, String> batch) {
        List<KafkaRecord<String, String>> records = batch.getRecords();
        List<Usage> usages = new ArrayList<>(records.size());
        List<String> keys = new ArrayList<>(records.size());
        String topic = null;
        for (KafkaRecord<String, String> r : records) {
            Headers h = r.getHeaders();
            String id = CloudEventEnvelope.header(h, CloudEventEnvelope.ID).orElse(null);
            String source = CloudEventEnvelope.header(h, CloudEventEnvelope.SOURCE).orElse(null);
            String type = CloudEventEnvelope.header(h, CloudEventEnvelope.TYPE).orElse(null);
            if (id == null || id.isBlank() || !UsageMetered.TYPE.equals(type) || r.getPayload() == null
                    || (topic != null && !topic.equals(r.getTopic()))) {
                return null;
            }
            try {
                usages.add(Usage.of(source, id, decoder.decode(r.getPayload())));
            } catch (IllegalArgumentException | NullPointerException e) {
                return null;
            }
            keys.add(inboxKey(source, id));
            topic = r.getTopic();
        }
        return new Poll(topic, usages, keys);
    }

    /**
     * Inside the transaction: the inbox rows of a poll's readings ({@code keys}, one per reading), then the first
     * deliveries into the ledger. Returns how many were first deliveries. Package-private for the tests that leave the
     * database as a crash would.
     */
    int store(List<Usage> usages, List<String> keys) {
        Set<String> first = inbox.firstDeliveries(CONSUMER, keys);
        Set<String> taken = new HashSet<>();
        List<Usage> fresh = new ArrayList<>(first.size());
        for (int i = 0; i < usages.size(); i++) {
            String key = keys.get(i);
            if (first.contains(key) && taken.add(key)) {
                fresh.add(usages.get(i));
            }
        }
        if (!fresh.isEmpty()) {
            ledger.copyFirstDeliveries(fresh);
        }
        return fresh.size();
    }

    /** What the inbox remembers of a reading: CloudEvents identify an event by its source and id together. */
    static String inboxKey(String source, String id) {
        return source + " " + id;
    }

    /** The platform's consumer meters ({@code dms.messaging.*}, from {@link MessagingMetrics}), resolved once per topic. */
    private final class Meters {
        final Counter handled;
        final Counter duplicates;
        final Timer handling;

        Meters(String topic) {
            handled = metrics.consumedCounter(CONSUMER, topic, UsageMetered.TYPE, Outcome.HANDLED);
            duplicates = metrics.consumedCounter(CONSUMER, topic, UsageMetered.TYPE, Outcome.DUPLICATE);
            handling = metrics.handlingTimer(CONSUMER, topic, UsageMetered.TYPE);
        }
    }
}
