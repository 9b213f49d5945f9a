package dev.dmsmlflow.tracking.models;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class LoggedModelsApiTest {
    private static final String LM = "/api/2.0/mlflow/logged-models";
    @TestHTTPResource("/")
    URL root;
    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
    }

    private String experiment() {
        Resp r = api.post("experiments/create", obj("name", "lm-" + UUID.randomUUID()));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("experiment_id").asText();
    }

    private Resp send(String method, String path, Object body) {
        return api.send(method, LM + path, body == null ? null : body.toString(), body == null ? null : "application/json");
    }

    private JsonNode create(Object body) {
        Resp r = send("POST", "", body);
        assertEquals(200, r.status(), r.toString());
        return r.json().get("model");
    }

    private static List<Map<String, String>> kv(String... kv) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.add(Map.of("key", kv[i], "value", kv[i + 1]));
        }
        return out;
    }

    @Test
    void createGetFinalizeDelete() {
        String exp = experiment();
        JsonNode m = create(obj("experiment_id", exp, "name", "iris_model", "model_type", "sklearn",
                "params", kv("C", "1.0", "max_iter", "200"), "tags", kv("team", "a")));
        JsonNode info = m.get("info");
        String id = info.get("model_id").asText();
        assertTrue(id.matches("m-[0-9a-f]{32}"), id);
        assertEquals(exp, info.get("experiment_id").asText());
        assertEquals("iris_model", info.get("name").asText());
        assertEquals("LOGGED_MODEL_PENDING", info.get("status").asText());
        assertEquals("mlflow-artifacts:/" + exp + "/models/" + id + "/artifacts", info.get("artifact_uri").asText());
        assertTrue(info.get("creation_timestamp_ms").isNumber());
        assertEquals("sklearn", info.get("model_type").asText());
        assertEquals("team", info.at("/tags/0/key").asText());
        assertEquals(2, m.at("/data/params").size());

        Resp got = send("GET", "/" + id, null);
        assertEquals(200, got.status(), got.toString());
        assertEquals(id, got.json().at("/model/info/model_id").asText());

        Resp fin = send("PATCH", "/" + id, obj("model_id", id, "status", "LOGGED_MODEL_READY"));
        assertEquals(200, fin.status(), fin.toString());
        assertEquals("LOGGED_MODEL_READY", fin.json().at("/model/info/status").asText());
        Resp fin2 = send("PATCH", "/" + id, obj("status", 3));
        assertEquals("LOGGED_MODEL_UPLOAD_FAILED", fin2.json().at("/model/info/status").asText());

        assertEquals(200, send("DELETE", "/" + id, obj("model_id", id)).status());
        Resp gone = send("GET", "/" + id, null);
        assertEquals(404, gone.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", gone.errorCode());
    }

    @Test
    void randomNameWhenAbsentAndCamelCaseAccepted() {
        String exp = experiment();
        JsonNode m = create(obj("experimentId", exp, "sourceRunId", "0123456789abcdef0123456789abcdef"));
        assertFalse(m.at("/info/name").asText().isEmpty());
        assertEquals("0123456789abcdef0123456789abcdef", m.at("/info/source_run_id").asText());
    }

    @Test
    void tagsAndParams() {
        String exp = experiment();
        String id = create(obj("experiment_id", exp)).at("/info/model_id").asText();
        assertEquals(200, send("PATCH", "/" + id + "/tags", obj("tags", kv("a", "1", "b", "2"))).status());
        assertEquals(200, send("PATCH", "/" + id + "/tags", obj("tags", kv("a", "3"))).status());
        assertEquals(200, send("DELETE", "/" + id + "/tags/b", null).status());
        Resp missingTag = send("DELETE", "/" + id + "/tags/nope", null);
        assertEquals(404, missingTag.status());
        assertEquals(200, send("POST", "/" + id + "/params", obj("model_id", id, "params", kv("p", "x"))).status());
        assertEquals(200, send("POST", "/" + id + "/params", obj("params", kv("p", "x"))).status());
        Resp changed = send("POST", "/" + id + "/params", obj("params", kv("p", "y")));
        assertEquals(400, changed.status());
        assertEquals("INVALID_PARAMETER_VALUE", changed.errorCode());
        // logged-model params have no length limit (upstream: an unchecked TEXT column)
        String longValue = "v".repeat(10_000);
        assertEquals(200, send("POST", "/" + id + "/params", obj("params", kv("long", longValue))).status());
        JsonNode m = send("GET", "/" + id, null).json().get("model");
        assertEquals(1, m.at("/info/tags").size());
        assertEquals("3", m.at("/info/tags/0/value").asText());
        Map<String, String> params = new java.util.HashMap<>();
        m.at("/data/params").forEach(p -> params.put(p.get("key").asText(), p.get("value").asText()));
        assertEquals("x", params.get("p"));
        assertEquals(longValue, params.get("long"));
    }

    @Test
    void metricsLoggedWithModelIdAppearInData() {
        String exp = experiment();
        Resp run = api.post("runs/create", obj("experiment_id", exp, "start_time", 1000));
        assertEquals(200, run.status(), run.toString());
        String runId = run.json().at("/run/info/run_id").asText();
        String id = create(obj("experiment_id", exp, "source_run_id", runId)).at("/info/model_id").asText();
        Resp logged = api.post("runs/log-metric", obj("run_id", runId, "key", "acc", "value", 0.9, "timestamp", 5, "step", 0,
                "model_id", id, "dataset_name", "test", "dataset_digest", "abc"));
        assertEquals(200, logged.status(), logged.toString());
        JsonNode m = send("GET", "/" + id, null).json().get("model");
        assertEquals(1, m.at("/data/metrics").size(), m.toString());
        assertEquals("acc", m.at("/data/metrics/0/key").asText());
        assertEquals(0.9, m.at("/data/metrics/0/value").asDouble());
        assertEquals(runId, m.at("/data/metrics/0/run_id").asText());
        assertEquals("test", m.at("/data/metrics/0/dataset_name").asText());

        Resp s = send("POST", "/search", obj("experiment_ids", List.of(exp), "filter", "metrics.acc > 0.5"));
        assertEquals(1, s.json().get("models").size(), s.toString());
        s = send("POST", "/search", obj("experiment_ids", List.of(exp), "filter", "metrics.acc > 0.95"));
        assertEquals(0, s.json().get("models").size(), s.toString());
        s = send("POST", "/search", obj("experiment_ids", List.of(exp), "datasets", List.of(Map.of("dataset_name", "other"))));
        assertEquals(0, s.json().get("models").size(), s.toString());
        s = send("POST", "/search", obj("experiment_ids", List.of(exp), "datasets", List.of(Map.of("dataset_name", "test"))));
        assertEquals(1, s.json().get("models").size(), s.toString());
    }

    @Test
    void anExplicitEmptyExperimentListFindsNothingWhileAMissingOneIsRefused() {
        String exp = experiment();
        create(obj("experiment_id", exp, "name", "scoped"));
        // MlflowClient.search_logged_models(experiment_ids=[]) from 3.18 sends the empty list; upstream finds nothing
        Resp none = send("POST", "/search", obj("experiment_ids", List.of()));
        assertEquals(200, none.status(), none.toString());
        assertEquals(0, none.json().get("models").size(), none.toString());
        assertNull(none.json().get("next_page_token"));
        // the filter is still checked against an empty scope
        Resp badFilter = send("POST", "/search", obj("experiment_ids", List.of(), "filter", "name >>> 'x'"));
        assertEquals(400, badFilter.status(), badFilter.toString());
        assertEquals("INVALID_PARAMETER_VALUE", badFilter.json().get("error_code").asText());
        for (Object body : List.of(obj(), obj("filter", "name = 'scoped'"), obj("experiment_ids", null))) {
            Resp missing = send("POST", "/search", body);
            assertEquals(400, missing.status(), missing.toString());
            assertEquals("INVALID_PARAMETER_VALUE", missing.json().get("error_code").asText());
            assertTrue(missing.json().get("message").asText().contains("experiment_ids"), missing.toString());
        }
        Resp scoped = send("POST", "/search", obj("experiment_ids", List.of(exp)));
        assertEquals(1, scoped.json().get("models").size(), scoped.toString());
    }

    @Test
    void searchFiltersOrderAndPaging() {
        String exp = experiment();
        String other = experiment();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(create(obj("experiment_id", exp, "name", "model_" + i, "model_type", i % 2 == 0 ? "even" : "odd",
                    "params", kv("i", Integer.toString(i)), "tags", kv("parity", i % 2 == 0 ? "even" : "odd")))
                    .at("/info/model_id").asText());
        }
        create(obj("experiment_id", other, "name", "elsewhere"));
        send("PATCH", "/" + ids.get(0), obj("status", "LOGGED_MODEL_READY"));

        Resp all = send("POST", "/search", obj("experiment_ids", List.of(exp)));
        assertEquals(200, all.status(), all.toString());
        assertEquals(7, all.json().get("models").size());
        assertNull(all.json().get("next_page_token"));

        // the web UI asks for a run's models by id
        Resp in = send("POST", "/search", obj("experiment_ids", List.of(exp),
                "filter", "attributes.model_id IN ('" + ids.get(1) + "', '" + ids.get(2) + "')"));
        assertEquals(200, in.status(), in.toString());
        assertEquals(2, in.json().get("models").size());
        Resp notIn = send("POST", "/search", obj("experiment_ids", List.of(exp),
                "filter", "model_id NOT IN ('" + ids.get(1) + "')"));
        assertEquals(6, notIn.json().get("models").size());

        // pages of 3 cover everything exactly once
        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            var body = obj("experiment_ids", List.of(exp), "max_results", 3);
            if (token != null) {
                body.put("page_token", token);
            }
            Resp p = send("POST", "/search", body);
            assertEquals(200, p.status(), p.toString());
            p.json().get("models").forEach(x -> assertTrue(seen.add(x.at("/info/model_id").asText())));
            token = p.json().has("next_page_token") ? p.json().get("next_page_token").asText() : null;
            pages++;
        } while (token != null);
        assertEquals(7, seen.size());
        assertEquals(3, pages);

        assertEquals(4, count(exp, "tags.parity = 'even'"));
        assertEquals(3, count(exp, "model_type = 'odd'"));
        assertEquals(1, count(exp, "params.i = '3'"));
        assertEquals(7, count(exp, "name LIKE 'model_%'"));
        assertEquals(1, count(exp, "attributes.name = 'model_2'"));
        assertEquals(1, count(exp, "status = 'READY'"));
        assertEquals(6, count(exp, "status = 'LOGGED_MODEL_PENDING'"));
        assertEquals(1, count(exp, "model_id = '" + ids.get(4) + "'"));
        assertEquals(7, count(exp, "creation_timestamp > 0 AND last_updated_timestamp > 0"));

        Resp byName = send("POST", "/search", obj("experiment_ids", List.of(exp),
                "order_by", List.of(Map.of("field_name", "name", "ascending", false))));
        assertEquals("model_6", byName.json().at("/models/0/info/name").asText());
        Resp byNameAsc = send("POST", "/search", obj("experiment_ids", List.of(exp),
                "order_by", List.of(Map.of("field_name", "name"))));
        assertEquals("model_0", byNameAsc.json().at("/models/0/info/name").asText());
    }

    private int count(String exp, String filter) {
        Resp r = send("POST", "/search", obj("experiment_ids", List.of(exp), "filter", filter));
        assertEquals(200, r.status(), filter + " -> " + r);
        return r.json().get("models").size();
    }

    @Test
    void orderByMetricPutsModelsWithoutItLast() {
        String exp = experiment();
        String runId = api.post("runs/create", obj("experiment_id", exp)).json().at("/run/info/run_id").asText();
        String a = create(obj("experiment_id", exp, "name", "a")).at("/info/model_id").asText();
        String b = create(obj("experiment_id", exp, "name", "b")).at("/info/model_id").asText();
        create(obj("experiment_id", exp, "name", "c"));
        api.post("runs/log-metric", obj("run_id", runId, "key", "loss", "value", 0.5, "timestamp", 1, "step", 0, "model_id", a));
        api.post("runs/log-metric", obj("run_id", runId, "key", "loss", "value", 0.2, "timestamp", 1, "step", 0, "model_id", b));
        Resp r = send("POST", "/search", obj("experiment_ids", List.of(exp),
                "order_by", List.of(Map.of("field_name", "metrics.loss", "ascending", true))));
        assertEquals(200, r.status(), r.toString());
        assertEquals("b", r.json().at("/models/0/info/name").asText());
        assertEquals("a", r.json().at("/models/1/info/name").asText());
        assertEquals("c", r.json().at("/models/2/info/name").asText());
        r = send("POST", "/search", obj("experiment_ids", List.of(exp),
                "order_by", List.of(Map.of("field_name", "metrics.loss", "ascending", false))));
        assertEquals("a", r.json().at("/models/0/info/name").asText());
        assertEquals("c", r.json().at("/models/2/info/name").asText());
    }

    @Test
    void badInputIsAClientError() {
        String exp = experiment();
        String id = create(obj("experiment_id", exp)).at("/info/model_id").asText();
        assertError(send("GET", "/m-00000000000000000000000000000000", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(send("GET", "/%27%20OR%201=1--", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(send("PATCH", "/m-00000000000000000000000000000000", obj("status", "LOGGED_MODEL_READY")), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(send("DELETE", "/m-00000000000000000000000000000000", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(send("PATCH", "/m-00000000000000000000000000000000/tags", obj("tags", kv("a", "b"))), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(send("POST", "", obj("name", "x")), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "", obj("experiment_id", "999999")), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(send("POST", "", obj("experiment_id", exp, "name", "bad/name")), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "", obj("experiment_id", exp, "name", "x".repeat(501))), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "", obj("experiment_id", exp, "tags", kv("k".repeat(251), "v"))), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "", obj("experiment_id", exp, "tags", "notalist")), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "", "{not json"), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("PATCH", "/" + id, obj("status", "DONE")), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("PATCH", "/" + id, obj("model_id", id)), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("PATCH", "/" + id + "/tags", obj("tags", kv("t", "v".repeat(8001)))), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "/search", obj()), 400, "INVALID_PARAMETER_VALUE");
        for (String filter : List.of("name = 'a' OR 1=1", "name = 'x'; DROP TABLE logged_models; --",
                "metrics.acc > 'a'", "name > 'a'", "creation_timestamp = 'x'", "foo = 'bar'", "datasets.name = 'x'",
                "name = ", "params.p IN ('a')", "name = 'a' AND", "') OR ('1'='1")) {
            assertError(send("POST", "/search", obj("experiment_ids", List.of(exp), "filter", filter)), 400, "INVALID_PARAMETER_VALUE");
        }
        assertEquals(200, send("POST", "/search", obj("experiment_ids", List.of(exp), "filter",
                "name = 'x''; DROP TABLE logged_models; --'")).status());
        assertError(send("POST", "/search", obj("experiment_ids", List.of(exp),
                "order_by", List.of(Map.of("field_name", "params.x")))), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "/search", obj("experiment_ids", List.of(exp),
                "order_by", List.of(Map.of("field_name", "bogus; DROP TABLE x")))), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "/search", obj("experiment_ids", List.of(exp), "max_results", 0)), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "/search", obj("experiment_ids", List.of(exp), "page_token", "garbage!!")), 400, "INVALID_PARAMETER_VALUE");
        assertError(send("POST", "/search", obj("experiment_ids", List.of(exp), "datasets", List.of(Map.of("dataset_digest", "x")))),
                400, "INVALID_PARAMETER_VALUE");

        // a token only continues the query it came from
        create(obj("experiment_id", exp));
        Resp first = send("POST", "/search", obj("experiment_ids", List.of(exp), "max_results", 1));
        String token = first.json().get("next_page_token").asText();
        assertNotNull(token);
        assertError(send("POST", "/search", obj("experiment_ids", List.of(exp), "max_results", 1, "filter", "name LIKE '%'",
                "page_token", token)), 400, "INVALID_PARAMETER_VALUE");
        // non-numeric experiment ids match nothing
        assertEquals(0, send("POST", "/search", obj("experiment_ids", List.of("abc"))).json().get("models").size());
    }

    private static void assertError(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(code, r.errorCode(), r.toString());
    }
}
