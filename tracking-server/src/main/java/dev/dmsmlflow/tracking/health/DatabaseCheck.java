package dev.dmsmlflow.tracking.health;

import dev.dmsmlflow.tracking.config.TrackingConfig;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The database answers: a connection from the server's own pool runs a trivial query under a query timeout (so it
 * tests what the API uses, and a pooled connection the database dropped is found broken and discarded by the pool).
 * {@link Readiness} bounds the whole check, connection wait included, by {@code dms.tracking.health.database-timeout}.
 */
@ApplicationScoped
public class DatabaseCheck implements ReadinessCheck {
    @Inject
    AgroalDataSource dataSource;
    @Inject
    TrackingConfig config;

    @Override
    public String name() {
        return "database";
    }

    @Override
    public Duration timeout() {
        return config.health().databaseTimeout();
    }

    @Override
    public Outcome run() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout((int) Math.max(1, (timeout().toMillis() + 999) / 1000));
            s.execute("SELECT 1");
            return Outcome.ok();
        } catch (SQLException e) {
            return Outcome.down(reason(e), e);
        }
    }

    /** A fixed sentence for a failure, chosen by its SQLState: the driver's message names hosts and databases. */
    static String reason(SQLException e) {
        String state = null;
        for (Throwable t = e; t != null && state == null; t = t.getCause()) {
            if (t instanceof SQLException se) {
                state = se.getSQLState();
            }
        }
        if (state == null) {
            return "the database check failed";
        }
        if (state.startsWith("28")) {
            return "the database refused the server's credentials";
        }
        if (state.equals("57014")) {
            return "the database did not answer in time";
        }
        // 08: connection failures; 57P: shutting down, starting up, terminated; 53: out of connections or memory;
        // 3D000: no such database; 55000: the database does not allow connections (ALLOW_CONNECTIONS false)
        if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.equals("3D000")
                || state.equals("55000")) {
            return "the database does not accept connections";
        }
        return "the database check failed";
    }
}
