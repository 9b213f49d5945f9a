package dev.dmsmlflow.tracking.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A server behind an instance's load balancer (a backend-auth digest configured) serves only requests that carry the
 * load balancer's secret: a client that finds the backend port and calls it directly gets 403 on every kind of route.
 */
@QuarkusTest
@QuarkusTestResource(value = BackendAuthTest.WithDigest.class, restrictToAnnotatedClass = true)
class BackendAuthTest {

    static final String SECRET = "the-load-balancers-secret-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A fresh database, and the digest of {@link #SECRET}. */
    public static class WithDigest extends TrackingDatabase {
        @Override
        public Map<String, String> start() {
            Map<String, String> cfg = new HashMap<>(super.start());
            cfg.put("dms.tracking.backend-auth-digest", HexFormat.of().formatHex(BackendAuth.sha256(SECRET)));
            return cfg;
        }
    }

    @TestHTTPResource("/")
    URL root;

    private HttpResponse<String> send(String method, String path, String body, String secret) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (secret != null) {
            b.header(BackendAuth.HEADER, secret);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDirectRequestWithoutTheSecretIsRefusedOnEveryKindOfRoute() throws Exception {
        String[][] calls = {
                {"GET", "/api/2.0/mlflow/experiments/search?max_results=10", null},
                {"POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"stolen\"}"},
                {"GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", null},
                {"GET", "/api/2.0/mlflow-artifacts/artifacts?path=", null},
                {"POST", "/graphql", "{\"query\": \"{ __typename }\"}"},
                {"GET", "/", null},
                {"GET", "/version", null},
                {"GET", "/no/such/path", null},
        };
        for (String[] c : calls) {
            for (String secret : new String[]{null, "", "wrong", SECRET + "x"}) {
                HttpResponse<String> r = send(c[0], c[1], c[2], secret);
                assertEquals(403, r.statusCode(), c[0] + " " + c[1] + " with " + secret + ": " + r.body());
                JsonNode err = JSON.readTree(r.body());
                assertEquals("PERMISSION_DENIED", err.get("error_code").asText());
                assertFalse(err.get("message").asText().isBlank());
            }
        }
        HttpResponse<String> search = send("GET", "/api/2.0/mlflow/experiments/search?max_results=10", null, null);
        assertFalse(search.body().contains("Default"), "no data in a refusal");
    }

    @Test
    void theLoadBalancersSecretIsServedAndHealthStaysOpenForTheComputeCheck() throws Exception {
        assertEquals(200, send("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", null, SECRET).statusCode());
        assertEquals(200, send("POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"through-the-lb-" + System.nanoTime() + "\"}", SECRET).statusCode());
        HttpResponse<String> health = send("GET", "/health", null, null);
        assertEquals(200, health.statusCode());
        assertEquals("OK", health.body());
    }

    @Test
    void theThreeHealthEndpointsAreOpenWithoutTheSecretAndTellOnlyUpOrDown() throws Exception {
        for (String method : new String[]{"GET", "HEAD"}) {
            HttpResponse<String> live = send(method, "/health/live", null, null);
            assertEquals(200, live.statusCode(), method + " /health/live: " + live.body());
            HttpResponse<String> ready = send(method, "/health/ready", null, null);
            assertEquals(200, ready.statusCode(), method + " /health/ready: " + ready.body());
            HttpResponse<String> health = send(method, "/health", null, null);
            assertEquals(200, health.statusCode(), method + " /health: " + health.body());
        }
        assertEquals("OK", send("GET", "/health/live", null, null).body());
        assertEquals("OK", send("GET", "/health", null, null).body());
        JsonNode ready = JSON.readTree(send("GET", "/health/ready", null, null).body());
        assertEquals(java.util.List.of("status", "checks"), iterable(ready.fieldNames()));
        for (JsonNode check : ready.get("checks")) {
            assertEquals(java.util.List.of("name", "status"), iterable(check.fieldNames()), check.toString());
        }
    }

    @Test
    void onlyThoseExactPathsAndMethodsAreOpen() throws Exception {
        String[][] refused = {
                {"POST", "/health"}, {"PUT", "/health/ready"}, {"DELETE", "/health/live"},
                {"GET", "/health/"}, {"GET", "/health/ready/"}, {"GET", "/health/ready/x"}, {"GET", "/health/livez"},
                {"GET", "/healthz"}, {"GET", "/health/../api/2.0/mlflow/experiments/get?experiment_id=0"},
        };
        for (String[] c : refused) {
            HttpResponse<String> r = send(c[0], c[1], null, null);
            assertEquals(403, r.statusCode(), c[0] + " " + c[1] + ": " + r.body());
        }
        // a wrong secret is refused everywhere, health included: only the load balancer sends one
        assertEquals(403, send("GET", "/health/ready", null, "wrong").statusCode());
    }

    private static java.util.List<String> iterable(java.util.Iterator<String> it) {
        java.util.List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
