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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
 */
public final class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    /** Handles one decoded event inside the consumer's transaction. */
    @FunctionalInterface
    public interface Handler<T extends Event> {
        void handle(T event) throws Exception;
    }

    /** Declares the consumer's handlers. */
    public static final class Builder {
        private final EventConsumers shared;
        private final String name;
        private final Map<String, Route<?>> routes = new LinkedHashMap<>();
        private Duration transactionTimeout = Duration.ZERO;
        private Runnable afterHandled = () -> { };

        Builder(EventConsumers shared, String name) {
            this.shared = shared;
            this.name = name;
        }

        /** Handles events of {@code type} (a contract record) with {@code handler}. */
        public <T extends Event> Builder on(Class<T> type, Handler<T> handler) {
            String wire = EventCatalogue.forClass(type).type();
            routes.put(wire, new Route<>(type, handler));
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

    private record Route<T extends Event>(Class<T> type, Handler<T> handler) {
        void run(Event event) throws Exception {
            handler.handle(type.cast(event));
        }
    }

    private final EventConsumers shared;
    private final String name;
    private final Map<String, Route<?>> routes;
    private final Duration transactionTimeout;
    private final Runnable afterHandled;
    private final EventCodec codec = new EventCodec();

    private EventConsumer(Builder b) {
        this.shared = b.shared;
        this.name = b.name;
        this.routes = Map.copyOf(b.routes);
        this.transactionTimeout = b.transactionTimeout;
        this.afterHandled = b.afterHandled;
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
            } catch (DeadLetterException e) {
                return deadLetter(message, kafka, topic, envelope, e, started);
            } catch (Exception e) {
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
            return Outcome.IGNORED;
        }
        Event event;
        try {
            event = codec.decode(type, envelope.payload());
        } catch (IllegalArgumentException e) {
            throw new DeadLetterException(DeadLetters.Kind.UNDECODABLE, e.getMessage(), 1, e);
        }
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
                if (!shared.inbox.firstDelivery(name, envelope.id())) {
                    return false;
                }
                route.run(event);
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
