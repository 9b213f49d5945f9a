package dev.dmsmlflow.platform.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;

/** Adds outbox rows on the caller's connection, so they commit or roll back with the caller's own changes. */
public final class OutboxWriter {

    private static final String INSERT = "INSERT INTO outbox_event "
            + "(id, aggregatetype, aggregateid, type, source, occurred_at, payload, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?)";

    private OutboxWriter() {
    }

    /** Inserts {@code event} using {@code connection}, which must be inside the caller's transaction. */
    public static void append(Connection connection, OutboxEvent event) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            bind(ps, event);
            ps.executeUpdate();
        }
    }

    /** Inserts several events in one round trip. */
    public static void appendAll(Connection connection, Iterable<OutboxEvent> events) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            for (OutboxEvent event : events) {
                bind(ps, event);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void bind(PreparedStatement ps, OutboxEvent event) throws SQLException {
        ps.setObject(1, event.id(), Types.OTHER);
        ps.setString(2, event.aggregateType());
        ps.setString(3, event.aggregateId());
        ps.setString(4, event.type());
        ps.setString(5, event.source());
        ps.setTimestamp(6, Timestamp.from(event.occurredAt()));
        ps.setString(7, event.payloadJson());
        ps.setString(8, event.traceparent());
    }
}
