package dev.dmsmlflow.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.notebook.application.Metering;
import dev.dmsmlflow.notebook.application.MeteringJob;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.notebook.provider.runtime.local.LocalRuntime;
import dev.dmsmlflow.notebook.support.Eventually;
import dev.dmsmlflow.notebook.support.InstanceBus;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.platform.testing.ServiceTokens.editorOf;
import static dev.dmsmlflow.platform.testing.ServiceTokens.viewerOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions with real runtimes: uv-made Python environments (cached under ~/.cache/dms-mlflow), a real JupyterLab per
 * session, code run through the kernel protocol, storage across restarts, the tracking URI following instance events,
 * idle release from the server's activity, usage windows and the events, against real PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "notebook"))
class SessionRuntimeIT {

    private static final String IMAGE = "Python3.11:1.1.0-slim";
    private static final Duration FIRST_START = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    LocalRuntime runtime;
    @Inject
    dev.dmsmlflow.notebook.NotebookConfig config;
    @Inject
    MeteringJob meteringJob;
    @Inject
    AgroalDataSource dataSource;

    private static String ws() {
        return "ws-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String create(String ws, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "s_" + UUID.randomUUID().toString().substring(0, 8));
        body.put("image", IMAGE);
        body.put("spec", "1C4G");
        body.putAll(extra);
        return editorOf(ws).contentType("application/json").body(body).post("/sessions").then().statusCode(201).extract().path("id");
    }

    private static JsonPath awaitStatus(String ws, String id, String status, Duration timeout) {
        List<String> seen = new ArrayList<>();
        Eventually.await(() -> {
            JsonPath j = editorOf(ws).get("/sessions/" + id).then().statusCode(200).extract().jsonPath();
            String p = j.getString("progress.phase");
            if (p != null && !seen.contains(p)) {
                seen.add(p);
            }
            return status.equals(j.getString("status"));
        }, timeout, () -> editorOf(ws).get("/sessions/" + id).asString() + " progress seen " + seen);
        return editorOf(ws).get("/sessions/" + id).then().extract().jsonPath();
    }

    private static void start(String ws, String id) {
        editorOf(ws).post("/sessions/" + id + "/start").then().statusCode(202).body("status", equalTo("STARTING"));
    }

