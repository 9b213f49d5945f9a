package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCatalogue;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.DeadLetterException;
import dev.dmsmlflow.platform.messaging.Outcome;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The one consumer shape of every service, driven by a SmallRye {@code @Incoming @Blocking} method that hands it each
 * Kafka record ({@link #consume(Message)}). For a record it:
 * <ol>
 *   <li>dead-letters what can never be handled (no CloudEvents id/type, a type no contract knows, a payload that does
 *       not decode) at once;</li>
 *   <li>ignores, counted and logged, a contract type this consumer has no handler for;</li>
 *   <li>otherwise runs, in one new transaction, the inbox insert ({@code ON CONFLICT DO NOTHING}) and the handler, so a
 *       redelivery is a duplicate; the record is acknowledged (its offset committed) only after that commit;</li>
 *   <li>retries a failed transaction in place with exponential backoff (its partition waits: the aggregate's order holds),
 *       and dead-letters the record after {@code dms.messaging.retry.max-attempts} tries made while the database answered
 *       (while it does not, the failure is the database's and the record waits).</li>
 * </ol>
 * A dead letter is written by the connector's {@code dead-letter-queue} failure strategy to {@code dms.dlq.<service>} with the
 * original key, value and headers, the original coordinates and the reason ({@link DeadLetters}); then the record is
 * acknowledged, so it never blocks its partition.
 * <p>
 * A consumer that must keep up with a high rate (billing's usage readings) also takes whole polls from a SmallRye
 * {@code @Incoming} method with {@code batch=true} ({@link #consumeBatch(KafkaRecordBatch)}): one transaction holds the
 * inbox rows and the handling of every first delivery of the poll, retried in place like a single record's; when it keeps
 * failing, or a handler calls one event of it poison, the poll is handled record by record as above, so one poison event
 * is dead-lettered alone.
 */
public final class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    /** Handles one decoded event inside the consumer's transaction. */
    @FunctionalInterface
    public interface Handler<T extends Event> {
        void handle(T event) throws Exception;
    }

    /** Handles, inside the consumer's transaction, the first deliveries of one poll's events of one type, in order. */
    @FunctionalInterface
    public interface BatchHandler<T extends Event> {
        void handle(List<Delivery<T>> deliveries) throws Exception;
    }

    /** One event with its CloudEvents envelope (source, id, time...). */
    public record Delivery<T extends Event>(CloudEventEnvelope envelope, T event) {
    }

    /** Declares the consumer's handlers. */
    public static final class Builder {
        private final EventConsumers shared;
        private final String name;
        private final Map<String, Route<?>> routes = new LinkedHashMap<>();
        private Duration transactionTimeout = Duration.ZERO;
        private Runnable afterHandled = () -> { };
        private Function<CloudEventEnvelope, String> dedupeKey = CloudEventEnvelope::id;

        Builder(EventConsumers shared, String name) {
            this.shared = shared;
            this.name = name;
        }

        /** Handles events of {@code type} (a contract record) with {@code handler}. */
        public <T extends Event> Builder on(Class<T> type, Handler<T> handler) {
            String wire = EventCatalogue.forClass(type).type();
            routes.put(wire, new Route<>(type, (envelope, event) -> handler.handle(event), null));
            return this;
        }

        /**
         * Handles events of {@code type} a poll at a time ({@link #consumeBatch}); a record handled alone (the single-record
         * path, or the fallback of a failing poll) comes as a list of one.
         */
        public <T extends Event> Builder onBatch(Class<T> type, BatchHandler<T> handler) {
            String wire = EventCatalogue.forClass(type).type();
            routes.put(wire, new Route<>(type, (envelope, event) -> handler.handle(List.of(new Delivery<>(envelope, event))), handler));
            return this;
        }

        /**
         * What the inbox remembers of an event (default: its CloudEvents id). Billing keys by source and id, as CloudEvents
         * defines an event's identity: {@code e -> e.source() + " " + e.id()}.
         */
        public Builder dedupeKey(Function<CloudEventEnvelope, String> key) {
            this.dedupeKey = key;
            return this;
        }

        /** A transaction timeout for handlers that take long (zero: the service's default). */
        public Builder transactionTimeout(Duration timeout) {
            this.transactionTimeout = timeout;
            return this;
        }

        /** Runs after each newly handled event's transaction committed (e.g. to wake a worker). */
        public Builder afterHandled(Runnable action) {
            this.afterHandled = action;
            return this;
        }

        public EventConsumer build() {
            return new EventConsumer(this);
        }
    }

    @FunctionalInterface
    private interface EnvelopeHandler<T extends Event> {
        void handle(CloudEventEnvelope envelope, T event) throws Exception;
    }

    private record Route<T extends Event>(Class<T> type, EnvelopeHandler<T> handler, BatchHandler<T> batch) {
        void run(CloudEventEnvelope envelope, Event event) throws Exception {
            handler.handle(envelope, type.cast(event));
        }

        void runBatch(List<Pending> pending) throws Exception {
            List<Delivery<T>> deliveries = new ArrayList<>(pending.size());
            for (Pending p : pending) {
                deliveries.add(new Delivery<>(p.envelope, type.cast(p.event)));
            }
            if (batch != null) {
                batch.handle(deliveries);
            } else {
                for (Delivery<T> d : deliveries) {
                    handler.handle(d.envelope(), d.event());
                }
            }
        }
    }

    /** A record of a poll that decoded into an event this consumer handles. */
    private record Pending(KafkaRecord<String, String> record, String topic, CloudEventEnvelope envelope, Event event,
                           Route<?> route, String key) {
    }

    /** A decoded event and its route. */
    private record Decoded(Event event, Route<?> route) {
    }

    private final EventConsumers shared;
    private final String name;
    private final Map<String, Route<?>> routes;
    private final Duration transactionTimeout;
    private final Runnable afterHandled;
    private final Function<CloudEventEnvelope, String> dedupeKey;
    private final EventCodec codec = new EventCodec();

    private EventConsumer(Builder b) {
        this.shared = b.shared;
        this.name = b.name;
        this.routes = Map.copyOf(b.routes);
        this.transactionTimeout = b.transactionTimeout;
        this.afterHandled = b.afterHandled;
        this.dedupeKey = b.dedupeKey;
    }

    /** The inbox consumer name. */
    public String name() {
        return name;
    }

    /** Whether this consumer acts on events of wire type {@code type}. */
    public boolean handles(String type) {
        return routes.containsKey(type);
    }

    /**
     * Consumes one record delivered by the Kafka connector: acknowledged once handled (or known to be a duplicate, or
     * ignored), nacked into the dead-letter topic when it is poison. Blocks the calling worker thread while retrying.
     */
    public CompletionStage<Void> consume(Message<String> message) {
        long started = System.nanoTime();
        IncomingKafkaRecordMetadata<?, ?> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        String topic = kafka == null ? "unknown" : kafka.getTopic();
        CloudEventEnvelope envelope = kafka == null
                ? new CloudEventEnvelope(null, null, null, null, null, null, message.getPayload())
                : CloudEventEnvelope.of(kafka.getRecord());
        int attempt = 0;
        while (true) {
            attempt++;
            try {
                Outcome outcome = handle(envelope);
                shared.metrics.consumed(name, topic, envelope.type(), outcome, Duration.ofNanos(System.nanoTime() - started));
                return message.ack();
            } catch (Exception e) {
                DeadLetterException poison = poison(e);
                if (poison != null) {
                    return deadLetter(message, kafka, topic, envelope, poison, started);
                }
                if (shared.stopping()) {
                    // never acknowledged: the next consumer of the partition gets it again after the shutdown
                    LOG.infof("%s: %s %s not handled before shutdown; it will be redelivered", name, envelope.type(), envelope.id());
                    return new CompletableFuture<>();
                }
                int max = Math.max(1, shared.config.retry().maxAttempts());
                if (attempt >= max && shared.databaseAnswers()) {
                    return deadLetter(message, kafka, topic, envelope, new DeadLetterException(DeadLetters.Kind.FAILED,
                            "handling failed " + attempt + " times: " + e, attempt, e), started);
                }
                Duration pause = backoff(attempt);
                shared.metrics.retried(name, topic, envelope.type());
                LOG.warnf("%s: handling %s %s (%s) failed on try %d (%s); retrying in %d ms", name, envelope.type(), envelope.id(),
                        coordinates(kafka), attempt, e, pause.toMillis());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return new CompletableFuture<>();
                }
            }
        }
    }

    /**
     * One try at one record: dead-letter check, dispatch, and the transaction of inbox and handler. Throws
     * {@link DeadLetterException} for a poison record and any other exception for a failure worth retrying. Tests feed
     * contract examples through it.
     */
    public Outcome handle(CloudEventEnvelope envelope) throws Exception {
        Decoded decoded = decode(envelope);
        if (decoded == null) {
            return Outcome.IGNORED;
        }
        String type = envelope.type();
        Route<?> route = decoded.route();
        Event event = decoded.event();
        Span span = shared.tracer.spanBuilder("handle " + type)
                .setAttribute("messaging.consumer.group.name", name)
                .setAttribute("messaging.message.id", envelope.id())
                .setAttribute("dms.event.type", type)
                .setAttribute("dms.aggregate.id", String.valueOf(envelope.key()))
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            var tx = transactionTimeout.isZero()
                    ? QuarkusTransaction.requiringNew()
                    : QuarkusTransaction.requiringNew().timeout((int) transactionTimeout.toSeconds());
            boolean first = tx.call(() -> {
                if (!shared.inbox.firstDelivery(name, dedupeKey.apply(envelope))) {
                    return false;
                }
                route.run(envelope, event);
                return true;
            });
            span.setAttribute("dms.outcome", first ? "handled" : "duplicate");
            if (!first) {
                LOG.debugf("%s: %s %s already handled", name, type, envelope.id());
                return Outcome.DUPLICATE;
            }
        } catch (Exception e) {
            span.recordException(e).setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
        afterHandled.run();
        return Outcome.HANDLED;
    }

    /** The event of a record and its route; null for a type this consumer ignores; poison records throw. */
    private Decoded decode(CloudEventEnvelope envelope) {
        if (!envelope.isComplete()) {
            throw new DeadLetterException(DeadLetters.Kind.INCOMPLETE, "record without CloudEvents id and type (ce_id, ce_type)");
        }
        String type = envelope.type();
        if (EventCatalogue.find(type).isEmpty()) {
            throw new DeadLetterException(DeadLetters.Kind.UNKNOWN_TYPE,
                    "event type " + type + " is in no contract this consumer knows (is it older than its producer?)");
        }
        Route<?> route = routes.get(type);
        if (route == null) {
            LOG.debugf("%s: %s %s is not for this consumer; ignored", name, type, envelope.id());
            return null;
        }
        try {
            return new Decoded(codec.decode(type, envelope.payload()), route);
        } catch (IllegalArgumentException e) {
            throw new DeadLetterException(DeadLetters.Kind.UNDECODABLE, e.getMessage(), 1, e);
        }
    }

    /**
     * Consumes one poll of the Kafka connector ({@code batch=true}): poison records are dead-lettered one by one, ignored
     * types counted, and the inbox rows and handlers of all the rest run in one new transaction (a redelivered event, or
     * one repeated inside the poll, is a duplicate). A failed transaction is retried in place with backoff; after
     * {@code max-attempts} tries, or at once when a handler throws {@link DeadLetterException} for one of the events, the
     * poll is handled record by record ({@link #consume(Message)}), which isolates the poison event. The poll is
     * acknowledged once all of it is done.
     */
    public CompletionStage<Void> consumeBatch(KafkaRecordBatch<String, String> batch) {
        long started = System.nanoTime();
        List<Pending> pending = new ArrayList<>();
        List<CompletionStage<Void>> done = new ArrayList<>();
        for (KafkaRecord<String, String> record : batch.getRecords()) {
            IncomingKafkaRecordMetadata<?, ?> kafka = record.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
            String topic = kafka == null ? "unknown" : kafka.getTopic();
            CloudEventEnvelope envelope = kafka == null
                    ? new CloudEventEnvelope(null, null, null, null, null, null, record.getPayload())
                    : CloudEventEnvelope.of(kafka.getRecord());
            try {
                Decoded decoded = decode(envelope);
                if (decoded == null) {
                    shared.metrics.consumed(name, topic, envelope.type(), Outcome.IGNORED, Duration.ofNanos(System.nanoTime() - started));
                } else {
                    pending.add(new Pending(record, topic, envelope, decoded.event(), decoded.route(), dedupeKey.apply(envelope)));
                }
            } catch (DeadLetterException e) {
                done.add(deadLetter(record, kafka, topic, envelope, e, started));
            }
        }
        int attempt = 0;
        while (!pending.isEmpty()) {
            attempt++;
            try {
                Set<String> first = handleBatch(pending);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                for (Pending p : pending) {
                    shared.metrics.consumed(name, p.topic(), p.envelope().type(),
                            first.contains(p.key()) ? Outcome.HANDLED : Outcome.DUPLICATE, took);
                }
                if (!first.isEmpty()) {
                    afterHandled.run();
                }
                break;
            } catch (Exception e) {
                if (shared.stopping()) {
                    LOG.infof("%s: a poll of %d events not handled before shutdown; it will be redelivered", name, pending.size());
                    return new CompletableFuture<>();
                }
                int max = Math.max(1, shared.config.retry().maxAttempts());
                if (poison(e) != null || (attempt >= max && shared.databaseAnswers())) {
                    LOG.warnf("%s: a poll of %d events failed (%s); handling it record by record", name, pending.size(), e.toString());
                    for (Pending p : pending) {
                        done.add(consume(p.record()));
                    }
                    break;
                }
                Duration pause = backoff(attempt);
                for (Pending p : pending) {
                    shared.metrics.retried(name, p.topic(), p.envelope().type());
                }
                LOG.warnf("%s: a poll of %d events failed on try %d (%s); retrying in %d ms", name, pending.size(), attempt, e,
                        pause.toMillis());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return new CompletableFuture<>();
                }
            }
        }
        // the poll's offsets are committed only after every record of it is done (handled, dead-lettered or ignored)
        return CompletableFuture.allOf(done.stream().map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new))
                .thenCompose(v -> batch.ack());
    }

    /** The transaction of a poll: inbox rows for all, then each route's first deliveries in order. Returns the new keys. */
    private Set<String> handleBatch(List<Pending> pending) throws Exception {
        Span span = shared.tracer.spanBuilder("handle batch")
                .setAttribute("messaging.consumer.group.name", name)
                .setAttribute("messaging.batch.message_count", pending.size())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            var tx = transactionTimeout.isZero()
                    ? QuarkusTransaction.requiringNew()
                    : QuarkusTransaction.requiringNew().timeout((int) transactionTimeout.toSeconds());
            return tx.call(() -> {
                List<String> keys = new ArrayList<>(pending.size());
                for (Pending p : pending) {
                    keys.add(p.key());
                }
                Set<String> first = shared.inbox.firstDeliveries(name, keys);
                Set<String> seen = new HashSet<>();
                Map<Route<?>, List<Pending>> byRoute = new LinkedHashMap<>();
                for (Pending p : pending) {
                    if (first.contains(p.key()) && seen.add(p.key())) {
                        byRoute.computeIfAbsent(p.route(), r -> new ArrayList<>()).add(p);
                    }
                }
                for (Map.Entry<Route<?>, List<Pending>> e : byRoute.entrySet()) {
                    e.getKey().runBatch(e.getValue());
                }
                return first;
            });
        } catch (Exception e) {
            span.recordException(e).setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private CompletionStage<Void> deadLetter(Message<String> message, IncomingKafkaRecordMetadata<?, ?> kafka, String topic,
                                             CloudEventEnvelope envelope, DeadLetterException e, long started) {
        LOG.errorf("%s: %s %s (%s) goes to the dead-letter topic: %s", name, envelope.type(), envelope.id(), coordinates(kafka),
                e.getMessage());
        shared.metrics.deadLettered(name, topic, envelope.type(), e.kind());
        shared.metrics.consumed(name, topic, envelope.type(), Outcome.DEAD_LETTERED, Duration.ofNanos(System.nanoTime() - started));
        List<RecordHeader> headers = new ArrayList<>();
        headers.add(header(DeadLetters.KIND, e.kind().wireName()));
        headers.add(header(DeadLetters.CONSUMER, name));
        headers.add(header(DeadLetters.ATTEMPTS, Integer.toString(e.attempts())));
        headers.add(header(DeadLetters.DEAD_AT, Instant.now().toString()));
        return message.nack(e, Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build()));
    }

    /** The {@link DeadLetterException} a handler threw, also when the transaction wrapped it; null for any other failure. */
    private static DeadLetterException poison(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DeadLetterException d) {
                return d;
            }
        }
        return null;
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private Duration backoff(int attempt) {
        Duration initial = shared.config.retry().initialBackoff();
        Duration max = shared.config.retry().maxBackoff();
        long ms = initial.toMillis() << Math.min(20, attempt - 1);
        return Duration.ofMillis(Math.min(Math.max(ms, 1), max.toMillis()));
    }

    private static String coordinates(IncomingKafkaRecordMetadata<?, ?> kafka) {
        return kafka == null ? "no Kafka metadata" : kafka.getTopic() + "-" + kafka.getPartition() + "@" + kafka.getOffset();
    }

    /** The envelope of a record, for tests that feed records directly. */
    public static CloudEventEnvelope envelope(ConsumerRecord<String, String> record) {
        return CloudEventEnvelope.of(record);
    }
}
