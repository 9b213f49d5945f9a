package dev.dmsmlflow.tracking.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.tracking.artifacts.ArtifactStores;
import dev.dmsmlflow.tracking.artifacts.FileSystemArtifactStore;
import dev.dmsmlflow.tracking.support.DatabaseOutage;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /health/live}, {@code /health/ready} and {@code /health} on a real server and database: their shapes, and that
 * readiness follows a database that refuses connections and an artifact root that is gone, both ways.
 */
@QuarkusTest
@QuarkusTestResource(value = HealthEndpointsTest.ShortCache.class, restrictToAnnotatedClass = true)
class HealthEndpointsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Words that must never appear in a health answer. */
    private static final List<String> SECRETS_AND_INTERNALS = List.of("jdbc", "postgresql:", "127.0.0.1", "localhost",
            "select", "exception", "password", "tracking_", "/tmp", "at dev.", "at java.");

    /** A fresh database and artifact root, and readiness cached 100 ms so state changes show quickly. */
    public static class ShortCache extends TrackingDatabase {
        @Override
        public Map<String, String> start() {
            Map<String, String> cfg = new HashMap<>(super.start());
            cfg.put("dms.tracking.health.cache-ttl", "100ms");
            return cfg;
        }
    }

    @TestHTTPResource("/")
    URL root;
    @Inject
    ArtifactStores stores;

    record Resp(int status, String contentType, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    private Resp call(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        return new Resp(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    private Resp get(String path) throws Exception {
        return call("GET", path);
    }

    /** Polls {@code path} until {@code done} holds (each answer is at most a short cache time old), 20 s at most. */
    private Resp await(String path, Predicate<Resp> done) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        Resp r;
        do {
            r = get(path);
            if (done.test(r)) {
                return r;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        throw new AssertionError("still " + r + " after 20 s at " + path);
    }

    private static void assertRevealsNothing(Resp r) {
        String lower = r.body().toLowerCase();
        for (String word : SECRETS_AND_INTERNALS) {
            assertFalse(lower.contains(word), "'" + word + "' in " + r);
        }
    }

    @BeforeEach
    void ready() throws Exception {
        await("/health/ready", r -> r.status() == 200);
    }

    @Test
    void liveReadyAndHealthAnswerTheirShapesWhenAllIsWell() throws Exception {
        Resp live = get("/health/live");
        assertEquals(200, live.status());
        assertTrue(live.contentType().startsWith("text/plain"), live.contentType());
        assertEquals("OK", live.body());

        Resp ready = get("/health/ready");
        assertEquals(200, ready.status());
        assertTrue(ready.contentType().startsWith("application/json"), ready.contentType());
        assertEquals(JSON.readTree("{\"status\":\"UP\",\"checks\":[{\"name\":\"database\",\"status\":\"UP\"},"
                + "{\"name\":\"artifact-store\",\"status\":\"UP\"}]}"), ready.json());

        Resp health = get("/health");
        assertEquals(200, health.status());
        assertTrue(health.contentType().startsWith("text/plain"), health.contentType());
        assertEquals("OK", health.body());

        for (String path : HealthRoutes.OPEN_PATHS) {
            Resp head = call("HEAD", path);
            assertEquals(200, head.status(), "HEAD " + path);
            assertEquals("", head.body(), "HEAD " + path);
        }
    }

    @Test
    void readinessIsDownWhileTheDatabaseRefusesConnectionsAndUpOnceItAcceptsThem() throws Exception {
        try (DatabaseOutage outage = DatabaseOutage.begin()) {
            Resp ready = await("/health/ready", r -> r.status() == 503);
            assertTrue(ready.contentType().startsWith("application/json"), ready.contentType());
            JsonNode body = ready.json();
            assertEquals("DOWN", body.get("status").asText());
            assertEquals("database", body.at("/checks/0/name").asText());
            assertEquals("DOWN", body.at("/checks/0/status").asText());
            assertEquals("the database does not accept connections", body.at("/checks/0/reason").asText());
            assertEquals("artifact-store", body.at("/checks/1/name").asText());
            assertEquals("UP", body.at("/checks/1/status").asText());
            assertFalse(body.at("/checks/1").has("reason"));
            assertFalse(ready.body().contains(outage.database), ready.body());
            assertRevealsNothing(ready);

            Resp health = get("/health");
            assertEquals(503, health.status(), health.toString());
            assertTrue(health.contentType().startsWith("text/plain"), health.contentType());
            assertEquals("database: the database does not accept connections", health.body());
            assertRevealsNothing(health);

            Resp live = get("/health/live");
            assertEquals(200, live.status(), "the process is alive: no restart for a database outage");
            assertEquals("OK", live.body());

            assertEquals(500, get("/api/2.0/mlflow/experiments/get?experiment_id=0").status(),
                    "the API indeed cannot work meanwhile");

            // not just the dropped pooled connections: new ones are refused too, round after round (cache 100 ms)
            long until = System.nanoTime() + 600_000_000L;
            do {
                Resp again = get("/health/ready");
                assertEquals(503, again.status(), again.toString());
                assertEquals("the database does not accept connections", again.json().at("/checks/0/reason").asText());
            } while (System.nanoTime() < until);
        }
        Resp ready = await("/health/ready", r -> r.status() == 200);
        assertEquals("UP", ready.json().get("status").asText());
        assertEquals(200, await("/health", r -> r.status() == 200).status());
        assertEquals(200, get("/api/2.0/mlflow/experiments/get?experiment_id=0").status(), "and the API works again");
    }

    @Test
    void readinessIsDownWhileTheArtifactRootIsMissingOrNotADirectory() throws Exception {
        Path dir = ((FileSystemArtifactStore) stores.root()).root();
        Path away = dir.resolveSibling(dir.getFileName() + "-away");
        Files.move(dir, away);
        try {
            Resp missing = await("/health/ready", r -> r.status() == 503);
            assertEquals("UP", missing.json().at("/checks/0/status").asText(), "the database is fine");
            assertEquals("artifact-store", missing.json().at("/checks/1/name").asText());
            assertEquals("DOWN", missing.json().at("/checks/1/status").asText());
            assertEquals("the artifact root does not exist", missing.json().at("/checks/1/reason").asText());
            assertRevealsNothing(missing);
            Resp health = get("/health");
            assertEquals(503, health.status());
            assertEquals("artifact-store: the artifact root does not exist", health.body());

            Files.writeString(dir, "a file where the directory was");
            Resp notADirectory = await("/health/ready", r -> r.body().contains("is not a directory"));
            assertEquals(503, notADirectory.status());
            assertEquals("the artifact root is not a directory", notADirectory.json().at("/checks/1/reason").asText());
        } finally {
            Files.deleteIfExists(dir);
            Files.move(away, dir);
        }
        assertEquals("UP", await("/health/ready", r -> r.status() == 200).json().get("status").asText());
        assertEquals("OK", get("/health").body());
    }
}
