package dev.dmsmlflow.instance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.instance.provider.compute.local.LocalCompute;
import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.instance.support.Probes;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17 with real tracking servers, PostgreSQL and Kafka (the test plays network-service on the broker): a resize
 * rolls a server of the new spec out beside the serving one and keeps every experiment and run, metering switches spec
 * at the moment the load balancer switches, a new server that cannot start leaves the instance as it was; and a create
 * released while CREATING (before the network exists, while the database is made, while the server starts, before the
 * load balancer registered it) ends RELEASED with no process, database, role or port left, late network events ignored.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class ResizeAndCancelIT {

    static final Duration EVENT = Duration.ofSeconds(60);
    static final Duration DEPLOY = Duration.ofSeconds(180);
    static final String SECRET = "the-resize-tests-load-balancer-secret";
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static Bus bus;

    @Inject
    LocalCompute localCompute;
    @Inject
    AgroalDataSource serviceDb;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    // ---------------------------------------------------------------- resize

    @Test
    void aResizeStartsTheNewServerBesideTheServingOneKeepsEveryRunAndMetersTheNewSpecFromTheSwitchOn() throws Exception {
        String ws = InstanceApiTest.workspace();
        Running r = createRunning(ws);
        String tracking = "http://127.0.0.1:" + r.port + "/api/2.0/mlflow";
        Logged logged = logRun(tracking);
        long oldPid = pidOn(r.id, r.port);
        assertEquals("1", jvmOption(oldPid, "-XX:ActiveProcessorCount="), "mlflow.small: 1 CPU");

        Instant asked = Instant.now();
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.medium")).patch("/instances/" + r.id).then()
                .statusCode(200).body("status", equalTo("UPDATING")).body("spec", equalTo("mlflow.small"))
                .body("pendingSpec", equalTo("mlflow.medium"));

        // the new server starts on another port while the old one keeps serving
        Bus.Received second = bus.await("InstanceDeployed", d -> Bus.forInstance(r.id).test(d)
                && d.payload().path("backend").path("port").asInt() != r.port, DEPLOY);
        int newPort = second.payload().path("backend").path("port").asInt();
        assertEquals(r.database, second.payload().path("trackingDatabase").asText(), "the same database");
        long newPid = pidOn(r.id, newPort);
        assertEquals("2", jvmOption(newPid, "-XX:ActiveProcessorCount="), "mlflow.medium: 2 CPUs");
        assertEquals("3072m", jvmOption(newPid, "-Xmx"), "mlflow.medium: 4 GiB");
        assertTrue(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false), "the old server still runs");
        assertRunLogged(tracking, logged); // through the old one, still the load balancer's backend
        assertRunLogged("http://127.0.0.1:" + newPort + "/api/2.0/mlflow", logged);
        InstanceApiTest.as(ws).get("/instances/" + r.id).then().body("status", equalTo("UPDATING"))
                .body("spec", equalTo("mlflow.small")).body("pendingSpec", equalTo("mlflow.medium"));

        // the load balancer forwards to the new server: the new spec is in effect, the old server goes
        bus.publish(new BackendRegistered(r.id, ws, "alb-1", "sgp-1", new Backend("127.0.0.1", newPort), Instant.now()));
        InstanceSagaIT.awaitStatus(ws, r.id, "RUNNING", EVENT);
        Instant runningAgain = Instant.now();
        InstanceApiTest.as(ws).get("/instances/" + r.id).then().body("spec", equalTo("mlflow.medium"))
                .body("$", not(hasKey("pendingSpec"))).body("$", not(hasKey("statusReason")))
                .body("vpcAddress", equalTo("http://127.0.0.1:18080"));
        Eventually.until(() -> !ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false), EVENT, "the old server to stop");
        assertFalse(Probes.listening("127.0.0.1", r.port), "the old server's port is closed");
        assertEquals(List.of(newPid), pids(r.id), "one tracking server: the new one");
        assertRunLogged("http://127.0.0.1:" + newPort + "/api/2.0/mlflow", logged);
        Bus.Received updated = bus.await("InstanceUpdated", u -> Bus.forInstance(r.id).test(u) && u.payload().has("spec"), EVENT);
        assertEquals("mlflow.medium", updated.payload().path("spec").asText());
        assertStatuses(r.id, List.of("CREATING", "RUNNING", "UPDATING", "RUNNING"));

        // released: the final window is metered at the new spec
        releaseCompletely(ws, r.id);
        JsonPath usage = InstanceApiTest.as(ws).queryParam("pageSize", 100).get("/instances/" + r.id + "/usage").then()
                .statusCode(200).extract().jsonPath();
        List<Map<String, Object>> windows = usage.getList("items");
        Instant switchedAt = null;
        for (int k = 0; k < windows.size(); k++) {
            String spec = (String) windows.get(k).get("spec");
            Instant start = Instant.parse((String) windows.get(k).get("windowStart"));
            if (k > 0) {
                assertEquals(windows.get(k - 1).get("windowEnd"), windows.get(k).get("windowStart"), "windows follow each other: " + windows);
            }
            if ("mlflow.medium".equals(spec) && switchedAt == null) {
                switchedAt = start;
            }
            assertEquals(switchedAt == null ? "mlflow.small" : "mlflow.medium", spec, "window " + k + " of " + windows);
        }
        assertTrue(switchedAt != null && !windows.get(0).get("spec").equals("mlflow.medium"), "both specs metered: " + windows);
        assertTrue(switchedAt.isAfter(asked) && switchedAt.isBefore(runningAgain),
                "the spec switched when the load balancer did (" + switchedAt + "), between " + asked + " and " + runningAgain);
        // billing receives the same readings, each at its spec
        for (Map<String, Object> w : windows) {
            Bus.Received metered = bus.await("UsageMetered", m -> m.id().equals(w.get("meterId")), EVENT);
            assertEquals(w.get("spec"), metered.payload().path("spec").asText());
        }
        assertNothingLeft(r.id, r.database, r.port, newPort);
    }

    @Test
    void aNewServerThatCannotStartLeavesTheInstanceRunningOnItsOldSpecWithTheReason() throws Exception {
        String ws = InstanceApiTest.workspace();
        Running r = createRunning(ws);
        String tracking = "http://127.0.0.1:" + r.port + "/api/2.0/mlflow";
        Logged logged = logRun(tracking);
        long pid = pidOn(r.id, r.port);
        // the fault: the instance's recorded tracking-server version is a file that is no jar, so any new server of it
        // exits at once (the serving one started before and is not touched)
        Path broken = Path.of(ConfigProvider.getConfig().getValue("dms.compute.local.versions.broken", String.class));
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "this is not a jar", StandardCharsets.UTF_8);
        setTrackingVersion(r.id, "broken");

        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.large")).patch("/instances/" + r.id).then()
                .statusCode(200).body("status", equalTo("UPDATING")).body("pendingSpec", equalTo("mlflow.large"));
        InstanceSagaIT.awaitStatus(ws, r.id, "RUNNING", DEPLOY);
        InstanceApiTest.as(ws).get("/instances/" + r.id).then().body("spec", equalTo("mlflow.small"))
                .body("$", not(hasKey("pendingSpec"))).body("statusReason.code", equalTo("RESIZE_FAILED"))
                .body("statusReason.message", containsString("mlflow.large"))
                .body("statusReason.message", containsString("keeps running with spec mlflow.small"));
        assertEquals(List.of(pid), pids(r.id), "the serving server was never touched, and no other is left");
        assertRunLogged(tracking, logged);
        assertEquals(1, bus.all("InstanceDeployed", Bus.forInstance(r.id)).size(), "no new backend was announced");
        Bus.Received back = bus.await("InstanceStatusChanged", c -> Bus.forInstance(r.id).test(c)
                && "UPDATING".equals(c.payload().path("previousStatus").asText()), EVENT);
        assertEquals("RUNNING", back.payload().path("status").asText());
        assertEquals("RESIZE_FAILED", back.payload().path("reasonCode").asText());
        assertTrue(bus.all("InstanceUpdated", u -> Bus.forInstance(r.id).test(u) && u.payload().has("spec")).isEmpty(),
                "a spec that never took effect is not announced");

        setTrackingVersion(r.id, null);
        releaseCompletely(ws, r.id);
        JsonPath usage = InstanceApiTest.as(ws).queryParam("pageSize", 100).get("/instances/" + r.id + "/usage").then()
                .statusCode(200).extract().jsonPath();
        assertFalse(usage.getList("items").isEmpty());
        usage.getList("items.spec").forEach(s -> assertEquals("mlflow.small", s, "metered at the spec it kept"));
        assertNothingLeft(r.id, r.database, r.port);
    }

    // ---------------------------------------------------------------- release while CREATING

    @Test
    void aCreateReleasedBeforeTheNetworkExistsEndsReleasedAndLateNetworkEventsBuildNothing() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = InstanceSagaIT.create(InstanceApiTest.validBody(ws));
        bus.await("InstanceRequested", Bus.forInstance(id), EVENT);
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then()
                .statusCode(202).body("status", equalTo("RELEASING"));
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);

        // network-service handles the instance's events in order: it provisions (InstanceRequested), then releases
        bus.publish(InstanceSagaIT.networkProvisioned(id, ws));
        bus.publish(new NetworkReleased(id, ws, "alb-" + id.substring(0, 8), Instant.now()));
        InstanceSagaIT.awaitStatus(ws, id, "RELEASED", EVENT);
        // a copy of NetworkProvisioned under a new id arrives even later: handled, and it resurrects nothing
        String late = bus.publish(InstanceSagaIT.networkProvisioned(id, ws));
        Eventually.until(() -> handled(late), EVENT, "the late NetworkProvisioned to be handled");
        assertEquals("RELEASED", InstanceSagaIT.status(ws, id));
        assertTrue(bus.all("InstanceDeployed", Bus.forInstance(id)).isEmpty(), "nothing was deployed");
        assertNothingLeft(id, "mlflow_" + id.replace("-", ""));
        assertStatuses(id, List.of("CREATING", "RELEASING", "RELEASED"));
        assertTrue(bus.all("InstanceFailed", Bus.forInstance(id)).isEmpty(), "a cancelled create is no failure");
    }

    @Test
    void aCreateReleasedWhileItsDatabaseIsMadeStartsNoServerAndDropsTheDatabase() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = InstanceSagaIT.create(InstanceApiTest.validBody(ws));
        String database = "mlflow_" + id.replace("-", "");
        var config = ConfigProvider.getConfig();
        try (Connection hold = java.sql.DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class), config.getValue("quarkus.datasource.password", String.class))) {
            // the deploy step first stores the database's sealed password: an uncommitted row of that name holds it there
            // (and only this instance's deploy: other sessions never touch that key)
            hold.setAutoCommit(false);
            try (PreparedStatement ps = hold.prepareStatement("INSERT INTO tracking_db_credential (database, sealed, created_at, rotated_at)"
                    + " VALUES (?, 'held by the test', now(), now())")) {
                ps.setString(1, database);
                ps.executeUpdate();
            }
            int holder;
            try (Statement st = hold.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                holder = rs.getInt(1);
            }
            bus.publish(InstanceSagaIT.networkProvisioned(id, ws));
            Eventually.until(() -> blockedBy(holder), EVENT, "the deploy step to wait on the tracking database's credential");
            InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then()
                    .statusCode(202).body("status", equalTo("RELEASING"));
            hold.rollback(); // the deploy step goes on: it makes role and database, then sees the release and starts no server
        }
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
        bus.publish(new NetworkReleased(id, ws, "alb-" + id.substring(0, 8), Instant.now()));
        InstanceSagaIT.awaitStatus(ws, id, "RELEASED", DEPLOY);
        assertTrue(bus.all("InstanceDeployed", Bus.forInstance(id)).isEmpty(), "no server was announced");
        assertNothingLeft(id, database);
    }

    @Test
    void aCreateReleasedWhileItsServerStartsStopsThatServerAndDropsTheDatabase() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = InstanceSagaIT.create(InstanceApiTest.validBody(ws));
        String database = "mlflow_" + id.replace("-", "");
        bus.publish(InstanceSagaIT.networkProvisioned(id, ws));
        // the process exists, and takes seconds to answer its health check: release now
        Eventually.until(() -> !pids(id).isEmpty(), DEPLOY, "the tracking server's process to start");
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then()
                .statusCode(202).body("status", equalTo("RELEASING"));
        assertTrue(Probes.databaseExists(database), "the deploy had made the database");
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
        bus.publish(new NetworkReleased(id, ws, "alb-" + id.substring(0, 8), Instant.now()));
        InstanceSagaIT.awaitStatus(ws, id, "RELEASED", DEPLOY);
        assertTrue(bus.all("InstanceDeployed", Bus.forInstance(id)).isEmpty(),
                "the release came before the server answered (else this tested a later point)");
        assertNothingLeft(id, database);
    }

    @Test
    void aCreateReleasedBeforeTheLoadBalancerRegisteredItsServerStopsItAndALateRegistrationIsIgnored() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = InstanceSagaIT.create(InstanceApiTest.validBody(ws));
        bus.publish(InstanceSagaIT.networkProvisioned(id, ws));
        Bus.Received deployed = bus.await("InstanceDeployed", Bus.forInstance(id), DEPLOY);
        int port = deployed.payload().path("backend").path("port").asInt();
        String database = deployed.payload().path("trackingDatabase").asText();
        assertEquals("CREATING", InstanceSagaIT.status(ws, id));

        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then()
                .statusCode(202).body("status", equalTo("RELEASING"));
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
        // network-service registered the backend before it saw the release, then released the load balancer
        String late = bus.publish(new BackendRegistered(id, ws, "alb-1", "sgp-1", new Backend("127.0.0.1", port), Instant.now()));
        Eventually.until(() -> handled(late), EVENT, "the late BackendRegistered to be handled");
        assertEquals("RELEASING", InstanceSagaIT.status(ws, id), "a late registration does not make it RUNNING");
        bus.publish(new NetworkReleased(id, ws, "alb-1", Instant.now()));
        InstanceSagaIT.awaitStatus(ws, id, "RELEASED", DEPLOY);
        assertTrue(bus.all("InstanceRunning", Bus.forInstance(id)).isEmpty(), "never RUNNING");
        assertNothingLeft(id, database, port);
        assertStatuses(id, List.of("CREATING", "RELEASING", "RELEASED"));
    }

    // ---------------------------------------------------------------- helpers

    record Running(String id, int port, String database) {
    }

    record Logged(String experimentId, String runId) {
    }

    /** A new instance of {@code ws}, driven to RUNNING as network-service would (with a backend secret). */
    private Running createRunning(String ws) {
        String id = InstanceSagaIT.create(InstanceApiTest.validBody(ws));
        NetworkProvisioned base = InstanceSagaIT.networkProvisioned(id, ws);
        bus.publish(new NetworkProvisioned(id, ws, base.vpcAddress(), base.vpcPort(), base.loadBalancerId(), base.listenerId(),
                base.aclId(), base.serverGroupId(), base.zoneIds(), base.provisionedAt(), InstanceSagaIT.sha256(SECRET)));
        Bus.Received deployed = bus.await("InstanceDeployed", Bus.forInstance(id), DEPLOY);
        int port = deployed.payload().path("backend").path("port").asInt();
        bus.publish(new BackendRegistered(id, ws, base.loadBalancerId(), "sgp-1", new Backend("127.0.0.1", port), Instant.now()));
        InstanceSagaIT.awaitStatus(ws, id, "RUNNING", EVENT);
        return new Running(id, port, deployed.payload().path("trackingDatabase").asText());
    }

    private static io.restassured.specification.RequestSpecification lb() {
        return given().header("X-Dms-Backend-Auth", SECRET).contentType(ContentType.JSON);
    }

    /** An experiment with a run: a parameter, two values of a metric, a tag. */
    private static Logged logRun(String tracking) {
        String experimentId = lb().body(Map.of("name", "resize-" + UUID.randomUUID())).post(tracking + "/experiments/create")
                .then().statusCode(200).extract().path("experiment_id");
        String runId = lb().body(Map.of("experiment_id", experimentId, "start_time", System.currentTimeMillis()))
                .post(tracking + "/runs/create").then().statusCode(200).extract().path("run.info.run_id");
        lb().body(Map.of("run_id", runId, "key", "alpha", "value", "0.5")).post(tracking + "/runs/log-parameter").then().statusCode(200);
        for (int step = 0; step < 2; step++) {
            lb().body(Map.of("run_id", runId, "key", "rmse", "value", 0.5 / (step + 1), "timestamp", System.currentTimeMillis(), "step", step))
                    .post(tracking + "/runs/log-metric").then().statusCode(200);
        }
        lb().body(Map.of("run_id", runId, "key", "team", "value", "resize")).post(tracking + "/runs/set-tag").then().statusCode(200);
        return new Logged(experimentId, runId);
    }

    private static void assertRunLogged(String tracking, Logged logged) {
        JsonNode run;
        try {
            run = JSON.readTree(lb().queryParam("run_id", logged.runId()).get(tracking + "/runs/get").then().statusCode(200)
                    .extract().asString()).path("run");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(logged.experimentId(), run.path("info").path("experiment_id").asText(), run.toString());
        assertEquals("0.5", run.path("data").path("params").path(0).path("value").asText(), run.toString());
        assertEquals(0.25, run.path("data").path("metrics").path(0).path("value").asDouble(), run.toString());
        assertTrue(run.path("data").path("tags").toString().contains("resize"), run.toString());
        lb().queryParam("run_id", logged.runId()).queryParam("metric_key", "rmse").get(tracking + "/metrics/get-history")
                .then().statusCode(200).body("metrics.size()", equalTo(2));
    }

    /** Live tracking-server processes of the instance (by the marker on their command line), oldest first. */
    private static List<Long> pids(String id) {
        String marker = "-Ddms.instance.id=" + id;
        return ProcessHandle.allProcesses()
                .filter(h -> h.isAlive() && h.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
                .map(ProcessHandle::pid).sorted().toList();
    }

    /** The instance's tracking server listening on {@code port}. */
    private static long pidOn(String id, int port) {
        List<Long> on = pids(id).stream().filter(p -> String.valueOf(port).equals(jvmOption(p, "-Dquarkus.http.port="))).toList();
        assertEquals(1, on.size(), "servers of " + id + " on " + port + ": " + on + " of " + pids(id));
        return on.get(0);
    }

    private static String jvmOption(long pid, String prefix) {
        String[] args = ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow();
        for (String a : args) {
            if (a.startsWith(prefix)) {
                return a.substring(prefix.length());
            }
        }
        throw new AssertionError("no " + prefix + " on the command line of " + pid + ": " + List.of(args));
    }

    /** No process, no listening port, no database, role or sealed credential, no state file of the instance. */
    private void assertNothingLeft(String id, String database, int... ports) throws Exception {
        assertTrue(pids(id).isEmpty(), "tracking servers left: " + pids(id));
        for (int port : ports) {
            assertFalse(Probes.listening("127.0.0.1", port), "port " + port + " still listens");
        }
        assertFalse(Probes.databaseExists(database), "database " + database + " left");
        try (Connection c = LocalPostgres.shared().connect("postgres");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1), "role " + database + " left");
            }
        }
        try (Connection c = serviceDb.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM tracking_db_credential WHERE database = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1), "credential of " + database + " left");
            }
        }
        Path dir = localCompute.instanceDirectory(id);
        assertFalse(Files.exists(dir.resolve("server.properties")) || Files.exists(dir.resolve("successor.properties")),
                "state files left in " + dir);
    }

    /** Whether instance-service's consumer handled (and recorded) the event with that id. */
    private boolean handled(String eventId) {
        try (Connection c = serviceDb.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM inbox_event WHERE event_id = ?")) {
            ps.setString(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether some session waits for a lock that the session with backend pid {@code holder} holds. */
    private static boolean blockedBy(int holder) {
        try (Connection c = LocalPostgres.shared().connect("postgres");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))")) {
            ps.setInt(1, holder);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void setTrackingVersion(String id, String version) throws Exception {
        try (Connection c = serviceDb.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE instance SET tracking_version = ?, version = version + 1 WHERE id = ?")) {
            ps.setString(1, version);
            ps.setString(2, id);
            assertEquals(1, ps.executeUpdate());
        }
    }

    /** Every InstanceStatusChanged of the instance, in order, is {@code expected}, each from the status before it. */
    private static void assertStatuses(String id, List<String> expected) {
        Eventually.until(() -> bus.all("InstanceStatusChanged", Bus.forInstance(id)).size() >= expected.size(), EVENT, "the status changes");
        List<Bus.Received> changes = bus.all("InstanceStatusChanged", Bus.forInstance(id));
        assertEquals(expected, changes.stream().map(c -> c.payload().path("status").asText()).toList());
        for (int k = 1; k < changes.size(); k++) {
            assertEquals(expected.get(k - 1), changes.get(k).payload().path("previousStatus").asText());
        }
    }

    private static void releaseCompletely(String ws, String id) {
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(202);
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
        bus.publish(new NetworkReleased(id, ws, null, Instant.now()));
        InstanceSagaIT.awaitStatus(ws, id, "RELEASED", EVENT);
    }
}
