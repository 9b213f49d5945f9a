package dev.dmsmlflow.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attacks of issue 8 on the local PostgreSQL, tried from this host over loopback: each one is refused. */
class PostgresAuthenticationIT {

    @Test
    void thePasswordLessSuperuserIsRefusedByJdbcAndByPsql() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        assertFalse(pg.acceptsWithoutPassword("postgres", "postgres"));
        SQLException noPassword = assertThrows(SQLException.class, () -> DriverManager.getConnection(pg.jdbcUrl("postgres"), props("postgres")));
        assertTrue(noPassword.getMessage().contains("SCRAM"), "the server asked for a SCRAM password: " + noPassword.getMessage());
        SQLException wrong = assertThrows(SQLException.class, () -> DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", "postgres"));
        assertEquals("28P01", wrong.getSQLState(), "the old well-known password is wrong now");

        if (Files.isExecutable(Path.of("/usr/bin/psql"))) {
            // `psql -U postgres -w` (never prompt) over TCP and over the Unix socket, without PGPASSWORD
            for (String host : List.of("127.0.0.1", "/tmp")) {
                ProcessBuilder b = new ProcessBuilder("psql", "-h", host, "-p", String.valueOf(pg.port()), "-U", "postgres", "-w",
                        "-d", "postgres", "-c", "SELECT 1").redirectErrorStream(true);
                b.environment().remove("PGPASSWORD");
                b.environment().remove("PGPASSFILE");
                b.environment().put("PGPASSFILE", "/dev/null");
                Process p = b.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertNotEquals(0, p.exitValue(), out);
                assertTrue(out.contains("no password supplied"), out);
            }
        }
        try (Connection c = pg.connect("postgres")) {
            assertTrue(c.isValid(2), "the generated password works");
        }
    }

    @Test
    void replicationConnectionsNeedAPasswordAndPhysicalReplicationIsTheSuperusersOnly() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String db = LocalPostgres.uniqueDatabaseName("repl");
        String password = LocalSecrets.generatePassword();
        pg.ensureRole(db, password, EnumSet.of(ServiceAccount.RoleOption.REPLICATION));
        pg.createDatabase(db, db);

        Properties logical = props("postgres");
        logical.setProperty("replication", "database");
        logical.setProperty("preferQueryMode", "simple");
        logical.setProperty("assumeMinServerVersion", "10");
        assertThrows(SQLException.class, () -> DriverManager.getConnection(pg.jdbcUrl(db), logical), "logical replication without a password");
        Properties physical = props("postgres");
        physical.setProperty("replication", "true");
        physical.setProperty("preferQueryMode", "simple");
        physical.setProperty("assumeMinServerVersion", "10");
        assertThrows(SQLException.class, () -> DriverManager.getConnection(pg.jdbcUrl("postgres"), physical), "physical replication without a password");

