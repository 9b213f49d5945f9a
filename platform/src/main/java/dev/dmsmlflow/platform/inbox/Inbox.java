package dev.dmsmlflow.platform.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Consumer-side dedupe. Call {@link #firstDelivery} inside the handler's transaction before changing
 * anything: it records the event for this consumer and says whether this is the first time. A redelivered
 * event finds its row and the handler skips it; if the handler's transaction rolls back, so does the row.
 */
public final class Inbox {

    private static final String INSERT = "INSERT INTO inbox_event (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING";

    private Inbox() {
    }

    /** True when {@code eventId} had not been processed by {@code consumer}; it is now recorded as processed. */
    public static boolean firstDelivery(Connection connection, String consumer, String eventId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            ps.setString(1, consumer);
            ps.setString(2, eventId);
            return ps.executeUpdate() == 1;
        }
    }
}
