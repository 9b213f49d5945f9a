package dev.dmsmlflow.platform.quarkus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.platform.outbox.OutboxEvent;
import dev.dmsmlflow.platform.outbox.OutboxWriter;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;

/**
 * Publishes an event as part of the caller's transaction: the outbox row commits or rolls back with the
 * caller's own changes, and the relay delivers it to Kafka afterwards. There is deliberately no way to
 * send to Kafka directly from a service. The row keeps the caller's trace context ({@code traceparent}), which the relay
 * carries into the record's headers. Services publish contract events through {@link EventPublisher}.
 */
@ApplicationScoped
public class Outbox {

    private final AgroalDataSource dataSource;
    private final ObjectMapper mapper;
    private final String source;

    Outbox(AgroalDataSource dataSource, ObjectMapper mapper,
           @ConfigProperty(name = "quarkus.application.name") String applicationName) {
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.source = "/" + applicationName;
    }

    /** Adds {@code payload} (serialized as JSON) to the outbox; returns the event id. Needs an active transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public UUID publish(String aggregateType, String aggregateId, String type, Object payload) {
        return publish(aggregateType, aggregateId, type, UUID.randomUUID(), payload);
    }

    /** As {@link #publish(String, String, String, Object)} with a caller-chosen (e.g. deterministic) event id. */
    @Transactional(Transactional.TxType.MANDATORY)
    public UUID publish(String aggregateType, String aggregateId, String type, UUID eventId, Object payload) {
        String json;
        try {
            json = payload instanceof String s ? s : mapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event payload is not serializable: " + type, e);
        }
        try (Connection c = dataSource.getConnection()) {
            OutboxWriter.append(c, new OutboxEvent(eventId, aggregateType, aggregateId, type, source, Instant.now(), json,
                    TraceContext.currentTraceparent()));
        } catch (SQLException e) {
            throw new IllegalStateException("could not write outbox event " + type, e);
        }
        return eventId;
    }
}
