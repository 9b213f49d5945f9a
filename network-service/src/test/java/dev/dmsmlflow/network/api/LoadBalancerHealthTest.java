package dev.dmsmlflow.network.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.RawHttp;
import dev.dmsmlflow.network.support.ScriptedBackend;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import dev.dmsmlflow.network.support.Steps;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The local load balancer watching its backend: the upstream idle timeout (504), the active health check and how both show
 * in the view and the diagnosis. The %test profile: connect-timeout 2s, upstream-timeout 3s, health-check interval 500ms,
 * timeout 1s, thresholds 2 (healthy) and 3 (unhealthy).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class LoadBalancerHealthTest {

    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Far more than the health check needs to reach a verdict (a few seconds): only a broken check takes this long. */
    private static final Duration VERDICT_WAIT = Duration.ofSeconds(30);

    @Inject
    NetworkService service;

    private static io.restassured.specification.RequestSpecification as() {
        return ServiceTokens.editorOf(Fixtures.WORKSPACE);
    }

    /** A network whose ACL admits 127.0.0.1; returns its view. */
    private JsonPath openNetwork(String id) {
        Steps.run(id, () -> service.onInstanceRequested(Fixtures.requested(id)));
        as().contentType(ContentType.JSON).body(Map.of("cidr", "127.0.0.1")).when().post("/networks/" + id + "/acl/entries")
                .then().statusCode(200);
        return view(id);
    }

    private void registerBackend(String id, int port) {
        Steps.run(id, () -> {
            try {
                service.onInstanceDeployed(Fixtures.deployed(id, port));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static JsonPath view(String id) {
        return as().when().get("/networks/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static String viewText(String id) {
        return as().when().get("/networks/" + id).then().statusCode(200).extract().asString();
    }

    private static JsonPath diagnosis(String id) {
        return as().queryParam("source", "127.0.0.1").when().get("/networks/" + id + "/diagnose").then().statusCode(200)
                .extract().jsonPath();
    }

    /** Polls until {@code done} holds (at most {@link #VERDICT_WAIT}); the last value otherwise fails the test. */
    private static <T> T until(Supplier<T> value, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + VERDICT_WAIT.toNanos();
        T last = value.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                fail("not so after " + VERDICT_WAIT + ": " + last);
            }
            Thread.sleep(100);
            last = value.get();
        }
        return last;
    }

    private static JsonPath untilStatus(String id, String status) throws InterruptedException {
        return until(() -> view(id), v -> status.equals(v.getString("backendHealth.status")));
    }

    private static void assertNoAddress(String text, int backendPort) {
        assertFalse(text.contains(String.valueOf(backendPort)), "the backend's port is not published: " + text);
    }

    @Test
    void aHungBackendIsAnswered504AfterTheUpstreamTimeoutTurnsUnhealthyAndRecovers() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = openNetwork(id);
        try (ScriptedBackend backend = new ScriptedBackend()) {
            registerBackend(id, backend.port());
            JsonPath healthy = untilStatus(id, "HEALTHY");
            assertNotNull(healthy.getString("backendHealth.since"));
            assertNotNull(healthy.getString("backendHealth.lastCheckedAt"));
            assertEquals(200, RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/api/2.0/mlflow/x").status());

            backend.hang(); // like a SIGSTOPped tracking server: connections are accepted, nothing is answered
            long started = System.nanoTime();
            RawHttp.Response timedOut = RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"),
                    "/api/2.0/mlflow/experiments/search");
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(504, timedOut.status(), timedOut.body());
            assertTrue(took.compareTo(UPSTREAM_TIMEOUT.minusMillis(100)) >= 0, "not before the timeout: " + took);
            assertTrue(took.compareTo(UPSTREAM_TIMEOUT.plusMillis(2500)) < 0, "soon after the timeout: " + took);
            JsonNode error = timedOut.json();
            assertEquals("backend", error.get("layer").asText());
            assertEquals("gateway_timeout", error.get("error").asText());
            assertEquals(n.getString("loadBalancerId"), error.get("loadBalancerId").asText());
            assertEquals(504, error.get("status").asInt());
            assertTrue(error.get("detail").asText().contains("3s"), error.toString());
            assertNoAddress(timedOut.body(), backend.port());

            JsonPath unhealthy = untilStatus(id, "UNHEALTHY");
            assertEquals("no answer within 1s", unhealthy.getString("backendHealth.reason"));
            assertTrue(Instant.parse(unhealthy.getString("backendHealth.since"))
                    .isAfter(Instant.parse(healthy.getString("backendHealth.since"))));
            assertNoAddress(viewText(id), backend.port());
            JsonPath down = diagnosis(id);
            assertEquals(List.of("acl", "security-group", "vpc", "backend"), down.getList("layers.layer"));
            assertEquals(List.of(true, true, true, false), down.getList("layers.admitted"));
            assertFalse(down.getBoolean("admitted"));
            String reason = down.getString("layers[3].reason");
            assertTrue(reason.startsWith("the tracking server failed its last ") && reason.endsWith("health checks: no answer within 1s"),
                    reason);
            assertNoAddress(down.prettify(), backend.port());

            backend.answer(200);
            JsonPath again = untilStatus(id, "HEALTHY");
            assertEquals(null, again.getString("backendHealth.reason"));
            JsonPath up = diagnosis(id);
            assertTrue(up.getBoolean("admitted"));
            assertEquals(true, up.getBoolean("layers[3].admitted"));
            assertEquals(200, RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/api/2.0/mlflow/x").status());
        }
    }

    @Test
    void aBackendThatTakesNoConnectionIsA504AfterTheConnectTimeout() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = openNetwork(id);
        InetSocketAddress address;
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            address = new InetSocketAddress("127.0.0.1", full.getLocalPort());
            // nobody accepts: once the accept queue is full the kernel drops further connection attempts unanswered
            boolean dropped = false;
            for (int i = 0; i < 16 && !dropped; i++) {
                Socket s = new Socket();
                try {
                    s.connect(address, 300);
                    queued.add(s);
                } catch (SocketTimeoutException e) {
                    s.close();
                    dropped = true;
                }
            }
            assumeTrue(dropped, "this kernel answers connections beyond the accept queue");
            registerBackend(id, full.getLocalPort());
            long started = System.nanoTime();
            RawHttp.Response r = RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/api/2.0/mlflow/x");
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(504, r.status(), r.body());
            assertEquals("gateway_timeout", r.json().get("error").asText());
            assertEquals("backend", r.json().get("layer").asText());
            assertTrue(r.json().get("detail").asText().contains("no connection to the tracking server"), r.body());
            assertTrue(r.json().get("detail").asText().endsWith("within 2s"), r.body());
            assertTrue(took.compareTo(CONNECT_TIMEOUT.minusMillis(100)) >= 0 && took.compareTo(CONNECT_TIMEOUT.plusMillis(2500)) < 0,
                    "about the connect timeout: " + took);
            assertNoAddress(r.body(), full.getLocalPort());
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    @Test
    void aBackendWhoseHealthAnswers503IsUnhealthyYetStillGetsRequests() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = openNetwork(id);
        try (ScriptedBackend backend = new ScriptedBackend()) {
            backend.answer(503); // e.g. the tracking server without its database
            registerBackend(id, backend.port());
            JsonPath unhealthy = untilStatus(id, "UNHEALTHY");
            assertEquals("GET /health answered 503", unhealthy.getString("backendHealth.reason"));
            String reason = diagnosis(id).getString("layers[3].reason");
            assertTrue(reason.endsWith("health checks: GET /health answered 503"), reason);

            // fail open: the load balancer still forwards, and the client gets the backend's own answer
            RawHttp.Response forwarded = RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/api/2.0/mlflow/x");
            assertEquals(503, forwarded.status());
            assertEquals("status 503", forwarded.body());

            // the check carries the instance's backend secret, as every forwarded request does
            String secret = backend.requestSecrets().get(0);
            assertFalse(secret.isEmpty());
            assertTrue(backend.healthSecrets().stream().allMatch(secret::equals), backend.healthSecrets().toString());
        }
    }

    @Test
    void withoutABackendTheHealthIsUnknownAndTheDiagnosisSaysSo() {
        String id = Fixtures.newInstanceId();
        openNetwork(id);
        JsonPath v = view(id);
        assertEquals(false, v.getBoolean("backendRegistered"));
        assertEquals("UNKNOWN", v.getString("backendHealth.status"));
        assertEquals("no tracking server is registered", v.getString("backendHealth.reason"));
        assertEquals(null, v.getString("backendHealth.lastCheckedAt"));
        JsonPath d = diagnosis(id);
        assertEquals("backend", d.getString("layers[3].layer"));
        assertFalse(d.getBoolean("layers[3].admitted"));
        assertTrue(d.getString("layers[3].reason").contains("no tracking server is registered"), d.prettify());
        assertFalse(d.getBoolean("admitted"));
    }

    @Test
    void transfersThatKeepMovingOutlastTheUpstreamTimeout() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = openNetwork(id);
        String host = n.getString("vpcAddress");
        int port = n.getInt("vpcPort");
        try (ScriptedBackend backend = new ScriptedBackend()) {
            registerBackend(id, backend.port());
            // a download of 5 pieces 1s apart: 4s in all, longer than the 3s timeout, never 3s without a byte
            RawHttp.Response download = RawHttp.get("127.0.0.1", host, port, "/trickle?chunks=5&gapMs=1000");
            assertEquals(200, download.status());
            assertEquals("piece 0\npiece 1\npiece 2\npiece 3\npiece 4\n", download.body());
        }
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            // an upload of 5 pieces 1s apart, which the backend reads as they come and answers at the end
            String piece = "0123456789".repeat(100);
            try (Socket s = new Socket(host, port)) {
                s.setSoTimeout(15_000);
                OutputStream out = s.getOutputStream();
                out.write(("PUT /ajax-api/2.0/mlflow-artifacts/artifacts/slow.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: " + piece.length() * 5 + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                for (int i = 0; i < 5; i++) {
                    if (i > 0) {
                        Thread.sleep(1000); // the pace of a slow upload, which is what is under test
                    }
                    out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                InputStream in = s.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertTrue(answer.contains(piece.repeat(5)), "the whole body reached the backend");
            }
        }
    }
}
