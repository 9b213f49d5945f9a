package dev.dmsmlflow.tracking.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.infra.TempDirs;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged tracking servers ({@code target/quarkus-app}) started side by side on one fresh tracking database and one
 * artifact root, as two replicas of an instance behind a round-robin load balancer: whatever is written through one is read
 * through the other, page tokens of one are continued on the other, model version numbers made concurrently through both
 * are unique and consecutive, and concurrent writes to one run through both lose nothing and answer no error.
 */
class TwoReplicasIT {

    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:]+:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    static final List<Process> processes = new ArrayList<>();
    static Api a;
    static Api b;
    static String baseA;
    static String baseB;

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String database = LocalPostgres.uniqueDatabaseName("tracking_replicas");
        pg.createDatabase(database);
        Path artifacts = TempDirs.forThisJvm("tracking-replicas-artifacts");
        Path app = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.isRegularFile(app), "the packaged server " + app.toAbsolutePath() + " (mvn package) is needed");
        // both start at once on an empty database: the schema migration runs on one of them while the other waits for it
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> start(app, pg, database, artifacts, "a"));
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> start(app, pg, database, artifacts, "b"));
        baseA = "http://127.0.0.1:" + first.get(START_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        baseB = "http://127.0.0.1:" + second.get(START_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        a = new Api(baseA);
        b = new Api(baseB);
        awaitReady(a);
        awaitReady(b);
    }

    private static int start(Path app, LocalPostgres pg, String database, Path artifacts, String name) {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java,
                "-Xmx384m",
                "-Dquarkus.http.port=0",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.datasource.jdbc.url=" + pg.jdbcUrl(database),
                "-Dquarkus.datasource.username=" + pg.username(),
                "-Dquarkus.datasource.password=" + pg.password(),
                "-Dquarkus.datasource.jdbc.min-size=1",
                "-Dquarkus.datasource.jdbc.max-size=8",
                "-Ddms.tracking.artifact-root=" + artifacts,
                "-jar", app.toAbsolutePath().toString());
        pb.redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start tracking server " + name, e);
        }
        synchronized (processes) {
            processes.add(p);
        }
        CompletableFuture<Integer> port = new CompletableFuture<>();
        StringBuilder tail = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("[replica " + name + "] " + line);
                    if (!port.isDone()) {
                        synchronized (tail) {
                            tail.append(line).append('\n');
                        }
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        }
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
            port.completeExceptionally(new IllegalStateException("tracking server " + name + " ended before listening:\n" + tail));
        }, "replica-" + name + "-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("tracking server " + name + " did not listen within " + START_TIMEOUT + ":\n" + tail, e);
        }
    }

    private static void awaitReady(Api api) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Resp last = null;
        while (System.nanoTime() < deadline) {
            last = api.send("GET", "/health/ready", null, null);
            if (last.status() == 200) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("not ready: " + last);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static JsonNode ok(Resp r) {
        assertEquals(200, r.status(), () -> r.toString());
        return r.json();
    }

    private static String experiment(Api api, String name) {
        return ok(api.post("experiments/create", obj("name", name))).get("experiment_id").asText();
    }

    private static String run(Api api, String experimentId) {
        return ok(api.post("runs/create", obj("experiment_id", experimentId, "start_time", System.currentTimeMillis())))
                .at("/run/info/run_id").asText();
    }

    private static Map<String, String> keyValues(JsonNode list) {
        Map<String, String> out = new HashMap<>();
        if (list != null) {
            list.forEach(n -> out.put(n.get("key").asText(), n.get("value").asText()));
        }
        return out;
    }

    @Test
    void experimentsWrittenThroughOneAreReadThroughTheOther() {
        String name = unique("rep-exp");
        String id = experiment(a, name);
        assertEquals(name, ok(b.get("experiments/get", Map.of("experiment_id", id))).at("/experiment/name").asText());
        assertEquals(id, ok(b.get("experiments/get-by-name", Map.of("experiment_name", name))).at("/experiment/experiment_id").asText());

        // the same name made again through the other replica is refused as upstream refuses it
        Resp dup = b.post("experiments/create", obj("name", name));
        assertEquals(400, dup.status(), dup::toString);
        assertEquals("RESOURCE_ALREADY_EXISTS", dup.errorCode());

        String renamed = unique("rep-renamed");
        ok(b.post("experiments/update", obj("experiment_id", id, "new_name", renamed)));
        assertEquals(renamed, ok(a.get("experiments/get", Map.of("experiment_id", id))).at("/experiment/name").asText());
        assertEquals(404, a.get("experiments/get-by-name", Map.of("experiment_name", name)).status(), "the old name is gone on A");

        ok(a.post("experiments/set-experiment-tag", obj("experiment_id", id, "key", "team", "value", "ml")));
        assertEquals(Map.of("team", "ml"), keyValues(ok(b.get("experiments/get", Map.of("experiment_id", id))).at("/experiment/tags")));

        ok(a.post("experiments/delete", obj("experiment_id", id)));
        assertEquals("deleted", ok(b.get("experiments/get", Map.of("experiment_id", id))).at("/experiment/lifecycle_stage").asText());
        Resp runInDeleted = b.post("runs/create", obj("experiment_id", id));
        assertEquals(400, runInDeleted.status(), "B knows the experiment is deleted: " + runInDeleted);
        ok(b.post("experiments/restore", obj("experiment_id", id)));
        assertEquals("active", ok(a.get("experiments/get", Map.of("experiment_id", id))).at("/experiment/lifecycle_stage").asText());
    }

    @Test
    void runsWrittenThroughOneAreReadThroughTheOther() {
        String exp = experiment(a, unique("rep-runs"));
        String run = run(a, exp);
        ok(b.post("runs/log-batch", obj("run_id", run,
                "metrics", List.of(Map.of("key", "loss", "value", 0.5, "timestamp", 1000, "step", 1)),
                "params", List.of(Map.of("key", "lr", "value", "0.01")),
                "tags", List.of(Map.of("key", "stage", "value", "dev")))));
        JsonNode got = ok(a.get("runs/get", Map.of("run_id", run))).get("run");
        assertEquals(0.5, got.at("/data/metrics/0/value").asDouble());
        assertEquals(Map.of("lr", "0.01"), keyValues(got.at("/data/params")));
        assertEquals("dev", keyValues(got.at("/data/tags")).get("stage"));

        // a param changed through the other replica is refused there as well
        Resp changed = a.post("runs/log-parameter", obj("run_id", run, "key", "lr", "value", "0.02"));
        assertEquals(400, changed.status(), changed::toString);
        assertEquals("INVALID_PARAMETER_VALUE", changed.errorCode());

        ok(a.post("runs/update", obj("run_id", run, "status", "FINISHED", "end_time", 5000)));
        JsonNode info = ok(b.get("runs/get", Map.of("run_id", run))).at("/run/info");
        assertEquals("FINISHED", info.get("status").asText());
        assertEquals(5000, info.get("end_time").asLong());

        ok(b.post("runs/delete", obj("run_id", run)));
        assertEquals("deleted", ok(a.get("runs/get", Map.of("run_id", run))).at("/run/info/lifecycle_stage").asText());
        Resp write = a.post("runs/log-metric", obj("run_id", run, "key", "loss", "value", 0.1, "timestamp", 2000, "step", 2));
        assertEquals(400, write.status(), "A refuses writes to the run B deleted: " + write);
        ok(a.post("runs/restore", obj("run_id", run)));
        assertEquals("active", ok(b.get("runs/get", Map.of("run_id", run))).at("/run/info/lifecycle_stage").asText());
    }

    @Test
    void metricHistoryAndLatestValueAcrossReplicas() {
        String run = run(b, experiment(b, unique("rep-metrics")));
        for (int step = 0; step < 6; step++) {
            Api via = step % 2 == 0 ? a : b;
            ok(via.post("runs/log-metric", obj("run_id", run, "key", "acc", "value", step / 10.0, "timestamp", 1000 + step, "step", step)));
        }
        for (Api reader : List.of(a, b)) {
            JsonNode history = ok(reader.get("metrics/get-history", Map.of("run_id", run, "metric_key", "acc"))).get("metrics");
            List<Long> steps = new ArrayList<>();
            history.forEach(m -> steps.add(m.get("step").asLong()));
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), steps);
            JsonNode latest = ok(reader.get("runs/get", Map.of("run_id", run))).at("/run/data/metrics/0");
            assertEquals(5, latest.get("step").asLong());
            assertEquals(0.5, latest.get("value").asDouble());
        }
        // a page of history from one replica continued on the other
        JsonNode page1 = ok(a.get("metrics/get-history", Map.of("run_id", run, "metric_key", "acc", "max_results", "4")));
        assertEquals(4, page1.get("metrics").size());
        JsonNode page2 = ok(b.get("metrics/get-history", Map.of("run_id", run, "metric_key", "acc", "max_results", "4",
                "page_token", page1.get("next_page_token").asText())));
        assertEquals(2, page2.get("metrics").size());
        assertEquals(4, page2.at("/metrics/0/step").asLong());
        assertNull(page2.get("next_page_token"));
    }

    @Test
    void aSearchPagedAcrossBothReplicasListsEveryRunOnce() {
        String exp = experiment(a, unique("rep-search"));
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String r = run(i % 2 == 0 ? a : b, exp);
            ok((i % 2 == 0 ? b : a).post("runs/log-metric", obj("run_id", r, "key", "score", "value", i, "timestamp", 1, "step", 0)));
            runs.add(r);
        }
        List<String> paged = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Api via = pages % 2 == 0 ? a : b;
            var body = obj("experiment_ids", List.of(exp), "filter", "metrics.score >= 0", "order_by", List.of("metrics.score ASC"),
                    "max_results", 3);
            if (token != null) {
                body.put("page_token", token);
            }
            JsonNode page = ok(via.post("runs/search", body));
            page.get("runs").forEach(r -> paged.add(r.at("/info/run_id").asText()));
            token = page.hasNonNull("next_page_token") ? page.get("next_page_token").asText() : null;
            pages++;
        } while (token != null);
        assertEquals(runs, paged, "every run once, in the order of the score, over pages from A, B, A");
        assertEquals(3, pages);

        // experiment search: a token of B continued on A
        String prefix = unique("rep-expsearch");
        for (int i = 0; i < 3; i++) {
            experiment(i % 2 == 0 ? a : b, prefix + "-" + i);
        }
        JsonNode first = ok(b.post("experiments/search", obj("filter", "name LIKE '" + prefix + "%'", "order_by", List.of("name ASC"),
                "max_results", 2)));
        JsonNode rest = ok(a.post("experiments/search", obj("filter", "name LIKE '" + prefix + "%'", "order_by", List.of("name ASC"),
                "max_results", 2, "page_token", first.get("next_page_token").asText())));
        List<String> names = new ArrayList<>();
        first.get("experiments").forEach(e -> names.add(e.get("name").asText()));
        rest.get("experiments").forEach(e -> names.add(e.get("name").asText()));
        assertEquals(List.of(prefix + "-0", prefix + "-1", prefix + "-2"), names);
    }

    @Test
    void modelVersionsCreatedConcurrentlyThroughBothGetUniqueConsecutiveNumbers() throws Exception {
        String model = unique("rep-model");
        ok(a.post("registered-models/create", obj("name", model)));
        int n = 24;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Resp>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Api via = i % 2 == 0 ? a : b;
                String source = "s3://bucket/model-" + i;
                calls.add(pool.submit(() -> {
                    go.await();
                    return via.post("model-versions/create", obj("name", model, "source", source));
                }));
            }
            go.countDown();
            Set<Integer> versions = new TreeSet<>();
            Map<Integer, String> sources = new HashMap<>();
            for (Future<Resp> f : calls) {
                JsonNode v = ok(f.get(60, TimeUnit.SECONDS)).get("model_version");
                int version = v.get("version").asInt();
                assertTrue(versions.add(version), "version " + version + " was given twice");
                sources.put(version, v.get("source").asText());
            }
            assertEquals(IntStream.rangeClosed(1, n).boxed().collect(java.util.stream.Collectors.toCollection(TreeSet::new)), versions,
                    "1.." + n + " without a gap");
            // each number stands for the version that was created with it, read back through either replica
            for (int version : versions) {
                JsonNode v = ok((version % 2 == 0 ? a : b).get("model-versions/get", Map.of("name", model, "version",
                        Integer.toString(version)))).get("model_version");
                assertEquals(sources.get(version), v.get("source").asText());
            }
            JsonNode latest = ok(b.get("registered-models/get", Map.of("name", model))).at("/registered_model/latest_versions/0");
            assertEquals(Integer.toString(n), latest.get("version").asText());
            // the next one continues the sequence on either replica
            assertEquals(Integer.toString(n + 1), ok(b.post("model-versions/create", obj("name", model, "source", "s3://bucket/next")))
                    .at("/model_version/version").asText());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void artifactsUploadedThroughOneAreDownloadedThroughTheOther() throws Exception {
        String exp = experiment(a, unique("rep-artifacts"));
        String path = exp + "/" + UUID.randomUUID().toString().replace("-", "") + "/artifacts/model/weights.bin";
        byte[] content = new byte[300_000];
        new java.util.Random(7).nextBytes(content);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(baseA + "/api/2.0/mlflow-artifacts/artifacts/" + path))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).header("Content-Type", "application/octet-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put::body);
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(baseB + "/api/2.0/mlflow-artifacts/artifacts/" + path))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, get.statusCode());
        assertArrayEquals(content, get.body());
        String dir = path.substring(0, path.lastIndexOf('/'));
        JsonNode listed = ok(b.send("GET", "/api/2.0/mlflow-artifacts/artifacts?path=" + dir, null, null)).get("files");
        assertEquals(1, listed.size(), listed::toString);
        assertEquals("weights.bin", listed.get(0).get("path").asText());
        assertEquals(content.length, listed.get(0).get("file_size").asLong());

        // deleted through B: gone for A
        assertEquals(200, b.send("DELETE", "/api/2.0/mlflow-artifacts/artifacts/" + path, null, null).status());
        assertEquals(404, a.send("GET", "/api/2.0/mlflow-artifacts/artifacts/" + path, null, null).status());
    }

    @Test
    void theSameNewDatasetRecordUpsertedConcurrentlyThroughBothIsOneRecord() throws Exception {
        String exp = experiment(a, unique("rep-dataset"));
        String id = ok(a.send("POST", "/api/3.0/mlflow/datasets/create", obj("name", unique("d"), "experiment_ids",
                List.of(exp)).toString(), "application/json")).at("/dataset/dataset_id").asText();
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Resp>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Api via = i % 2 == 0 ? a : b;
                String records = "[{\"inputs\": {\"question\": \"same\"}, \"expectations\": {\"answer\": \"" + i + "\"}}]";
                calls.add(pool.submit(() -> {
                    go.await();
                    return via.send("POST", "/api/3.0/mlflow/datasets/" + id + "/records", obj("records", records).toString(),
                            "application/json");
                }));
            }
            go.countDown();
            int inserted = 0;
            int updated = 0;
            for (Future<Resp> f : calls) {
                JsonNode r = ok(f.get(60, TimeUnit.SECONDS));
                inserted += r.get("inserted_count").asInt();
                updated += r.get("updated_count").asInt();
            }
            assertEquals(1, inserted, "one upsert made the record");
            assertEquals(n - 1, updated, "the others updated it");
        } finally {
            pool.shutdownNow();
        }
        JsonNode page = ok(b.send("GET", "/api/3.0/mlflow/datasets/" + id + "/records", null, null));
        JsonNode records = Api.JSON.readTree(page.get("records").asText());
        assertEquals(1, records.size(), records::toString);
    }

    @Test
    void concurrentLogBatchToOneRunThroughBothLosesNothingAndAnswersNoError() throws Exception {
        String run = run(a, experiment(a, unique("rep-concurrent")));
        int writers = 8;
        int batches = 12;
        List<String> shared = List.of("loss", "acc", "f1", "auc", "mae");
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Resp>>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                Api via = w % 2 == 0 ? a : b;
                results.add(pool.submit((Callable<List<Resp>>) () -> {
                    go.await();
                    List<Resp> out = new ArrayList<>();
                    for (int i = 0; i < batches; i++) {
                        long step = (long) writer * batches + i;
                        List<Map<String, Object>> metrics = new ArrayList<>();
                        // the shared keys in a different order per writer: the latest-value rows are contended
                        for (int k = 0; k < shared.size(); k++) {
                            String key = shared.get((k + writer) % shared.size());
                            metrics.add(Map.of("key", key, "value", (double) step, "timestamp", 1000 + step, "step", step));
                        }
                        metrics.add(Map.of("key", "own-" + writer, "value", (double) i, "timestamp", 1000 + i, "step", i));
                        out.add(via.post("runs/log-batch", obj("run_id", run, "metrics", metrics,
                                "params", List.of(Map.of("key", "p-" + writer + "-" + i, "value", Long.toString(step))),
                                "tags", List.of(Map.of("key", "last-writer", "value", "w" + writer),
                                        Map.of("key", "t-" + writer + "-" + i, "value", "x")))));
                    }
                    return out;
                }));
            }
            go.countDown();
            for (Future<List<Resp>> f : results) {
                for (Resp r : f.get(120, TimeUnit.SECONDS)) {
                    assertEquals(200, r.status(), () -> "a concurrent log-batch failed: " + r);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        int total = writers * batches;
        for (Api reader : List.of(a, b)) {
            for (String key : shared) {
                JsonNode history = ok(reader.get("metrics/get-history", Map.of("run_id", run, "metric_key", key))).get("metrics");
                assertEquals(total, history.size(), key + ": every logged point is kept");
                Set<Long> steps = new HashSet<>();
                history.forEach(m -> steps.add(m.get("step").asLong()));
                assertEquals(total, steps.size());
            }
            JsonNode data = ok(reader.get("runs/get", Map.of("run_id", run))).at("/run/data");
            Map<String, JsonNode> latest = new HashMap<>();
            data.get("metrics").forEach(m -> latest.put(m.get("key").asText(), m));
            for (String key : shared) {
                assertEquals(total - 1, latest.get(key).get("step").asLong(), key + ": the latest value is the highest step");
                assertEquals(total - 1.0, latest.get(key).get("value").asDouble());
            }
            for (int w = 0; w < writers; w++) {
                assertNotNull(latest.get("own-" + w), "own-" + w);
                assertEquals(batches - 1, latest.get("own-" + w).get("step").asLong());
            }
            Map<String, String> params = keyValues(data.get("params"));
            assertEquals(total, params.size(), "every param of every writer");
            for (int w = 0; w < writers; w++) {
                for (int i = 0; i < batches; i++) {
                    assertEquals(Long.toString((long) w * batches + i), params.get("p-" + w + "-" + i));
                }
            }
            Map<String, String> tags = keyValues(data.get("tags"));
            long written = tags.keySet().stream().filter(k -> k.startsWith("t-")).count();
            assertEquals(total, written, "every tag of every writer");
            assertTrue(tags.get("last-writer").matches("w[0-7]"), tags.get("last-writer"));
            // the search's copy of params and tags (run_docs) agrees with the tables on both replicas
            JsonNode found = ok(reader.post("runs/search", obj("experiment_ids",
                    List.of(ok(reader.get("runs/get", Map.of("run_id", run))).at("/run/info/experiment_id").asText()),
                    "filter", "params.`p-7-11` = '" + (total - 1) + "'")));
            assertEquals(1, found.get("runs").size(), found::toString);
            assertEquals(total, keyValues(found.at("/runs/0/data/params")).size());
        }
    }
}
