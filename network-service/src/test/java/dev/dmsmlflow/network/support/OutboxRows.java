package dev.dmsmlflow.network.support;

import io.agroal.api.AgroalDataSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What the service's outbox holds for an instance. */
public final class OutboxRows {

    private OutboxRows() {
    }

    /** How many events of {@code type} the outbox holds for the aggregate {@code id}. */
    public static int count(AgroalDataSource dataSource, String id, String type) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM outbox_event WHERE aggregateid = ? AND type = ?")) {
            ps.setString(1, id);
            ps.setString(2, type);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payloads of the outbox's events of {@code type} for the aggregate {@code id}, oldest first. */
    public static java.util.List<String> payloads(AgroalDataSource dataSource, String id, String type) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT payload::text FROM outbox_event WHERE aggregateid = ? AND type = ? ORDER BY occurred_at")) {
            ps.setString(1, id);
            ps.setString(2, type);
            java.util.List<String> out = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