        // a service role with REPLICATION streams its own database, but never the whole cluster
        Properties serviceLogical = props(db);
        serviceLogical.putAll(logical);
        serviceLogical.setProperty("user", db);
        serviceLogical.setProperty("password", password);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), serviceLogical); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
            assertTrue(rs.next());
        }
        Properties servicePhysical = new Properties();
        servicePhysical.putAll(physical);
        servicePhysical.setProperty("user", db);
        servicePhysical.setProperty("password", password);
        SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(pg.jdbcUrl("postgres"), servicePhysical));
        assertTrue(refused.getMessage().contains("pg_hba.conf"), refused.getMessage());
    }

    @Test
    void aServiceRoleCannotConnectToAnotherServicesDatabase() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String a = LocalPostgres.uniqueDatabaseName("svc_a");
        String b = LocalPostgres.uniqueDatabaseName("svc_b");
        String pa = LocalSecrets.generatePassword();
        pg.ensureRole(a, pa, EnumSet.of(ServiceAccount.RoleOption.REPLICATION));
        pg.createDatabase(a, a);
        pg.ensureRole(b, LocalSecrets.generatePassword(), EnumSet.of(ServiceAccount.RoleOption.REPLICATION));
        pg.createDatabase(b, b);
        try (Connection c = pg.connect(a, a, pa)) {
            assertTrue(c.isValid(2));
        }
        SQLException e = assertThrows(SQLException.class, () -> pg.connect(b, a, pa));
        assertEquals("42501", e.getSQLState(), e.getMessage()); // permission denied for database
        assertThrows(SQLException.class, () -> pg.connect("postgres", a, pa));
        assertThrows(SQLException.class, () -> pg.connect("template1", a, pa));
    }

    @Test
    void noDatabaseTheProjectCreatedLetsPublicConnect() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        pg.createDatabase(LocalPostgres.uniqueDatabaseName("plain"));
        try (Connection c = pg.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT d.datname FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                     + " WHERE d.datallowconn AND a.grantee = 0 AND a.privilege_type = 'CONNECT'")) {
            List<String> open = new ArrayList<>();
            while (rs.next()) {
                open.add(rs.getString(1));
            }
            assertEquals(List.of(), open, "databases PUBLIC may connect to");
        }
    }

    /** A data directory from before (the library's initdb with trust, superuser-owned service database) keeps its data. */
    @Test
    void aTrustEraDataDirectoryIsMigratedAtStartWithoutLosingData(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("postgres");
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                .setServerConfig("wal_level", "logical").start()) {
            try (Connection c = old.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE legacy_service");
            }
            try (Connection c = old.getDatabase("postgres", "legacy_service").getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE thing (id bigserial PRIMARY KEY, name text NOT NULL)");
                s.execute("CREATE SEQUENCE standalone_seq");
                s.execute("CREATE PUBLICATION legacy_pub FOR TABLE thing WITH (publish = 'insert')");
                s.execute("INSERT INTO thing (name) VALUES ('kept')");
            }
            assertTrue(Files.readString(data.resolve("pg_hba.conf")).contains("trust"), "the library's default");
        }

        LocalSecrets secrets = LocalSecrets.inDirectory(tmp.resolve("secrets"));
        try (LocalPostgres pg = LocalPostgres.start(data, 0, true, secrets)) {
            assertFalse(pg.acceptsWithoutPassword("postgres", "legacy_service"));
            assertEquals(LocalPostgres.HBA, Files.readString(data.resolve("pg_hba.conf")));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.file(LocalPostgres.SUPERUSER_SECRET))));

            // the service's own role takes the superuser's database over, everything in it included
            String password = secrets.password("postgres-legacy_service");
            pg.ensureRole("legacy_service", password, EnumSet.of(ServiceAccount.RoleOption.REPLICATION));
            pg.createDatabase("legacy_service", "legacy_service");
            try (Connection c = pg.connect("legacy_service", "legacy_service", password); Statement s = c.createStatement()) {
                s.execute("INSERT INTO thing (name) VALUES ('new')");
                s.execute("SELECT nextval('standalone_seq')");
                s.execute("ALTER PUBLICATION legacy_pub SET TABLE thing"); // owner only
                try (ResultSet rs = s.executeQuery("SELECT string_agg(name, ',' ORDER BY id) FROM thing")) {
                    rs.next();
                    assertEquals("kept,new", rs.getString(1));
                }
            }
        }
        // and a second start finds everything as it left it
        try (LocalPostgres pg = LocalPostgres.start(data, 0, true, secrets); Connection c = pg.connect("legacy_service");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM thing")) {
            rs.next();
            assertEquals(2, rs.getInt(1));
        }
    }

    /** Tracking databases made by the superuser in older data: instance-service's role may re-key and drop them afterwards. */
    @Test
    void trackingDatabasesMadeByTheSuperuserAreHandedToTheInstanceServiceRole() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String admin = LocalPostgres.uniqueDatabaseName("instance_service");
        String adminPassword = LocalSecrets.generatePassword();
        pg.ensureRole(admin, adminPassword, ServiceAccount.of("instance-service").orElseThrow().roleOptions());
        pg.createDatabase(admin, admin);
        String tracking = LocalPostgres.uniqueDatabaseName("mlflow_legacy");
        try (Connection c = pg.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + tracking + " LOGIN PASSWORD 'derived-from-a-public-secret'");
            s.execute("CREATE DATABASE " + tracking + " OWNER " + tracking);
        }
        try (Connection c = pg.connect(admin, admin, adminPassword)) {
            assertThrows(SQLException.class, () -> LocalPostgres.setPassword(c, tracking, "new"), "not its role yet");
        }

        LocalInfraMain.adoptTrackingDatabases(pg, admin);

        String fresh = LocalSecrets.generatePassword();
        try (Connection c = pg.connect(admin, admin, adminPassword)) {
            LocalPostgres.setPassword(c, tracking, fresh);
        }
        try (Connection c = pg.connect(tracking, tracking, fresh)) {
            assertTrue(c.isValid(2));
        }
        assertThrows(SQLException.class, () -> pg.connect(tracking, tracking, "derived-from-a-public-secret"), "re-keyed");
        try (Connection c = pg.connect(admin, admin, adminPassword); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE " + tracking + " WITH (FORCE)");
            s.execute("DROP ROLE " + tracking);
        }
    }

    private static Properties props(String user) {
        Properties p = new Properties();
        p.setProperty("user", user);
        return p;
    }
}
