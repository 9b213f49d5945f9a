package dev.dmsmlflow.instance.provider.database;

import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.platform.secrets.SecretSealer;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates and drops the per-instance tracking databases on the configured PostgreSQL server. Each instance gets its own
 * login role owning its own database, which PUBLIC may not connect to. The role's password is random (CSPRNG, 256 bits),
 * kept only sealed ({@link SecretSealer}: AES-GCM under the master key, or a KMS) in {@code tracking_db_credential}, and
 * set on the role as a SCRAM verifier computed here, so neither a statement nor a server log line carries it. It is never
 * logged, never in an event or an API answer; only the instance's tracking server receives it (in its environment).
 * <p>
 * Roles made before (their password an HMAC of a public default secret) have no sealed credential: they get a new random
 * password the first time one is needed ({@link #password}) and whenever {@link #needsNewPassword} says so at startup.
 */
@ApplicationScoped
public class TrackingDatabases {

    private static final Logger LOG = Logger.getLogger(TrackingDatabases.class);
    private static final Pattern SAFE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Pattern JDBC = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String adminUrl;
    private final String adminUser;
    private final String adminPassword;
    private final AgroalDataSource serviceDb;
    private final SecretSealer sealer;

    TrackingDatabases(InstanceConfig config, AgroalDataSource serviceDb, SecretSealer sealer,
                      @ConfigProperty(name = "quarkus.datasource.jdbc.url") String serviceUrl,
                      @ConfigProperty(name = "quarkus.datasource.username") String serviceUser,
                      @ConfigProperty(name = "quarkus.datasource.password") Optional<String> servicePassword) {
        // the service's own database by default: its role needs no CONNECT on the maintenance database
        this.adminUrl = config.trackingDb().adminUrl().orElse(serviceUrl);
        this.adminUser = config.trackingDb().adminUser().orElse(serviceUser);
        this.adminPassword = config.trackingDb().adminPassword().or(() -> servicePassword).orElse("");
        this.serviceDb = serviceDb;
        this.sealer = sealer;
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

    /**
     * The role's password, opened from its sealed credential. A role without one (made before passwords were random) or
     * whose credential cannot be opened (another master key) gets a new password first. Never logged.
     */
    public String password(String database) throws SQLException {
        requireSafe(database);
        Optional<String> stored = storedPassword(database);
        if (stored.isPresent()) {
            return stored.get();
        }
        return newPassword(database);
    }

    /** Whether the role has no usable sealed credential: a tracking server using it must be restarted after {@link #password}. */
    public boolean needsNewPassword(String database) throws SQLException {
        return storedPassword(database).isEmpty();
    }

    /**
     * Creates role and database unless they exist (a replayed step creates nothing twice), and sets the role's password
     * to its sealed credential (a new one if it has none), so role and credential agree after any crash.
     */
    public void create(String database) throws SQLException {
        requireSafe(database);
        String password = storedPassword(database).orElseGet(() -> storeNew(database));
        try (Connection c = admin(); Statement st = c.createStatement()) {
            if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", database)) {
                try {
                    st.execute("CREATE ROLE " + database + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION");
                } catch (SQLException e) {
                    if (!"42710".equals(e.getSQLState())) { // made concurrently: fine
                        throw e;
                    }
                }
            }
            // membership in the role it administers lets the service create and drop the role's database (PostgreSQL 16+)
            grantMembership(c, database);
            setPassword(c, database, password);
            if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                st.execute("CREATE DATABASE " + database + " OWNER " + database);
                LOG.infof("created tracking database %s", database);
            }
            st.execute("REVOKE CONNECT ON DATABASE " + database + " FROM PUBLIC");
        }
    }

    /** Drops database, role and sealed credential, closing its connections; does nothing when they do not exist. */
    public void drop(String database) throws SQLException {
        requireSafe(database);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            if (exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                LOG.infof("dropped tracking database %s", database);
            }
            st.execute("DROP ROLE IF EXISTS " + database);
        }
        try (Connection c = serviceDb.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM tracking_db_credential WHERE database = ?")) {
            ps.setString(1, database);
            ps.executeUpdate();
        }
    }

    /** Whether the database exists. */
    public boolean exists(String database) throws SQLException {
        try (Connection c = admin()) {
            return exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database);
        }
    }

    /** A new random password for an existing (or future) role: sealed and stored, then set on the role if it exists. */
    private String newPassword(String database) throws SQLException {
        String password = storeNew(database);
        try (Connection c = admin()) {
            if (exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", database)) {
                grantMembership(c, database);
                setPassword(c, database, password);
                LOG.infof("tracking database %s has a new random password", database);
            }
        }
        return password;
    }

    private Optional<String> storedPassword(String database) {
        String sealed;
        try (Connection c = serviceDb.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT sealed FROM tracking_db_credential WHERE database = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                sealed = rs.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the credential of " + database + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(sealer.open(sealed, database));
        } catch (SecretSealer.SealedSecretException e) {
            LOG.warnf("the sealed password of %s cannot be opened (%s); it gets a new one", database, e.getMessage());
            return Optional.empty();
        }
    }

    private String storeNew(String database) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = serviceDb.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO tracking_db_credential (database, sealed, created_at, rotated_at)"
                     + " VALUES (?, ?, ?, ?) ON CONFLICT (database) DO UPDATE SET sealed = excluded.sealed, rotated_at = excluded.rotated_at")) {
            ps.setString(1, database);
            ps.setString(2, sealer.seal(password, database));
            ps.setTimestamp(3, now);
            ps.setTimestamp(4, now);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the credential of " + database + ": " + e.getMessage(), e);
        }
        return password;
    }

    /** The SCRAM-SHA-256 verifier, computed by the driver: the password never travels in a statement. */
    private static void setPassword(Connection c, String role, String password) throws SQLException {
        c.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
    }

    private static void grantMembership(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT rolsuper OR pg_has_role(current_user, ?, 'USAGE') FROM pg_roles WHERE rolname = current_user")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getBoolean(1)) {
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("GRANT " + role + " TO CURRENT_USER");
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
