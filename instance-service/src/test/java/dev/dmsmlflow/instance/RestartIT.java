package dev.dmsmlflow.instance;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.infra.LocalSecrets;
import dev.dmsmlflow.infra.ServiceAccount;
import dev.dmsmlflow.infra.ServiceKeys;
import dev.dmsmlflow.instance.provider.database.TrackingDatabases;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.instance.support.Probes;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged instance-service (target/quarkus-app) as a real process, killed with SIGKILL in the middle of
 * deploying an instance and started again: the saga finishes, with a single tracking server and no secret in
 * any log. It runs as under {@code ./dms up}: its own database role and Kafka principal, their passwords in its
 * environment, which its tracking servers never see.
 */
class RestartIT {

    static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    static final Path DIR = Path.of("target/restart-it-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();

    private final List<Process> services = new ArrayList<>();
    private String dbPassword;
    private String trackingPassword;
    private String validationUrl;
    private int managementPort;

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : services) {
            p.destroyForcibly().waitFor();
        }
        // tracking servers outlive a killed service by design; remove those this test left
        String home = "-Ddms.compute.home=" + DIR.resolve("work");
        ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(home)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void aServiceKilledMidDeployFinishesTheSagaAfterARestart() throws Exception {
        assertTrue(Files.isRegularFile(APP), "package the service first");
        validationUrl = new NetworkServiceStandIn().start().get("dms.network.validation-url");
        Files.createDirectories(DIR);
        String db = LocalPostgres.uniqueDatabaseName("instance_restart");
        dbPassword = LocalSecrets.generatePassword();
        LocalPostgres.shared().ensureRole(db, dbPassword, ServiceAccount.of(TopicAccess.INSTANCE_SERVICE).orElseThrow().roleOptions());
        LocalPostgres.shared().createDatabase(db, db);
        int port = freePort();
        managementPort = freePort();
        String group = TopicAccess.INSTANCE_SERVICE + "-restart-it-" + UUID.randomUUID(); // the service may use groups named after it

        try (Bus bus = new Bus()) {
            Process first = startService(db, port, group, 1);
            String base = "http://127.0.0.1:" + port;
            String ws = InstanceApiTest.workspace();
            String id = InstanceApiTest.as(ws).contentType(ContentType.JSON).body(InstanceApiTest.validBody(ws)).post(base + "/instances")
                    .then().statusCode(201).extract().path("id");
            bus.await("InstanceRequested", Bus.forInstance(id), InstanceSagaIT.EVENT);
            bus.publish(InstanceSagaIT.networkProvisioned(id, ws));

            // the deploy step has begun (database created, tracking server starting): kill -9 the service
            String database = TrackingDatabases.databaseName(id);
            Eventually.until(() -> Probes.databaseExists(database), InstanceSagaIT.DEPLOY, "the deploy step to start");
            first.destroyForcibly().waitFor();
            assertTrue(bus.all("InstanceDeployed", Bus.forInstance(id)).isEmpty(), "killed before it deployed");

            startService(db, port, group, 2);
            Bus.Received deployed = bus.await("InstanceDeployed", Bus.forInstance(id), InstanceSagaIT.DEPLOY);
            Backend backend = new Backend(deployed.payload().path("backend").path("host").asText(),
                    deployed.payload().path("backend").path("port").asInt());
            bus.publish(new BackendRegistered(id, ws, "alb-restart", null, backend, Instant.now()));
            Eventually.until(() -> "RUNNING".equals(InstanceApiTest.as(ws).get(base + "/instances/" + id).then().extract().path("status")),
                    InstanceSagaIT.EVENT, "RUNNING after the restart");
            given().get("http://" + backend.host() + ":" + backend.port() + "/health").then().statusCode(200);
            assertTrue(bus.all("InstanceDeployed", Bus.forInstance(id)).size() == 1);
            long trackingPid = trackingServerPid(id); // exactly one tracking server for the instance

            // `ps eww` of the tracking server: its own database login and the basics, none of the service's secrets
            Map<String, String> env = Probes.environment(trackingPid);
            Map<String, String> serviceEnv = Probes.environment(services.get(services.size() - 1).pid());
            assertTrue(serviceEnv.containsKey("DMS_DB_PASSWORD") && serviceEnv.containsKey("DMS_KAFKA_PASSWORD"), "the parent has them");
            assertTrue(Set.of("PATH", "JAVA_HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "DMS_TRACKING_DB_URL", "DMS_TRACKING_DB_USER",
                    "DMS_TRACKING_DB_PASSWORD").containsAll(env.keySet()), "the tracking server's environment: " + env.keySet());
            String kafkaPassword = LocalKafka.shared().password(TopicAccess.INSTANCE_SERVICE);
            for (String secret : List.of(dbPassword, kafkaPassword)) {
                assertFalse(env.values().stream().anyMatch(v -> v.contains(secret)), "a service secret reached the tracking server");
            }
            assertEquals(database, env.get("DMS_TRACKING_DB_USER"));
            trackingPassword = env.get("DMS_TRACKING_DB_PASSWORD");

            // service and tracking server both die; on startup the service restarts the RUNNING instance's server on its port
            services.get(services.size() - 1).destroyForcibly().waitFor();
            long serverPid = trackingServerPid(id);
            ProcessHandle.of(serverPid).orElseThrow().destroyForcibly();
            Eventually.until(() -> !Probes.healthy(backend.host(), backend.port()), InstanceSagaIT.EVENT, "the server to die");
            startService(db, port, group, 3);
            Eventually.until(() -> Probes.healthy(backend.host(), backend.port()), InstanceSagaIT.DEPLOY, "reconcile to restart the server");
            assertTrue(trackingServerPid(id) != serverPid);
            assertTrue("RUNNING".equals(InstanceApiTest.as(ws).get(base + "/instances/" + id).then().extract().path("status")));

            InstanceApiTest.as(ws).contentType(ContentType.JSON).post(base + "/instances/" + id + "/release").then().statusCode(202);
            bus.publish(new NetworkReleased(id, ws, "alb-restart", Instant.now()));
            Eventually.until(() -> "RELEASED".equals(InstanceApiTest.as(ws).get(base + "/instances/" + id).then().extract().path("status")),
                    InstanceSagaIT.EVENT, "RELEASED");
            assertFalse(Probes.databaseExists(database));

            String masterKey = Files.readString(DIR.resolve("secrets").resolve("tracking-db-master-key")).trim();
            try (Stream<Path> logs = Files.walk(DIR)) {
                for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
                    String text = Files.readString(log);
                    for (String secret : List.of(trackingPassword, dbPassword, LocalKafka.shared().password(TopicAccess.INSTANCE_SERVICE), masterKey)) {
                        assertFalse(text.contains(secret), "a secret leaked into " + log);
                    }
                }
            }
        }
    }

    /** The pid of the instance's tracking server, from the process table. */
    private static long trackingServerPid(String id) {
        List<Long> pids = ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains("-Ddms.instance.id=" + id)).orElse(false))
                .map(ProcessHandle::pid).toList();
        assertEquals(1, pids.size(), "tracking servers of " + id + ": " + pids);
        return pids.get(0);
    }

    private Process startService(String db, int port, String group, int n) throws IOException {
        LocalPostgres pg = LocalPostgres.shared();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port,
                "-Ddms.relay.slot-name=" + db,
                "-Dmp.messaging.incoming.network-events.group.id=" + group,
                "-Ddms.network.validation-url=" + validationUrl,
                "-Ddms.compute.local.tracking-server-jar=" + System.getProperty("dms.compute.local.tracking-server-jar"),
                "-Ddms.compute.local.work-dir=" + DIR.resolve("work"),
                "-Ddms.compute.local.jvm-options=-XX:TieredStopAtLevel=1",
                "-Ddms.saga.poll-interval=200ms",
                "-jar", APP.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(DIR.resolve("service-" + n + ".log").toFile());
        pb.environment().put("DMS_DB_URL", pg.jdbcUrl(db));
        pb.environment().put("DMS_DB_USER", db);
        pb.environment().put("DMS_DB_PASSWORD", dbPassword);
        pb.environment().put("DMS_KAFKA_BOOTSTRAP", LocalKafka.shared().bootstrapServers());
        pb.environment().put("DMS_KAFKA_USER", TopicAccess.INSTANCE_SERVICE);
        pb.environment().put("DMS_KAFKA_PASSWORD", LocalKafka.shared().password(TopicAccess.INSTANCE_SERVICE));
        pb.environment().put("DMS_SECRETS_MASTER_KEY_FILE", DIR.resolve("secrets").resolve("tracking-db-master-key").toString());
        pb.environment().put("DMS_MANAGEMENT_PORT", String.valueOf(managementPort));
        pb.environment().put("DMS_GATEWAY_PUBLIC_KEY_FILE", ServiceKeys.forTests().publicKeyFile().toString());
        Process p = pb.start();
        services.add(p);
        Eventually.until(() -> {
            assertTrue(p.isAlive(), "instance-service exited; see " + DIR.resolve("service-" + n + ".log"));
            try {
                return given().get("http://127.0.0.1:" + managementPort + "/q/health/ready").statusCode() == 200;
            } catch (Exception e) { // not listening yet
                return false;
            }
        }, Duration.ofSeconds(180), "instance-service to be ready");
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
