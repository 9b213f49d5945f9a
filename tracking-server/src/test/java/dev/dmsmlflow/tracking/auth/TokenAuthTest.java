package dev.dmsmlflow.tracking.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tracking server that checks MLflow access tokens itself (as on Alibaba Cloud): the token list comes from a stand-in of
 * network-service's endpoint, refreshed every {@value #REFRESH_MS} ms, trusted for {@value #STALE_MS} ms without an answer.
 */
@QuarkusTest
@QuarkusTestResource(value = TokenAuthTest.WithTokenEndpoint.class, restrictToAnnotatedClass = true)
class TokenAuthTest {

    static final String SECRET = "the-servers-own-secret-0123456789";
    static final long REFRESH_MS = 300;
    static final long STALE_MS = 2000;
    static FakeTokenEndpoint endpoint;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A fresh database and the token endpoint. */
    public static class WithTokenEndpoint extends TrackingDatabase {
        @Override
        public Map<String, String> start() {
            Map<String, String> cfg = new HashMap<>(super.start());
            try {
                endpoint = new FakeTokenEndpoint(SECRET);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            cfg.put("dms.tracking.auth.tokens-url", endpoint.url());
            cfg.put("dms.tracking.oss.credentials-secret", SECRET); // the storage secret doubles as the token secret
            cfg.put("dms.tracking.auth.refresh-interval", REFRESH_MS + "ms");
            cfg.put("dms.tracking.auth.unknown-token-refresh-interval", "100ms");
            cfg.put("dms.tracking.auth.max-staleness", STALE_MS + "ms");
            return cfg;
        }

        @Override
        public void stop() {
            endpoint.close();
        }
    }

    @TestHTTPResource("/")
    URL root;

    @AfterEach
    void controlPlaneBack() {
        endpoint.down = false;
        endpoint.authMode = "token";
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String basic(String user, String token) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> create(String authorization) throws Exception {
        return send("POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"e-" + System.nanoTime() + "\"}", authorization);
    }

    /** Polls {@code call} until its status satisfies {@code done} (deadline 10 s); the time it took. */
    private static Duration until(java.util.concurrent.Callable<HttpResponse<String>> call, IntPredicate done) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(10).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = call.call().statusCode();
            if (done.test(last)) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the condition did not hold within 10 s; last status " + last);
    }

    private static void assertMlflowError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode err = JSON.readTree(r.body());
        assertEquals(code, err.get("error_code").asText(), r.body());
        assertFalse(err.get("message").asText().isBlank());
    }

    @Test
    void aReadWriteTokenIsAcceptedAsBearerAndAsBasicWithAnyUserName() throws Exception {
        String token = endpoint.add("read-write", null);
        HttpResponse<String> first = create(bearer(token));
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(200, create(basic("alice", token)).statusCode());
        assertEquals(200, create(basic("", token)).statusCode());
        HttpResponse<String> search = send("GET", "/api/2.0/mlflow/experiments/search?max_results=5", null, bearer(token));
        assertEquals(200, search.statusCode(), search.body());
    }

    @Test
    void noTokenAnUnknownOneOrAGarbledHeaderIsA401InMlflowsFormatOnEveryKindOfRoute() throws Exception {
        String known = endpoint.add("read-write", null);
        String[][] calls = {
                {"GET", "/api/2.0/mlflow/experiments/search?max_results=10", null},
                {"POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"stolen\"}"},
                {"GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", null},
                {"GET", "/api/2.0/mlflow-artifacts/artifacts?path=", null},
                {"POST", "/graphql", "{\"query\": \"{ __typename }\"}"},
                {"GET", "/", null},
                {"GET", "/version", null},
                {"POST", "/health", null},
        };
        String[] refused = {null, "", bearer("mlft_unknown_" + System.nanoTime()), basic("alice", "not-a-token"),
                "Basic !!!", "Bearer ", basic("alice", ""), known, "Digest " + known, bearer(known + "x")};
        for (String[] c : calls) {
            for (String authorization : refused) {
                HttpResponse<String> r = send(c[0], c[1], c[2], authorization);
                assertMlflowError(r, 401, "UNAUTHENTICATED");
                List<String> challenges = r.headers().allValues("WWW-Authenticate");
                assertTrue(challenges.contains("Basic realm=\"mlflow\"") && challenges.contains("Bearer realm=\"mlflow\""),
                        c[0] + " " + c[1] + ": " + challenges);
            }
        }
    }

