package dev.dmsmlflow.network.support;

import io.agroal.api.AgroalDataSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What PostgreSQL says of the service's own sessions (its database user): those idle in a transaction or in one older
 * than a second. Issue 15's probe: while a remote call is pending, it must find none.
 */
public final class OpenTransactions {

    private OpenTransactions() {
    }

    public static List<String> of(AgroalDataSource dataSource) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT pid, backend_type, state, now() - xact_start, left(query, 120) FROM pg_stat_activity"
                        + " WHERE usename = current_user AND pid <> pg_backend_pid()"
                        + " AND (state LIKE 'idle in transaction%' OR xact_start < now() - interval '1 second')")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3) + " for " + rs.getString(4) + ": " + rs.getString(5));
                }
            }
        }
        return out;
    }
}