    private static JsonPath exec(String ws, String id, String code, Integer timeoutSeconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        if (timeoutSeconds != null) {
            body.put("timeoutSeconds", timeoutSeconds);
        }
        String eid = editorOf(ws).contentType("application/json").body(body).post("/sessions/" + id + "/executions").then()
                .statusCode(202).body("status", equalTo("QUEUED")).extract().path("id");
        Eventually.await(() -> !List.of("QUEUED", "RUNNING").contains(
                        editorOf(ws).get("/sessions/" + id + "/executions/" + eid).then().extract().path("status")),
                Duration.ofSeconds(120), () -> editorOf(ws).get("/sessions/" + id + "/executions/" + eid).asString());
        return editorOf(ws).get("/sessions/" + id + "/executions/" + eid).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aSessionRunsCodeWithItsPackagesAndVariablesAndOnlyPersistentDataSurvivesARestart() throws Exception {
        String ws = ws();
        String bucket = "nb-" + ws;
        String persistent = create(ws, Map.of("spec", "2C8G", "pypiPackages", "six==1.17.0",
                "environmentVariables", "GREETING=hello from env;API_TOKEN=sk-secret-abcdef123456", "dataStorage", "oss://" + bucket + "/work"));
        String temporary = create(ws, Map.of());
        start(ws, persistent);
        start(ws, temporary);
        JsonPath p = awaitStatus(ws, persistent, "RUNNING", FIRST_START);
        JsonPath t = awaitStatus(ws, temporary, "RUNNING", FIRST_START);
        assertTrue(p.getString("runtime.python").startsWith("3.11."), p.prettify());
        assertNotNull(p.getString("runtime.limits"));
        assertNotNull(p.getString("runningSince"));
        String address = p.getString("address");

        // packages, variables, stdout, stderr, result; connections into the VPC leave from the session's address
        JsonPath r = exec(ws, persistent, String.join("\n",
                "import os, sys, socket, six",
                "print(six.__version__)",
                "print(os.environ['GREETING'])",
                "open('kept.txt', 'w').write('kept')",
                "print('to stderr', file=sys.stderr)",
                "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)",
                "c = socket.create_connection(srv.getsockname()); conn, peer = srv.accept(); print('peer', peer[0])",
                "40 + 2"), null);
        assertEquals("SUCCEEDED", r.getString("status"), r.prettify());
        assertTrue(r.getString("stdout").contains("1.17.0\nhello from env\n"), r.prettify());
        assertTrue(r.getString("stdout").contains("peer " + address + "\n"), r.prettify());
        assertTrue(r.getString("stderr").contains("to stderr"), r.prettify());
        assertEquals("42", r.getString("result"));
        assertTrue(r.getLong("durationMs") >= 0);
        // following the output from an offset
        String eid = r.getString("id");
        editorOf(ws).get("/sessions/" + persistent + "/executions/" + eid + "?stdoutFrom=7").then().statusCode(200)
                .body("stdout", startsWith("hello from env"));

        // errors and the time limit
        JsonPath err = exec(ws, persistent, "1/0", null);
        assertEquals("FAILED", err.getString("status"));
        assertEquals("ZeroDivisionError", err.getString("error.name"));
        assertTrue(err.getString("error.traceback").contains("ZeroDivisionError"), err.prettify());
        long before = System.nanoTime();
        JsonPath slow = exec(ws, persistent, "import time\ntime.sleep(60)", 2);
        assertEquals("TIMED_OUT", slow.getString("status"), slow.prettify());
        assertTrue(Duration.ofNanos(System.nanoTime() - before).toSeconds() < 40);
        assertEquals("SUCCEEDED", exec(ws, persistent, "print('after the interrupt')", null).getString("status"));

        // the temporary session writes a scratch file
        assertEquals("SUCCEEDED", exec(ws, temporary, "open('scratch.txt', 'w').write('x')", null).getString("status"));

        // limits where the host allows them
        runtime.enforcedLimits(persistent).ifPresent(l -> {
            assertTrue(l.contains("200000"), l);
            assertTrue(l.contains(Long.toString(8L << 30)), l);
        });

        // JupyterLab through the service (token added here), never without it
        editorOf(ws).get("/sessions/" + persistent + "/jupyter/api/status").then().statusCode(200).body(containsString("last_activity"));
        editorOf(ws).get("/sessions/" + persistent + "/jupyter/lab").then().statusCode(200).body(containsString("JupyterLab"));
        editorOf(ws).get("/sessions/" + persistent + "/jupyter/api/contents/kept.txt?content=1").then().statusCode(200)
                .body("content", equalTo("kept"));
        viewerOf(ws).get("/sessions/" + persistent + "/jupyter/api/status").then().statusCode(403);
        editorOf(ws()).get("/sessions/" + persistent + "/jupyter/api/status").then().statusCode(404);
        NotebookRuntime.Endpoint endpoint = runtime.endpoint(persistent).orElseThrow();
        assertEquals("127.0.0.1", endpoint.baseUri().getHost());
        HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint.baseUri().resolve("api/contents"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, direct.statusCode(), "the server refuses callers without its token");
        assertFalse(editorOf(ws).get("/sessions/" + persistent).asString().contains(endpoint.token()));
        assertFalse(editorOf(ws).get("/sessions/" + persistent).asString().contains("abcdef123456"));

        // another replica of the service on this host (the same work directory), which started nothing: it finds the
        // server and its token, sees it alive, and executes in the kernel the executions above used (peer is theirs)
        LocalRuntime replicaB = new LocalRuntime(config);
        NotebookRuntime.Endpoint seenByB = replicaB.endpoint(persistent).orElseThrow();
        assertEquals(endpoint.baseUri(), seenByB.baseUri());
        assertEquals(endpoint.token(), seenByB.token());
        assertTrue(replicaB.alive(persistent));
        assertTrue(replicaB.activity(persistent).kernels() >= 1);
        StringBuilder outOfB = new StringBuilder();
        NotebookRuntime.ExecutionOutcome inB = replicaB.execute(persistent, "print('in B'); peer[0]", Duration.ofSeconds(60),
                new NotebookRuntime.Output() {
                    @Override
                    public void stdout(String text) {
                        outOfB.append(text);
                    }

                    @Override
                    public void stderr(String text) {
                        outOfB.append(text);
                    }
                });
        assertEquals("ok", inB.status(), inB.toString());
        assertEquals("'" + address + "'", inB.result());
        assertEquals("in B\n", outOfB.toString());

        // stop: events, the final partial usage window
        editorOf(ws).post("/sessions/" + persistent + "/stop").then().statusCode(202).body("status", equalTo("STOPPING"));
        editorOf(ws).post("/sessions/" + temporary + "/stop").then().statusCode(202);
        JsonPath stopped = awaitStatus(ws, persistent, "STOPPED", Duration.ofSeconds(60));
        awaitStatus(ws, temporary, "STOPPED", Duration.ofSeconds(60));
        Instant runningSince = Instant.parse(p.getString("runningSince"));
        List<JsonNode> usage = outbox("UsageMetered", persistent);
        assertEquals(2, usage.size(), usage.toString());
        for (JsonNode u : usage) {
            assertEquals(runningSince, Instant.parse(u.path("windowStart").asText()));
            ResourceType type = ResourceType.valueOf(u.path("resourceType").asText());
            assertEquals(Metering.meterId(persistent, type, runningSince).toString(), u.path("meterId").asText());
            double hours = Duration.between(runningSince, Instant.parse(u.path("windowEnd").asText())).toMillis() / 3_600_000.0;
            double units = type == ResourceType.COMPUTE ? 2 : 8;
            assertEquals(units * hours, u.path("quantity").decimalValue().doubleValue(), 0.000002, u.toString());
            assertEquals(type == ResourceType.COMPUTE ? "vcpu-hours" : "gib-hours", u.path("unit").asText());
        }
        List<JsonNode> startedEvents = outbox("NotebookSessionStarted", persistent);
        List<JsonNode> stoppedEvents = outbox("NotebookSessionStopped", persistent);
        assertEquals(1, startedEvents.size());
        assertEquals(1, stoppedEvents.size());
        assertEquals("USER_REQUESTED", stoppedEvents.get(0).path("reason").asText());
        assertEquals(2, editorOf(ws).get("/sessions/" + persistent + "/usage").then().statusCode(200).extract().jsonPath()
                .getList("items").size(), stopped.prettify());

        // start again: persistent data kept, temporary data gone
        start(ws, persistent);
        start(ws, temporary);
        awaitStatus(ws, persistent, "RUNNING", Duration.ofSeconds(120));
        awaitStatus(ws, temporary, "RUNNING", Duration.ofSeconds(120));
        assertEquals("'kept'", exec(ws, persistent, "open('kept.txt').read()", null).getString("result"));
        assertEquals("False", exec(ws, temporary, "import os\nos.path.exists('scratch.txt')", null).getString("result"));
        assertEquals("'hello from env'", exec(ws, persistent, "import os\nos.environ['GREETING']", null).getString("result"));

        // delete needs a stopped session; persistent data outlives it
        editorOf(ws).delete("/sessions/" + persistent).then().statusCode(409);
        for (String id : List.of(persistent, temporary)) {
            editorOf(ws).post("/sessions/" + id + "/stop").then().statusCode(202);
            awaitStatus(ws, id, "STOPPED", Duration.ofSeconds(60));
            editorOf(ws).delete("/sessions/" + id).then().statusCode(204);
        }
        assertTrue(Files.isRegularFile(runtime.storageDirectory(persistent, dev.dmsmlflow.notebook.domain.Storage.parse("oss://" + bucket + "/work"))
                .resolve("kept.txt")));
        assertFalse(Files.exists(Path.of("target/dms/notebook-sessions").resolve(temporary)));
    }

    @Test
    void aPackageTheInstallerCannotFindFailsTheStartWithTheInstallersMessage() {
        String ws = ws();
        String missing = "dms-mlflow-no-such-package-" + UUID.randomUUID().toString().substring(0, 8);
        String id = create(ws, Map.of("pypiPackages", missing + "==0.0.1"));
        start(ws, id);
        JsonPath failed = awaitStatus(ws, id, "FAILED", FIRST_START);
        assertEquals("PACKAGES_FAILED", failed.getString("statusReason.code"), failed.prettify());
        String message = failed.getString("statusReason.message");
        // uv's own words (it names the requirement it could not satisfy), not a generic failure
        assertTrue(message.startsWith("installing the packages failed: ") && message.contains(missing), message);
        assertTrue(runtime.endpoint(id).isEmpty(), "no JupyterLab left for a failed start");
        editorOf(ws).delete("/sessions/" + id).then().statusCode(204);
    }

    @Test
    void theTrackingUriFollowsTheWorkspacesRunningInstanceInTheSessionsVpc() {
        String ws = ws();
        String instance = UUID.randomUUID().toString();
        String uri = "http://127.0.0.1:9";
        try (InstanceBus bus = new InstanceBus()) {
            bus.publish(new InstanceRequested(instance, ws, "tracking", null, "vpc-local", "vsw-local-a", "vsw-local-b",
                    "sg-local-basic", "bucket-" + ws, "root", "1C4G", "mem_test", Instant.now()));
            bus.publish(new InstanceRunning(instance, ws, "127.0.0.1", uri, Instant.now()));
            String id = create(ws, Map.of());
            Eventually.await(() -> {
                start(ws, id);
                String got = awaitStatus(ws, id, "RUNNING", FIRST_START).getString("trackingUri");
                if (!uri.equals(got)) {
                    editorOf(ws).post("/sessions/" + id + "/stop");
                    awaitStatus(ws, id, "STOPPED", Duration.ofSeconds(60));
                    return false;
                }
                return true;
            }, Duration.ofMinutes(4), () -> editorOf(ws).get("/sessions/" + id).asString());
            editorOf(ws).get("/sessions/" + id).then().body("instanceId", equalTo(instance));
            String show = "import os\nos.environ.get('MLFLOW_TRACKING_URI', 'unset')";
            assertEquals("'" + uri + "'", exec(ws, id, show, null).getString("result"));
            // the session's storage may not nest in another workspace's artifact root
            editorOf(ws()).contentType("application/json").body(Map.of("name", "nested", "image", IMAGE, "spec", "1C4G",
                    "dataStorage", "oss://bucket-" + ws + "/root/notebooks")).post("/sessions").then().statusCode(409)
                    .body("field", equalTo("dataStorage"));

            bus.publish(new InstanceReleased(instance, ws, Instant.now()));
            Eventually.await(() -> editorOf(ws).get("/sessions/" + id).then().extract().path("trackingUri") == null,
                    Duration.ofSeconds(60), () -> editorOf(ws).get("/sessions/" + id).asString());
            Eventually.await(() -> "'unset'".equals(exec(ws, id, show, null).getString("result")), Duration.ofSeconds(30),
                    () -> "the variable is still set in the kernel");
            editorOf(ws).post("/sessions/" + id + "/stop").then().statusCode(202);
            awaitStatus(ws, id, "STOPPED", Duration.ofSeconds(60));
        }
    }

    @Test
    void anIdleSessionIsReleasedActivityPostponesItAndUsageWindowsAreStable() throws Exception {
        String ws = ws();
        // 5 idle "minutes" (a test minute lasts a second)
        String id = create(ws, Map.of("idleReleaseMinutes", 5, "spec", "4C16G"));
        start(ws, id);
        JsonPath running = awaitStatus(ws, id, "RUNNING", FIRST_START);
        Instant since = Instant.parse(running.getString("runningSince"));

        // metering: hour windows up to a later instant, deterministic ids, nothing twice
        Instant later = since.plus(Duration.ofHours(2)).plusSeconds(60);
        assertTrue(meteringJob.meterUntil(later) >= 4);
        assertEquals(0, meteringJob.meterUntil(later));
        List<JsonNode> usage = outbox("UsageMetered", id);
        Instant hour = since.truncatedTo(java.time.temporal.ChronoUnit.HOURS).plus(Duration.ofHours(1));
        for (JsonNode u : usage) {
            Instant start = Instant.parse(u.path("windowStart").asText());
            Instant end = Instant.parse(u.path("windowEnd").asText());
            assertTrue(start.equals(since) ? end.equals(hour) : Duration.between(start, end).equals(Duration.ofHours(1)), u.toString());
            ResourceType type = ResourceType.valueOf(u.path("resourceType").asText());
            assertEquals(Metering.meterId(id, type, start).toString(), u.path("meterId").asText());
            BigDecimal expected = BigDecimal.valueOf(Duration.between(start, end).toMillis() * (type == ResourceType.COMPUTE ? 4 : 16))
                    .divide(BigDecimal.valueOf(3_600_000), 6, java.math.RoundingMode.HALF_UP);
            assertEquals(0, expected.compareTo(u.path("quantity").decimalValue()), u.toString());
            assertTrue(EventSchemas.validate("UsageMetered", u).isEmpty());
        }

        // activity (executions) keeps it for more than its idle timeout
        long until = System.nanoTime() + Duration.ofSeconds(9).toNanos();
        while (System.nanoTime() < until) {
            assertEquals("SUCCEEDED", exec(ws, id, "1", null).getString("status"));
            Thread.sleep(1500);
        }
        assertEquals("RUNNING", editorOf(ws).get("/sessions/" + id).then().extract().path("status"));
        // then, left alone, it is released with the reason
        JsonPath released = awaitStatus(ws, id, "RELEASED", Duration.ofSeconds(40));
        assertEquals("IDLE_TIMEOUT", released.getString("statusReason.code"));
        assertTrue(released.getString("statusReason.message").contains("no activity"));
        List<JsonNode> stopped = outbox("NotebookSessionStopped", id);
        assertEquals("IDLE_RELEASE", stopped.get(0).path("reason").asText());
        assertFalse(runtime.alive(id));
        // a released session starts again
        start(ws, id);
        awaitStatus(ws, id, "RUNNING", Duration.ofSeconds(120));
        editorOf(ws).post("/sessions/" + id + "/stop").then().statusCode(202);
        awaitStatus(ws, id, "STOPPED", Duration.ofSeconds(60));
    }

    /** Payloads of {@code type} in the outbox for {@code sessionId}, each checked against its schema. */
    private List<JsonNode> outbox(String type, String sessionId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT payload::text FROM outbox_event WHERE type = ? ORDER BY occurred_at")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JsonNode n = JSON.readTree(rs.getString(1));
                    if (sessionId.equals(n.path("sessionId").asText(n.path("subjectId").asText()))) {
                        assertTrue(EventSchemas.validate(type, n).isEmpty(), EventSchemas.validate(type, n).toString());
                        out.add(n);
                    }
                }
            }
        }
        return out;
    }
}