    @Test
    void aReadTokenReadsButIsRefusedEveryWrite() throws Exception {
        String token = endpoint.add("read", null);
        HttpResponse<String> first = send("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", null, bearer(token));
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(200, send("POST", "/api/2.0/mlflow/experiments/search", "{\"max_results\": 5}", basic("u", token)).statusCode());
        assertEquals(200, send("POST", "/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"0\"]}", bearer(token)).statusCode());
        assertMlflowError(create(bearer(token)), 403, "PERMISSION_DENIED");
        assertMlflowError(send("POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"0\"}", basic("u", token)), 403,
                "PERMISSION_DENIED");
        assertMlflowError(send("PUT", "/api/2.0/mlflow-artifacts/artifacts/x.txt", "x", bearer(token)), 403, "PERMISSION_DENIED");
        assertMlflowError(send("POST", "/api/2.0/mlflow/runs/search/../create", "{\"experiment_id\": \"0\"}", bearer(token)), 403,
                "PERMISSION_DENIED");
        HttpResponse<String> none = send("GET", "/api/2.0/mlflow/experiments/search?max_results=1000", null, bearer(token));
        assertEquals(200, none.statusCode());
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        String token = endpoint.add("read-write", Instant.now().minusSeconds(1));
        assertMlflowError(create(bearer(token)), 401, "UNAUTHENTICATED");
    }

    @Test
    void aTokenMadeAMomentAgoWorksAtOnceAndARevokedOneStopsWithinTheRefreshInterval() throws Exception {
        String token = endpoint.add("read-write", null);
        // no waiting: the unknown token makes the server fetch the list at once
        HttpResponse<String> first = create(bearer(token));
        assertEquals(200, first.statusCode(), first.body());
        endpoint.tokens.remove(token); // revoked
        Duration took = until(() -> create(bearer(token)), s -> s == 401);
        assertTrue(took.toMillis() < REFRESH_MS + 1500, "revocation took effect after " + took.toMillis() + " ms");
        System.out.println("revocation effective after " + took.toMillis() + " ms (refresh interval " + REFRESH_MS + " ms)");
    }

    @Test
    void whenTheControlPlaneIsDownTheLastListServesUntilItIsTooOldThenEverythingButHealthIs503() throws Exception {
        String token = endpoint.add("read-write", null);
        HttpResponse<String> first = create(bearer(token));
        assertEquals(200, first.statusCode(), first.body());
        endpoint.down = true;
        long downAt = System.nanoTime();
        assertEquals(200, create(bearer(token)).statusCode(), "the cached list still serves");
        Duration took = until(() -> create(bearer(token)), s -> s != 200);
        long sinceDown = Duration.ofNanos(System.nanoTime() - downAt).toMillis();
        assertTrue(sinceDown >= STALE_MS - REFRESH_MS - 100, "503 after only " + sinceDown + " ms");
        assertMlflowError(create(bearer(token)), 503, "TEMPORARILY_UNAVAILABLE");
        assertMlflowError(send("GET", "/api/2.0/mlflow/experiments/search?max_results=5", null, bearer(token)), 503,
                "TEMPORARILY_UNAVAILABLE");
        assertEquals(200, send("GET", "/health/live", null, null).statusCode());
        assertEquals(200, send("GET", "/health", null, null).statusCode());
        System.out.println("fail closed " + sinceDown + " ms after the control plane went down (bound " + STALE_MS + " ms; "
                + took.toMillis() + " ms of polling)");
        endpoint.down = false;
        until(() -> create(bearer(token)), s -> s == 200);
    }

    @Test
    void theHealthEndpointsNeedNoToken() throws Exception {
        for (String method : new String[]{"GET", "HEAD"}) {
            assertEquals(200, send(method, "/health/live", null, null).statusCode());
            assertEquals(200, send(method, "/health/ready", null, null).statusCode());
            assertEquals(200, send(method, "/health", null, null).statusCode());
        }
        assertEquals("OK", send("GET", "/health", null, null).body());
    }

    @Test
    void anInstanceSwitchedToNetworkModeIsServedWithoutTokensAndBackInTokenModeIsNot() throws Exception {
        endpoint.authMode = "network";
        until(() -> create(null), s -> s == 200);
        endpoint.authMode = "token";
        until(() -> create(null), s -> s == 401);
    }

    @Test
    void theEndpointIsAskedWithTheServersSecretAndAnswersOnlyDigests() {
        assertTrue(endpoint.answered.get() > 0);
        assertEquals(0, endpoint.refused.get(), "every fetch carried the right secret");
    }
}
