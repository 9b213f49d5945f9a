package dev.dmsmlflow.platform.outbox;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One event to publish: routed to the topic named by {@code aggregateType}, keyed by {@code aggregateId},
 * carried as a CloudEvent whose {@code type} is the event's wire name and whose data is {@code payloadJson}.
 * {@code traceparent} is the W3C trace context of the writing transaction, or null outside a trace.
 */
public record OutboxEvent(UUID id, String aggregateType, String aggregateId, String type, String source,
                          Instant occurredAt, String payloadJson, String traceparent) {

    /** An event written outside any trace. */
    public OutboxEvent(UUID id, String aggregateType, String aggregateId, String type, String source, Instant occurredAt,
                       String payloadJson) {
        this(id, aggregateType, aggregateId, type, source, occurredAt, payloadJson, null);
    }

    public OutboxEvent {
        Objects.requireNonNull(id, "id");
        requireText(aggregateType, "aggregateType");
        requireText(aggregateId, "aggregateId");
        requireText(type, "type");
        requireText(source, "source");
        Objects.requireNonNull(occurredAt, "occurredAt");
        requireText(payloadJson, "payloadJson");
    }

    /** A new event with a random id, occurring now. */
    public static OutboxEvent of(String aggregateType, String aggregateId, String type, String source, String payloadJson) {
        return new OutboxEvent(UUID.randomUUID(), aggregateType, aggregateId, type, source, Instant.now(), payloadJson);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
