package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.platform.messaging.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * The meters of every consumer, one naming scheme for every service (Prometheus names on {@code /q/metrics}):
 * <ul>
 *   <li>{@code dms_messaging_consumed_total{consumer,topic,type,outcome}}: records done with; outcome {@code handled},
 *       {@code duplicate}, {@code ignored} or {@code dead-lettered};</li>
 *   <li>{@code dms_messaging_retries_total{consumer,topic,type}}: failed tries that were retried;</li>
 *   <li>{@code dms_messaging_dead_letters_total{consumer,topic,type,reason}}: records written to the dead-letter topic,
 *       reason {@code incomplete}, {@code unknown-type}, {@code undecodable} or {@code failed};</li>
 *   <li>{@code dms_messaging_handling_seconds{consumer,topic,type}}: time from receipt to done, retries included.</li>
 * </ul>
 * The relay adds {@code dms_messaging_relayed_total{relay}} (events Kafka acknowledged).
 */
@ApplicationScoped
public class MessagingMetrics {

    private static final int MAX_TYPE_LENGTH = 64;

    private final MeterRegistry registry;

    MessagingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void consumed(String consumer, String topic, String type, Outcome outcome, Duration took) {
        consumedCounter(consumer, topic, type, outcome).increment();
        handlingTimer(consumer, topic, type).record(took);
    }

    /**
     * The {@code dms.messaging.consumed} counter of one consumer, topic, type and outcome: for a consumer that counts a
     * whole poll at once (billing's usage readings) and resolves its meters once instead of per record.
     */
    public Counter consumedCounter(String consumer, String topic, String type, Outcome outcome) {
        return Counter.builder("dms.messaging.consumed").description("Records a consumer is done with, by outcome")
                .tags("consumer", consumer, "topic", topic, "type", type(type), "outcome", outcome.tag())
                .register(registry);
    }

    /** The {@code dms.messaging.handling} timer of one consumer, topic and type (see {@link #consumedCounter}). */
    public Timer handlingTimer(String consumer, String topic, String type) {
        return Timer.builder("dms.messaging.handling").description("Time from receipt to done, retries included")
                .tags("consumer", consumer, "topic", topic, "type", type(type))
                .register(registry);
    }

    void retried(String consumer, String topic, String type) {
        Counter.builder("dms.messaging.retries").description("Failed handling tries that were retried")
                .tags("consumer", consumer, "topic", topic, "type", type(type))
                .register(registry).increment();
    }

    void deadLettered(String consumer, String topic, String type, DeadLetters.Kind kind) {
        Counter.builder("dms.messaging.dead.letters").description("Records written to the service's dead-letter topic")
                .tags("consumer", consumer, "topic", topic, "type", type(type), "reason", kind.wireName())
                .register(registry).increment();
    }

    /** The type tag: the CloudEvent type, {@code none} when absent; bounded, since producers can send anything. */
    static String type(String type) {
        if (type == null || type.isBlank()) {
            return "none";
        }
        return type.length() > MAX_TYPE_LENGTH ? type.substring(0, MAX_TYPE_LENGTH) : type;
    }
}
