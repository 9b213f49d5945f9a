package dev.dmsmlflow.tracking.support;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes the database of the server under test refuse connections, as if it were down, without touching the shared
 * PostgreSQL or any other test's database: {@code ALLOW_CONNECTIONS false} on that database (superusers included),
 * then its open connections terminated. {@link #close()} lets connections in again; use it in try-with-resources.
 */
public final class DatabaseOutage implements AutoCloseable {
    private final String adminUrl;
    private final String user;
    private final String password;
    /** The database's name. */
    public final String database;

    private DatabaseOutage(String adminUrl, String user, String password, String database) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    /** Starts the outage of the database the server under test is configured with ({@code quarkus.datasource.*}). */
    public static DatabaseOutage begin() throws SQLException {
        Config config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        int slash = url.lastIndexOf('/');
        String database = url.substring(slash + 1).replaceFirst("\\?.*$", "");
        if (!database.matches("[a-z0-9_]+")) {
            throw new IllegalStateException("unexpected test database name " + database);
        }
        DatabaseOutage outage = new DatabaseOutage(url.substring(0, slash + 1) + "postgres",
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class), database);
        try (Connection c = outage.admin(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
            try (PreparedStatement kill = c.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                kill.setString(1, database);
                kill.executeQuery().close();
            }
        } catch (SQLException | RuntimeException e) {
            try {
                outage.close();
            } catch (SQLException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        return outage;
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection(adminUrl, user, password);
    }

    /** Lets connections in again. */
    @Override
    public void close() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }
    }
}
