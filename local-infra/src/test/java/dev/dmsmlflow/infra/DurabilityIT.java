package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PostgreSQL that `./dms up` runs is crash-safe; the tests' throw-away server says it is not. */
class DurabilityIT {

    @Test
    void theServerDmsUpStartsRunsWithFsyncFullPageWritesAndSynchronousCommitOn(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // the same main class and options as `./dms up` (start_infra), PostgreSQL only
        Process infra = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LocalInfraMain.class.getName(),
                "--dir", dir.toString(), "--pg-port", Integer.toString(port), "--no-kafka", "true", "--services", "instance-service")
                .redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(infra.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null && !line.startsWith("READY"); line = out.readLine()) {
                    output.add(line);
                }
                assertTrue(infra.isAlive(), () -> "LocalInfraMain exited: " + String.join("\n", output));

                // the service's own role, with the password LocalInfraMain generated and kept for ./dms up
                String password = Files.readString(dir.resolve("secrets").resolve("postgres-instance_service")).trim();
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/instance_service",
                        "instance_service", password)) {
                    assertEquals("on", show(c, "fsync"));
                    assertEquals("on", show(c, "full_page_writes"));
                    assertEquals("on", show(c, "synchronous_commit"));
                }
                // it says so at start, from what the server reported
                assertTrue(output.stream().anyMatch(l -> l.startsWith("postgres") && l.contains("durable (fsync=on, full_page_writes=on, synchronous_commit=on)")),
                        () -> String.join("\n", output));
            }
        } finally {
            infra.destroy();
            assertTrue(infra.waitFor(60, TimeUnit.SECONDS), "LocalInfraMain stops on SIGTERM");
        }
    }

    @Test
    void theTestsThrowAwayServerSaysItIsThrowAway() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        LocalPostgres.Durability d = pg.durability();
        assertFalse(d.durable());
        assertEquals("off", d.fsync());
        assertTrue(d.toString().startsWith("throw-away"), d.toString());
        try (Connection c = pg.connect("postgres")) {
            assertEquals("off", show(c, "fsync"));
        }
    }

    private static String show(Connection c, String setting) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
