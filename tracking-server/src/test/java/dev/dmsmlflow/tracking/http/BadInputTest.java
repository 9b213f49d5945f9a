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
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text the database cannot store never reaches it: a NUL or an unpaired surrogate anywhere in a request is a 400
 * INVALID_PARAMETER_VALUE naming the field, and no error answer carries SQL, a stack trace or a class name.
 */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class BadInputTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL root;

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + "/api/2.0/mlflow/" + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + "/api/2.0/mlflow/" + pathAndQuery))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(HttpClient client, String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + "/api/2.0/mlflow/" + pathAndQuery))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> r, String field) throws Exception {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = JSON.readTree(r.body());
        assertEquals("INVALID_PARAMETER_VALUE", err.get("error_code").asText(), r.body());
        assertTrue(err.get("message").asText().contains("'" + field + "'"), "names " + field + ": " + r.body());
        assertClean(r.body());
    }

    /** No SQL, no stack, no class name in an answer. */
    static void assertClean(String body) {
        String lower = body.toLowerCase(Locale.ROOT);
        for (String leak : List.of("insert ", "select ", "update ", "where ", "error:", "sqlstate", "exception", "java.",
                "org.", "psql", "\tat ", "postgres")) {
            assertFalse(lower.contains(leak), "leaks '" + leak + "': " + body);
        }
    }

    @Test
    void aNulOrAnUnpairedSurrogateIsRefusedNamingTheField() throws Exception {
        String exp = JSON.readTree(post("experiments/create", "{\"name\": \"bad-input-" + UUID.randomUUID() + "\"}").body())
                .get("experiment_id").asText();
        String run = JSON.readTree(post("runs/create", "{\"experiment_id\": \"" + exp + "\"}").body()).at("/run/info/run_id").asText();

        assertRefused(post("runs/log-parameter", "{\"run_id\": \"" + run + "\", \"key\": \"k\", \"value\": \"a\\u0000b\"}"), "value");
        assertRefused(post("runs/log-parameter", "{\"run_id\": \"" + run + "\", \"key\": \"k\\u0000\", \"value\": \"v\"}"), "key");
        assertRefused(post("runs/log-batch", "{\"run_id\": \"" + run + "\", \"params\": [{\"key\": \"ok\", \"value\": \"1\"},"
                + " {\"key\": \"half\", \"value\": \"x\\ud800y\"}]}"), "params[1].value");
        assertRefused(post("runs/set-tag", "{\"run_id\": \"" + run + "\", \"key\": \"t\", \"value\": \"\\udc00\"}"), "value");
        assertRefused(post("experiments/create", "{\"name\": \"nul\\u0000name\"}"), "name");
        assertRefused(post("experiments/create", "{\"name\": \"x\", \"tags\": [{\"key\": \"k\", \"value\": \"\\u0000\"}]}"), "tags[0].value");
        assertRefused(get("experiments/get-by-name?experiment_name=a%00b"), "experiment_name");
        assertRefused(get("runs/get?run_id=" + run + "%00"), "run_id");

        // nothing was stored
        JsonNode stored = JSON.readTree(get("runs/get?run_id=" + run).body()).at("/run/data");
        assertTrue(stored.path("params").isMissingNode() || stored.path("params").isEmpty(), stored.toString());
        // other control characters are text MLflow keeps (terminal output in a tag)
        assertEquals(200, post("runs/set-tag", "{\"run_id\": \"" + run + "\", \"key\": \"log\", \"value\": \"\\u001b[31mred\\u0007\"}").statusCode());
    }

    @Test
    void aSearchUrlOfEightKilobytesIsServedAndOneOverTheRequestLineLimitIs414() throws Exception {
        // over HTTP/1.1, as the load balancer and the mlflow clients speak it (the JDK client would otherwise ask for h2c,
        // where the whole header list, the path included, has HTTP/2's own limit)
        HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String start = "experiments/search?max_results=10&filter=name%20%3D%20%27";
        String end = "%27";
        int base = "/api/2.0/mlflow/".length() + start.length() + end.length();
        // a request target of exactly 8192 bytes, as upstream MLflow accepts
        HttpResponse<String> ok = get(http1, start + "a".repeat(8192 - base) + end);
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(JSON.readTree(ok.body()).path("experiments").isEmpty(), ok.body());
        HttpResponse<String> tooLong = get(http1, start + "a".repeat(17_000 - base) + end);
        assertEquals(414, tooLong.statusCode());
    }

    @Test
    void whatTheDatabaseRefusesIsAnsweredWithoutTheStatement() throws Exception {
        // a param value whose key is over the database column would be refused by PostgreSQL; the endpoint checks it first,
        // so provoke the database through a value the endpoints do not check: an int64 out of PostgreSQL's range
        String exp = JSON.readTree(post("experiments/create", "{\"name\": \"db-refusal-" + UUID.randomUUID() + "\"}").body())
                .get("experiment_id").asText();
        HttpResponse<String> r = post("runs/create", "{\"experiment_id\": \"" + exp + "\", \"start_time\": \"99999999999999999999999\"}");
        assertTrue(r.statusCode() == 400, r.body());
        assertClean(r.body());
        assertClean(Routes.fromDatabase(new java.sql.SQLException(
                "ERROR: invalid byte sequence for encoding \"UTF8\": 0x00 Where: INSERT INTO params VALUES ($1)", "22021")).getMessage());
    }
}
