package dev.dmsmlflow.instance.database;

import dev.dmsmlflow.instance.InstanceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates and drops the per-instance tracking databases on the configured PostgreSQL server. Each
 * instance gets its own login role owning its own database; the role's password is derived from a
 * secret and the instance id, so it is never stored, logged or returned.
 */
@ApplicationScoped
public class TrackingDatabases {

    private static final Logger LOG = Logger.getLogger(TrackingDatabases.class);
    private static final Pattern SAFE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Pattern JDBC = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");

    private final String adminUrl;
    private final String adminUser;
    private final String adminPassword;
    private final String secret;

    TrackingDatabases(InstanceConfig config,
                      @ConfigProperty(name = "quarkus.datasource.jdbc.url") String serviceUrl,
                      @ConfigProperty(name = "quarkus.datasource.username") String serviceUser,
                      @ConfigProperty(name = "quarkus.datasource.password") String servicePassword) {
        this.adminUrl = config.trackingDb().adminUrl().orElseGet(() -> withDatabase(serviceUrl, "postgres"));
        this.adminUser = config.trackingDb().adminUser().orElse(serviceUser);
        this.adminPassword = config.trackingDb().adminPassword().orElse(servicePassword);
        this.secret = config.trackingDb().passwordSecret();
    }

    /** Name of an instance's tracking database (also its role name). */
    public static String databaseName(String instanceId) {
        return "mlflow_" + instanceId.toLowerCase().replaceAll("[^a-z0-9]", "");
    }

    /** JDBC URL of the tracking database on the configured server. */
    public String jdbcUrl(String database) {
        return withDatabase(adminUrl, database);
    }

    /** The login role of the database (same name). */
    public String user(String database) {
        return database;
    }

    /** The role's password, derived on demand; never logged. */
    public String password(String database) {
        return derivePassword(secret, database);
    }

    /** HMAC-SHA256 of the database name under the configured secret, base64url: stable across restarts, never stored. */
    public static String derivePassword(String secret, String database) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(database.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Creates role and database unless they exist (a replayed step creates nothing twice). */
    public void create(String database) throws SQLException {
        requireSafe(database);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", database)) {
                // the password is a derived base64url string (no quotes possible); never logged
                st.execute("CREATE ROLE " + database + " LOGIN PASSWORD '" + password(database) + "'");
            }
            if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                st.execute("CREATE DATABASE " + database + " OWNER " + database);
                LOG.infof("created tracking database %s", database);
            }
        }
    }

    /** Drops database and role, closing its connections; does nothing when they do not exist. */
    public void drop(String database) throws SQLException {
        requireSafe(database);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            if (exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                LOG.infof("dropped tracking database %s", database);
            }
            st.execute("DROP ROLE IF EXISTS " + database);
        }
    }

    /** Whether the database exists. */
    public boolean exists(String database) throws SQLException {
        try (Connection c = admin()) {
            return exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database);
        }
    }

    private Connection admin() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", adminUser);
        props.setProperty("password", adminPassword);
        Connection c = new org.postgresql.Driver().connect(adminUrl, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + adminUrl);
        }
        c.setAutoCommit(true);
        return c;
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void requireSafe(String name) {
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("unsafe database name: " + name);
        }
    }

    static String withDatabase(String jdbcUrl, String database) {
        Matcher m = JDBC.matcher(jdbcUrl);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL with a database: " + jdbcUrl);
        }
        return m.group(1) + database + (m.group(3) == null ? "" : m.group(3));
    }
}
