package dev.dmsmlflow.platform.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Consumer-side dedupe. Call {@link #firstDelivery} inside the handler's transaction before changing
 * anything: it records the event for this consumer and says whether this is the first time. A redelivered
 * event finds its row and the handler skips it; if the handler's transaction rolls back, so does the row.
 */
public final class Inbox {

    private static final String INSERT = "INSERT INTO inbox_event (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING";

    private static final String INSERT_MANY = "INSERT INTO inbox_event (consumer, event_id) SELECT ?, id FROM unnest(?::varchar[]) AS t(id) "
            + "ON CONFLICT DO NOTHING RETURNING event_id";

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

    /**
     * The batch form of {@link #firstDelivery}: records every id of {@code eventIds} for {@code consumer} in one statement
     * and returns those that had not been processed before (an id repeated in the list counts once).
     */
    public static Set<String> firstDeliveries(Connection connection, String consumer, List<String> eventIds) throws SQLException {
        Set<String> first = new HashSet<>();
        if (eventIds.isEmpty()) {
            return first;
        }
        try (PreparedStatement ps = connection.prepareStatement(INSERT_MANY)) {
            ps.setString(1, consumer);
            ps.setArray(2, connection.createArrayOf("varchar", eventIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    first.add(rs.getString(1));
                }
            }
        }
        return first;
    }
}
