package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class RunsApiTest {
    @TestHTTPResource("/")
    URL root;
    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
    }

    private String experiment() {
        Resp r = api.post("experiments/create", obj("name", "runs-" + UUID.randomUUID()));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("experiment_id").asText();
    }

    private String run(String exp, Object... extra) {
        Object[] kv = new Object[extra.length + 4];
        kv[0] = "experiment_id";
        kv[1] = exp;
        kv[2] = "start_time";
        kv[3] = System.currentTimeMillis();
        System.arraycopy(extra, 0, kv, 4, extra.length);
        Resp r = api.post("runs/create", obj(kv));
        assertEquals(200, r.status(), r.toString());
        return r.json().at("/run/info/run_id").asText();
    }

    @Test
    void longParamAndTagValuesAreCutToUpstreamLimits() {
        String id = run(experiment());
        String random = randomText(7000);
        assertEquals(200, api.post("runs/log-parameter", obj("run_id", id, "key", "long", "value", random)).status());
        // the same long value again is the same param, not a changed one
        assertEquals(200, api.post("runs/log-parameter", obj("run_id", id, "key", "long", "value", random)).status());
        String emoji = "\uD83D\uDE00".repeat(6500); // 6,500 characters outside the BMP: cut at 6,000 characters
        assertEquals(200, api.post("runs/log-batch", obj("run_id", id, "params", List.of(Map.of("key", "emoji", "value", emoji)),
                "tags", List.of(Map.of("key", "note", "value", randomText(9000))))).status());
        assertEquals(200, api.post("runs/set-tag", obj("run_id", id, "key", "t", "value", "v".repeat(8001))).status());
        Map<String, String> params = new HashMap<>();
        getRun(id).at("/data/params").forEach(p -> params.put(p.get("key").asText(), p.get("value").asText()));
        assertEquals(random.substring(0, 6000), params.get("long"));
        assertEquals("\uD83D\uDE00".repeat(6000), params.get("emoji"));
        Map<String, String> tags = new HashMap<>();
        getRun(id).at("/data/tags").forEach(t -> tags.put(t.get("key").asText(), t.get("value").asText()));
        assertEquals(8000, tags.get("note").length());
        assertEquals("v".repeat(8000), tags.get("t"));
        Resp found = api.post("runs/search", obj("experiment_ids", List.of(getRun(id).at("/info/experiment_id").asText()),
                "filter", "params.long = '" + random.substring(0, 6000) + "'"));
        assertEquals(200, found.status(), found.toString());
        assertEquals(1, found.json().get("runs").size());
        // equality around the indexed 256-character prefix: shorter, exactly as long, longer, same prefix
        String exp = getRun(id).at("/info/experiment_id").asText();
        String p255 = "a".repeat(255);
        String p256 = "a".repeat(256);
        String p300 = "a".repeat(300);
        api.post("runs/log-batch", obj("run_id", id, "params", List.of(Map.of("key", "k255", "value", p255),
                Map.of("key", "k256", "value", p256), Map.of("key", "k300", "value", p300))));
        for (String key : List.of("k255", "k256", "k300")) {
            for (String value : List.of(p255, p256, p300)) {
                Resp r = api.post("runs/search", obj("experiment_ids", List.of(exp),
                        "filter", "params." + key + " = '" + value + "'"));
                int expected = key.substring(1).equals(Integer.toString(value.length())) ? 1 : 0;
                assertEquals(expected, r.json().has("runs") ? r.json().get("runs").size() : 0, key + " = " + value.length() + " chars");
            }
        }
    }

    /** Incompressible printable text, as a long repr or JSON blob of a real param would be. */
    private static String randomText(int n) {
        java.util.Random rnd = new java.util.Random(n);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) (33 + rnd.nextInt(90)));
        }
        return sb.toString().replace("'", "\"");
    }

    @Test
    void isNullAndIsNotNullOnParamsAndTags() {
        String exp = experiment();
        String with = run(exp);
        String without = run(exp);
        api.post("runs/log-parameter", obj("run_id", with, "key", "lr", "value", "0.1"));
        api.post("runs/set-tag", obj("run_id", with, "key", "team", "value", "x"));
        assertEquals(List.of(without), searchIds(exp, "params.lr IS NULL"));
        assertEquals(List.of(with), searchIds(exp, "params.lr IS NOT NULL"));
        assertEquals(List.of(without), searchIds(exp, "tags.team is null"));
        assertEquals(List.of(with), searchIds(exp, "tags.`team` IS NOT NULL AND params.lr = '0.1'"));
        for (String bad : List.of("metrics.m IS NULL", "attributes.run_name IS NOT NULL", "params.lr IS 'x'", "tags.t IS NOT")) {
            assertError(api.post("runs/search", obj("experiment_ids", List.of(exp), "filter", bad)), 400, "INVALID_PARAMETER_VALUE");
        }
    }

    private List<String> searchIds(String exp, String filter) {
        Resp r = api.post("runs/search", obj("experiment_ids", List.of(exp), "filter", filter));
        assertEquals(200, r.status(), filter + " -> " + r);
        List<String> ids = new ArrayList<>();
        if (r.json().has("runs")) {
            r.json().get("runs").forEach(run -> ids.add(run.at("/info/run_id").asText()));
        }
        return ids;
    }

    @Test
    void historyOfAnUnknownRunIsEmptyAsUpstream() {
        Resp r = api.get("metrics/get-history", Map.of("run_id", "0123456789abcdef0123456789abcdef", "metric_key", "loss"));
        assertEquals(200, r.status(), r.toString());
        assertEquals("{}", r.json().toString());
    }

    /** What an MLflow 2 client's log_model sends to runs/log-model (the MLmodel file as JSON). */
    private static String modelJson(String runId, String artifactPath, String uuid) {
        return obj("run_id", runId, "artifact_path", artifactPath, "utc_time_created", "2026-11-30 07:00:00.000000",
                "model_uuid", uuid, "mlflow_version", "2.22.0", "signature", Map.of("inputs", "[]"),
                "flavors", Map.of(
                        "python_function", Map.of("loader_module", "mlflow.sklearn", "env", Map.of("conda", "conda.yaml"),
                                "config", Map.of("large", "x".repeat(100))),
                        "sklearn", Map.of("pickled_model", "model.pkl", "sklearn_version", "1.9.1"))).toString();
    }

    private String tag(String runId, String key) {
        for (JsonNode t : getRun(runId).at("/data/tags")) {
            if (t.get("key").asText().equals(key)) {
                return t.get("value").asText();
            }
        }
        return null;
    }

    @Test
    void logModelAppendsEachModelsSummaryToTheRunsHistoryTag() throws Exception {
        String exp = experiment();
        String id = run(exp);
        assertEquals(200, api.post("runs/log-model", obj("run_id", id, "model_json", modelJson(id, "model", "u1"))).status());
        Resp second = api.post("runs/log-model", obj("run_id", id, "model_json", modelJson(id, "other_model", "u2")));
        assertEquals(200, second.status(), second.toString());
        assertEquals("{}", second.text());

        JsonNode history = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tag(id, "mlflow.log-model.history"));
        assertEquals(2, history.size(), history.toString());
        JsonNode first = history.get(0);
        assertEquals(id, first.get("run_id").asText());
        assertEquals("model", first.get("artifact_path").asText());
        assertEquals("2026-11-30 07:00:00.000000", first.get("utc_time_created").asText());
        assertEquals("u1", first.get("model_uuid").asText());
        assertEquals("model.pkl", first.at("/flavors/sklearn/pickled_model").asText());
        assertEquals("mlflow.sklearn", first.at("/flavors/python_function/loader_module").asText());
        // as upstream: a flavor's "config" and the model's other fields stay in the MLmodel file only
        assertFalse(first.at("/flavors/python_function").has("config"), first.toString());
        assertFalse(first.has("signature") || first.has("mlflow_version"), first.toString());
        assertEquals("other_model", history.get(1).get("artifact_path").asText());
        // the tag is searchable like any other
        Resp found = api.post("runs/search", obj("experiment_ids", List.of(exp), "filter",
                "tags.`mlflow.log-model.history` LIKE '%other_model%'"));
        assertEquals(1, found.json().get("runs").size(), found.toString());
    }

    @Test
    void logModelRefusesBadModelJsonAndRunsItCannotWriteTo() {
        String id = run(experiment());
        assertError(api.post("runs/log-model", obj("run_id", id)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-model", obj("model_json", modelJson(id, "m", "u"))), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-model", obj("run_id", id, "model_json", "{not json")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-model", obj("run_id", id, "model_json", "[1, 2]")), 400, "INVALID_PARAMETER_VALUE");
        Resp missing = api.post("runs/log-model", obj("run_id", id, "model_json", obj("run_id", id, "artifact_path", "m").toString()));
        assertError(missing, 400, "INVALID_PARAMETER_VALUE");
        assertTrue(missing.json().get("message").asText().contains("flavors")
                && missing.json().get("message").asText().contains("utc_time_created"), missing.toString());
        assertError(api.post("runs/log-model", obj("run_id", id, "model_json", obj("run_id", id, "artifact_path", "m",
                "utc_time_created", "t", "flavors", "sklearn").toString())), 400, "INVALID_PARAMETER_VALUE");
        assertNull(tag(id, "mlflow.log-model.history"));

        assertError(api.post("runs/log-model", obj("run_id", "0".repeat(32), "model_json", modelJson("0".repeat(32), "m", "u"))),
                404, "RESOURCE_DOES_NOT_EXIST");
        // a tag that is not a JSON list is not extended
        assertEquals(200, api.post("runs/set-tag", obj("run_id", id, "key", "mlflow.log-model.history", "value", "oops")).status());
        assertError(api.post("runs/log-model", obj("run_id", id, "model_json", modelJson(id, "m", "u"))), 400, "INVALID_PARAMETER_VALUE");
        assertEquals("oops", tag(id, "mlflow.log-model.history"));
        // nor is one that would grow past a run tag's 8,000 characters
        String big = run(experiment());
        String longPath = "p".repeat(3000);
        assertEquals(200, api.post("runs/log-model", obj("run_id", big, "model_json", modelJson(big, longPath + "1", "u"))).status());
        assertEquals(200, api.post("runs/log-model", obj("run_id", big, "model_json", modelJson(big, longPath + "2", "u"))).status());
        assertError(api.post("runs/log-model", obj("run_id", big, "model_json", modelJson(big, longPath + "3", "u"))), 400,
                "INVALID_PARAMETER_VALUE");
        assertTrue(tag(big, "mlflow.log-model.history").contains(longPath + "2"));
        // a deleted run takes no more models
        assertEquals(200, api.post("runs/delete", obj("run_id", big)).status());
        assertError(api.post("runs/log-model", obj("run_id", big, "model_json", modelJson(big, "m", "u"))), 400,
                "INVALID_PARAMETER_VALUE");
    }

    private JsonNode getRun(String id) {
        Resp r = api.get("runs/get", Map.of("run_id", id));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("run");
    }

    private static void assertError(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(code, r.errorCode(), r.toString());
        assertNotNull(r.json().get("message"));
    }

    @Test
    void createdRunHasHexIdArtifactUriAndRandomName() {
        String exp = experiment();
        String id = run(exp);
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        JsonNode run = getRun(id);
        assertEquals("mlflow-artifacts:/" + exp + "/" + id + "/artifacts", run.at("/info/artifact_uri").asText());
        String name = run.at("/info/run_name").asText();
        assertFalse(name.isEmpty());
        assertEquals("mlflow.runName", run.at("/data/tags/0/key").asText());
        assertEquals(name, run.at("/data/tags/0/value").asText());
        assertEquals("RUNNING", run.at("/info/status").asText());
        assertEquals(id, api.get("runs/get", Map.of("run_uuid", id)).json().at("/run/info/run_uuid").asText());
    }

    @Test
    void metricsParamsTagsAndLifecycle() {
        String exp = experiment();
        String id = run(exp, "run_name", "named");
        assertEquals("named", getRun(id).at("/info/run_name").asText());

        Map<String, Object> m = Map.of("run_id", id, "key", "loss", "value", 0.5, "timestamp", 10, "step", 1);
        assertEquals(200, api.post("runs/log-metric", Api.JSON.valueToTree(m)).status());
        assertEquals(200, api.post("runs/log-metric", Api.JSON.valueToTree(m)).status(), "identical duplicate accepted");
        assertEquals(200, api.post("runs/log-metric", obj("run_id", id, "key", "loss", "value", "NaN", "timestamp", "11", "step", "0")).status());
        JsonNode run = getRun(id);
        assertEquals(0.5, run.at("/data/metrics/0/value").asDouble(), "latest is by step first");
        Resp hist = api.get("metrics/get-history", Map.of("run_id", id, "metric_key", "loss"));
        assertEquals(2, hist.json().get("metrics").size());
        assertEquals("NaN", hist.json().at("/metrics/1/value").asText());

        assertEquals(200, api.post("runs/log-parameter", obj("run_id", id, "key", "lr", "value", "0.1")).status());
        assertEquals(200, api.post("runs/log-parameter", obj("run_id", id, "key", "lr", "value", "0.1")).status());
        assertError(api.post("runs/log-parameter", obj("run_id", id, "key", "lr", "value", "0.2")), 400, "INVALID_PARAMETER_VALUE");

        assertEquals(200, api.post("runs/set-tag", obj("run_id", id, "key", "t", "value", "v")).status());
        assertEquals(200, api.post("runs/delete-tag", obj("run_id", id, "key", "t")).status());
        assertError(api.post("runs/delete-tag", obj("run_id", id, "key", "t")), 404, "RESOURCE_DOES_NOT_EXIST");

        Resp upd = api.post("runs/update", obj("run_id", id, "status", "FINISHED", "end_time", 99));
        assertEquals("FINISHED", upd.json().at("/run_info/status").asText());
        assertEquals(99, upd.json().at("/run_info/end_time").asLong());

        assertEquals(200, api.post("runs/delete", obj("run_id", id)).status());
        assertEquals("deleted", getRun(id).at("/info/lifecycle_stage").asText());
        assertError(api.post("runs/log-metric", obj("run_id", id, "key", "x", "value", 1, "timestamp", 1)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/set-tag", obj("run_id", id, "key", "x", "value", "1")), 400, "INVALID_PARAMETER_VALUE");
        assertEquals(200, api.post("runs/restore", obj("run_id", id)).status());
        assertEquals(200, api.post("runs/set-tag", obj("run_id", id, "key", "x", "value", "1")).status());
    }

    @Test
    void logBatchInputsAndOutputs() {
        String exp = experiment();
        String id = run(exp);
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (int i = 0; i < 990; i++) { // 990 metrics + 1 param + 1 tag stays within the 1000-entity limit
            metrics.add(Map.of("key", "m" + (i % 10), "value", i, "timestamp", 1000 + i, "step", i / 10));
        }
        Resp ok = api.post("runs/log-batch", obj("run_id", id, "metrics", metrics,
                "params", List.of(Map.of("key", "p", "value", "1")), "tags", List.of(Map.of("key", "t", "value", "2"))));
        assertEquals(200, ok.status(), ok.toString());
        JsonNode run = getRun(id);
        assertEquals(10, run.at("/data/metrics").size());
        assertEquals(989, run.at("/data/metrics/9/value").asDouble());
        assertEquals("p", run.at("/data/params/0/key").asText());

        Resp inputs = api.post("runs/log-inputs", obj("run_id", id, "datasets", List.of(Map.of(
                "tags", List.of(Map.of("key", "mlflow.data.context", "value", "training")),
                "dataset", Map.of("name", "iris", "digest", "abc123", "source_type", "local", "source", "{}"))),
                "models", List.of(Map.of("model_id", "m-123"))));
        assertEquals(200, inputs.status(), inputs.toString());
        assertEquals(200, api.post("runs/outputs", obj("run_id", id, "models", List.of(Map.of("model_id", "m-456", "step", 3)))).status());
        run = getRun(id);
        assertEquals("iris", run.at("/inputs/dataset_inputs/0/dataset/name").asText());
        assertEquals("training", run.at("/inputs/dataset_inputs/0/tags/0/value").asText());
        assertEquals("m-123", run.at("/inputs/model_inputs/0/model_id").asText());
        assertEquals("m-456", run.at("/outputs/model_outputs/0/model_id").asText());
        assertEquals(3, run.at("/outputs/model_outputs/0/step").asLong());

        Resp byDataset = api.post("runs/search", obj("experiment_ids", List.of(exp), "filter", "datasets.name = 'iris' AND dataset.context = 'training'"));
        assertEquals(1, byDataset.json().get("runs").size(), byDataset.toString());
    }

    @Test
    void searchFiltersOrdersNaNAndMissingLastAndPages() {
        String exp = experiment();
        Map<String, String> ids = new HashMap<>();
        double[] values = {1.0, 3.0, Double.NaN, 2.0};
        for (int i = 0; i < values.length; i++) {
            String id = run(exp, "run_name", "r" + i);
            ids.put("r" + i, id);
            api.post("runs/log-batch", obj("run_id", id,
                    "metrics", List.of(Map.of("key", "acc", "value", Double.isNaN(values[i]) ? "NaN" : values[i], "timestamp", 1, "step", 0)),
                    "params", List.of(Map.of("key", "model", "value", i % 2 == 0 ? "tree" : "linear"))));
        }
        ids.put("r4", run(exp, "run_name", "r4")); // no metric

        for (String dir : List.of("ASC", "DESC")) {
            Resp r = api.post("runs/search", obj("experiment_ids", List.of(exp), "order_by", List.of("metrics.acc " + dir)));
            List<String> names = names(r);
            List<String> expected = dir.equals("ASC") ? List.of("r0", "r3", "r1", "r2", "r4") : List.of("r1", "r3", "r0", "r2", "r4");
            assertEquals(expected, names, dir);
        }

        Resp filtered = api.post("runs/search", obj("experiment_ids", List.of(exp),
                "filter", "metrics.acc >= 1.5 and params.model = 'linear'"));
        assertEquals(List.of("r1", "r3").stream().sorted().toList(), names(filtered).stream().sorted().toList());

        Resp inIds = api.get("runs/search", Map.of("experiment_ids", exp, "filter", "attributes.run_id IN ('" + ids.get("r0") + "', '" + ids.get("r4") + "')"));
        assertEquals(2, inIds.json().get("runs").size(), inIds.toString());

        Resp like = api.post("runs/search", obj("experiment_ids", List.of(exp), "filter", "tags.\"mlflow.runName\" LIKE 'r%' AND run_name != 'r0'"));
        assertEquals(4, like.json().get("runs").size());

        List<String> paged = new ArrayList<>();
        String token = null;
        do {
            Resp p = api.post("runs/search", token == null
                    ? obj("experiment_ids", List.of(exp), "max_results", 2, "order_by", List.of("attributes.run_name"))
                    : obj("experiment_ids", List.of(exp), "max_results", 2, "order_by", List.of("attributes.run_name"), "page_token", token));
            paged.addAll(names(p));
            token = p.json().has("next_page_token") ? p.json().get("next_page_token").asText() : null;
        } while (token != null);
        assertEquals(List.of("r0", "r1", "r2", "r3", "r4"), paged);

        api.post("runs/delete", obj("run_id", ids.get("r0")));
        assertEquals(4, api.post("runs/search", obj("experiment_ids", List.of(exp))).json().get("runs").size());
        assertEquals(1, api.post("runs/search", obj("experiment_ids", List.of(exp), "run_view_type", "DELETED_ONLY")).json().get("runs").size());
    }

    private static List<String> names(Resp r) {
        assertEquals(200, r.status(), r.toString());
        List<String> out = new ArrayList<>();
        if (r.json().has("runs")) {
            r.json().get("runs").forEach(n -> out.add(n.at("/info/run_name").asText()));
        }
        return out;
    }

    @Test
    void metricHistoryPagesAndBulkInterval() {
        String exp = experiment();
        String id = run(exp);
        for (int b = 0; b < 3; b++) {
            List<Map<String, Object>> metrics = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int s = b * 1000 + i;
                metrics.add(Map.of("key", "loss", "value", s, "timestamp", s, "step", s));
            }
            assertEquals(200, api.post("runs/log-batch", obj("run_id", id, "metrics", metrics)).status());
        }
        Resp first = api.get("metrics/get-history", Map.of("run_id", id, "metric_key", "loss", "max_results", "2000"));
        assertEquals(2000, first.json().get("metrics").size());
        Resp second = api.get("metrics/get-history", Map.of("run_id", id, "metric_key", "loss", "max_results", "2000",
                "page_token", first.json().get("next_page_token").asText()));
        assertEquals(1000, second.json().get("metrics").size());
        assertEquals(2000, second.json().at("/metrics/0/step").asLong());
        assertFalse(second.json().has("next_page_token"));
        assertEquals(3000, api.get("metrics/get-history", Map.of("run_id", id, "metric_key", "loss")).json().get("metrics").size());

        Resp interval = api.get("metrics/get-history-bulk-interval", Map.of("run_ids", id, "metric_key", "loss", "max_results", "100"));
        assertEquals(200, interval.status(), interval.toString());
        int n = interval.json().get("metrics").size();
        assertTrue(n >= 100 && n <= 102, "sampled " + n);
        assertEquals(id, interval.json().at("/metrics/0/run_id").asText());
        assertEquals(2999, interval.json().at("/metrics/" + (n - 1) + "/step").asLong());
        assertError(api.get("metrics/get-history-bulk-interval", Map.of("run_ids", id, "metric_key", "loss", "max_results", "3000")), 400, "INVALID_PARAMETER_VALUE");
    }

    @Test
    void badInputIsAnswered4xxInMlflowFormat() {
        String exp = experiment();
        String id = run(exp);
        assertError(api.get("runs/get", Map.of("run_id", "0123456789abcdef0123456789abcdef")), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(api.post("runs/log-metric", obj("run_id", "nope", "key", "a", "value", 1, "timestamp", 1)), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(api.post("runs/create", obj("experiment_id", "424242")), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(api.post("runs/log-metric", "{\"run_id\": \"" + id + "\", \"key\": \"a\", \"value\": \"abc\", \"timestamp\": 1}"), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", "{\"run_id\": \"" + id + "\", \"key\": \"a\", \"value\": 1, \"timestamp\": [1]}"), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", "{\"run_id\": \"" + id + "\", \"key\": \"a\", \"value\": 1, \"timestamp\": 1, \"step\": 1.5}"), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", "{\"run_id\": \"" + id + "\", \"key\": \"a\", "), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", "[1, 2]"), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", obj("run_id", id, "key", "k".repeat(251), "value", 1, "timestamp", 1)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", obj("run_id", id, "key", "../escape", "value", 1, "timestamp", 1)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", obj("run_id", id, "key", "a", "value", 1)), 400, "INVALID_PARAMETER_VALUE");
        assertEquals(200, api.post("runs/set-tag", obj("run_id", id, "key", "t", "value", "v".repeat(8000))).status());
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(Map.of("key", "m", "value", i, "timestamp", i));
        }
        assertError(api.post("runs/log-batch", obj("run_id", id, "metrics", many)), 400, "INVALID_PARAMETER_VALUE");
        List<Map<String, Object>> params = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            params.add(Map.of("key", "p" + i, "value", "v"));
        }
        assertError(api.post("runs/log-batch", obj("run_id", id, "params", params)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-batch", obj("run_id", id, "params", List.of(Map.of("key", "d", "value", "1"), Map.of("key", "d", "value", "2")))), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/update", obj("run_id", id, "status", "DONE")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/search", obj("experiment_ids", List.of(exp), "max_results", 50001)), 400, "INVALID_PARAMETER_VALUE");
        for (String filter : List.of("metrics.acc > 'x'", "params.a = 1", "metrics.a > 1 OR metrics.b > 1",
                "params.a = 'x'; DROP TABLE runs; --", "params.a = 'x' UNION SELECT run_uuid FROM runs", "attributes.foo = 'x'",
                "1 = 1", "tags.x = 'a' AND (1=1)")) {
            assertError(api.post("runs/search", obj("experiment_ids", List.of(exp), "filter", filter)), 400, "INVALID_PARAMETER_VALUE");
        }
        for (String order : List.of("metrics.acc SIDEWAYS", "foo.bar", "attributes.nope", "metrics.a; DROP TABLE runs")) {
            assertError(api.post("runs/search", obj("experiment_ids", List.of(exp), "order_by", List.of(order))), 400, "INVALID_PARAMETER_VALUE");
        }
        assertError(api.post("runs/search", obj("experiment_ids", List.of(exp), "order_by", List.of("metrics.a", "metrics.a DESC"))), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/search", obj("experiment_ids", List.of(exp), "page_token", "garbage!")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/create", obj("experiment_id", exp, "user_id", "u".repeat(300))), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/set-tag", obj("run_id", id, "key", "nul", "value", "a\u0000b")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("experiments/create", obj("name", "nul\u0000name")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("runs/log-metric", obj("run_id", id, "key", "big", "value", 1, "timestamp", "99999999999999999999")), 400, "INVALID_PARAMETER_VALUE");
        // a quoted injection attempt is just a value that matches nothing; the table is still there
        Resp harmless = api.post("runs/search", obj("experiment_ids", List.of(exp), "filter", "params.a = 'x''; DROP TABLE runs; --'"));
        assertEquals(200, harmless.status(), harmless.toString());
        assertEquals(200, api.get("runs/get", Map.of("run_id", id)).status());
    }
}
