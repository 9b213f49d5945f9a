package dev.dmsmlflow.tracking.registry;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class RegistryApiTest {
    @TestHTTPResource("/")
    URL root;
    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
    }

    private static String unique(String p) {
        return p + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private Resp send(String method, String path, Object body) {
        return api.send(method, "/api/2.0/mlflow/" + path, body == null ? null : body.toString(), body == null ? null : "application/json");
    }

    private Resp get(String path, String... kv) {
        Map<String, String> q = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            q.put(kv[i], kv[i + 1]);
        }
        return api.get(path, q);
    }

    private String model(String prefix) {
        String name = unique(prefix);
        Resp r = api.post("registered-models/create", obj("name", name));
        assertEquals(200, r.status(), r.toString());
        return name;
    }

    private JsonNode version(String name, String source) {
        Resp r = api.post("model-versions/create", obj("name", name, "source", source));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("model_version");
    }

    private static List<Map<String, String>> kv(String... kv) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.add(Map.of("key", kv[i], "value", kv[i + 1]));
        }
        return out;
    }

    @Test
    void registeredModelLifecycle() {
        String name = unique("rm");
        Resp c = api.post("registered-models/create", obj("name", name, "description", "first", "tags", kv("team", "a")));
        assertEquals(200, c.status(), c.toString());
        JsonNode rm = c.json().get("registered_model");
        assertEquals(name, rm.get("name").asText());
        assertEquals("first", rm.get("description").asText());
        assertTrue(rm.get("creation_timestamp").isNumber());
        assertEquals("team", rm.at("/tags/0/key").asText());

        Resp dup = api.post("registered-models/create", obj("name", name));
        assertEquals(400, dup.status());
        assertEquals("RESOURCE_ALREADY_EXISTS", dup.errorCode());

        Resp upd = send("PATCH", "registered-models/update", obj("name", name, "description", "second"));
        assertEquals(200, upd.status(), upd.toString());
        assertEquals("second", upd.json().at("/registered_model/description").asText());

        assertEquals(200, api.post("registered-models/set-tag", obj("name", name, "key", "k", "value", "v")).status());
        assertEquals(200, send("DELETE", "registered-models/delete-tag", obj("name", name, "key", "team")).status());
        JsonNode got = get("registered-models/get", "name", name).json().get("registered_model");
        assertEquals(1, got.get("tags").size());
        assertEquals("k", got.at("/tags/0/key").asText());

        version(name, "s3://bucket/a");
        String newName = unique("renamed");
        Resp ren = api.post("registered-models/rename", obj("name", name, "new_name", newName));
        assertEquals(200, ren.status(), ren.toString());
        assertEquals(newName, ren.json().at("/registered_model/name").asText());
        assertEquals(404, get("registered-models/get", "name", name).status());
        assertEquals(newName, get("model-versions/get", "name", newName, "version", "1").json().at("/model_version/name").asText());

        String other = model("other");
        Resp clash = api.post("registered-models/rename", obj("name", other, "new_name", newName));
        assertEquals(400, clash.status());
        assertEquals("RESOURCE_ALREADY_EXISTS", clash.errorCode());

        assertEquals(200, send("DELETE", "registered-models/delete", obj("name", newName)).status());
        Resp gone = get("registered-models/get", "name", newName);
        assertEquals(404, gone.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", gone.errorCode());
        assertEquals(404, get("model-versions/get", "name", newName, "version", "1").status());
    }

    @Test
    void versionsStagesAndLatest() {
        String name = model("mv");
        JsonNode v1 = version(name, "mlflow-artifacts:/0/abc/artifacts/model");
        assertEquals("1", v1.get("version").asText());
        assertEquals("READY", v1.get("status").asText());
        assertEquals("None", v1.get("current_stage").asText());
        assertEquals("2", version(name, "mlflow-artifacts:/0/def/artifacts/model").get("version").asText());
        assertEquals("3", version(name, "mlflow-artifacts:/0/ghi/artifacts/model").get("version").asText());

        Resp t = api.post("model-versions/transition-stage", obj("name", name, "version", "1", "stage", "production",
                "archive_existing_versions", false));
        assertEquals(200, t.status(), t.toString());
        assertEquals("Production", t.json().at("/model_version/current_stage").asText());
        t = api.post("model-versions/transition-stage", obj("name", name, "version", "2", "stage", "PRODUCTION",
                "archive_existing_versions", true));
        assertEquals("Production", t.json().at("/model_version/current_stage").asText());
        assertEquals("Archived", get("model-versions/get", "name", name, "version", "1").json().at("/model_version/current_stage").asText());

        Resp latest = api.post("registered-models/get-latest-versions", obj("name", name, "stages", List.of("production")));
        assertEquals(1, latest.json().get("model_versions").size(), latest.toString());
        assertEquals("2", latest.json().at("/model_versions/0/version").asText());
        Resp all = api.post("registered-models/get-latest-versions", obj("name", name));
        assertEquals(3, all.json().get("model_versions").size(), all.toString());
        Resp viaGet = get("registered-models/get-latest-versions", "name", name, "stages", "None");
        assertEquals("3", viaGet.json().at("/model_versions/0/version").asText());
        JsonNode rm = get("registered-models/get", "name", name).json().get("registered_model");
        assertEquals(3, rm.get("latest_versions").size());

        Resp upd = send("PATCH", "model-versions/update", obj("name", name, "version", "3", "description", "best"));
        assertEquals("best", upd.json().at("/model_version/description").asText());

        assertEquals(200, api.post("model-versions/set-tag", obj("name", name, "version", "3", "key", "k", "value", "v")).status());
        assertEquals("k", get("model-versions/get", "name", name, "version", "3").json().at("/model_version/tags/0/key").asText());
        assertEquals(200, send("DELETE", "model-versions/delete-tag", obj("name", name, "version", "3", "key", "k")).status());
        assertNull(get("model-versions/get", "name", name, "version", "3").json().at("/model_version").get("tags"));

        assertEquals("mlflow-artifacts:/0/def/artifacts/model",
                get("model-versions/get-download-uri", "name", name, "version", "2").json().get("artifact_uri").asText());

        assertEquals(200, send("DELETE", "model-versions/delete", obj("name", name, "version", "3")).status());
        assertEquals(404, get("model-versions/get", "name", name, "version", "3").status());
        // numbers are never reused
        assertEquals("4", version(name, "s3://b/x").get("version").asText());
        // Java client style: int64 and strings, camelCase
        Resp camel = api.post("model-versions/transition-stage", obj("name", name, "version", "4", "stage", "Staging",
                "archiveExistingVersions", "false"));
        assertEquals(200, camel.status(), camel.toString());
    }

    @Test
    void aliases() {
        String name = model("alias");
        version(name, "s3://b/1");
        version(name, "s3://b/2");
        assertEquals(200, api.post("registered-models/alias", obj("name", name, "alias", "champion", "version", "1")).status());
        assertEquals(200, api.post("registered-models/alias", obj("name", name, "alias", "champion", "version", "2")).status());
        Resp byAlias = get("registered-models/alias", "name", name, "alias", "champion");
        assertEquals(200, byAlias.status(), byAlias.toString());
        assertEquals("2", byAlias.json().at("/model_version/version").asText());
        assertEquals("champion", byAlias.json().at("/model_version/aliases/0").asText());
        JsonNode rm = get("registered-models/get", "name", name).json().get("registered_model");
        assertEquals("champion", rm.at("/aliases/0/alias").asText());
        assertEquals("2", rm.at("/aliases/0/version").asText());

        for (String bad : List.of("latest", "LATEST", "v3", "has space", "a/b", "x".repeat(256), "")) {
            Resp r = api.post("registered-models/alias", obj("name", name, "alias", bad, "version", "1"));
            assertEquals(400, r.status(), bad + " " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
        }
        assertEquals(404, api.post("registered-models/alias", obj("name", name, "alias", "x", "version", "9")).status());
        assertEquals(200, send("DELETE", "registered-models/alias", obj("name", name, "alias", "champion")).status());
        Resp gone = get("registered-models/alias", "name", name, "alias", "champion");
        assertEquals(404, gone.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", gone.errorCode());

        // deleting a version removes its aliases
        api.post("registered-models/alias", obj("name", name, "alias", "tmp", "version", "1"));
        send("DELETE", "model-versions/delete", obj("name", name, "version", "1"));
        assertEquals(404, get("registered-models/alias", "name", name, "alias", "tmp").status());
    }

    @Test
    void searchRegisteredModels() {
        String prefix = unique("srch");
        for (int i = 0; i < 5; i++) {
            Resp r = api.post("registered-models/create", obj("name", prefix + "-" + i, "tags", kv("idx", Integer.toString(i % 2))));
            assertEquals(200, r.status());
        }
        Resp r = get("registered-models/search", "filter", "name LIKE '" + prefix + "%'");
        assertEquals(200, r.status(), r.toString());
        assertEquals(5, r.json().get("registered_models").size());
        assertEquals(prefix + "-0", r.json().at("/registered_models/0/name").asText());

        r = get("registered-models/search", "filter", "name LIKE '" + prefix + "%' AND tags.idx = '1'");
        assertEquals(2, r.json().get("registered_models").size());
        r = get("registered-models/search", "filter", "name ILIKE '" + prefix.toUpperCase() + "%'", "order_by", "name DESC");
        assertEquals(prefix + "-4", r.json().at("/registered_models/0/name").asText());
        r = get("registered-models/search", "filter", "name = '" + prefix + "-3'");
        assertEquals(1, r.json().get("registered_models").size());

        Set<String> seen = new HashSet<>();
        String token = null;
        do {
            Resp p = token == null
                    ? get("registered-models/search", "filter", "name LIKE '" + prefix + "%'", "max_results", "2")
                    : get("registered-models/search", "filter", "name LIKE '" + prefix + "%'", "max_results", "2", "page_token", token);
            assertEquals(200, p.status(), p.toString());
            p.json().get("registered_models").forEach(m -> assertTrue(seen.add(m.get("name").asText())));
            token = p.json().has("next_page_token") ? p.json().get("next_page_token").asText() : null;
        } while (token != null);
        assertEquals(5, seen.size());

        assertEquals(200, get("registered-models/search", "order_by", "last_updated_timestamp DESC").status());
        assertEquals(200, get("registered-models/search", "order_by", "creation_timestamp").status());
        assertEquals(200, get("registered-models/search", "max_results", "1000").status());
        for (String[] bad : List.of(new String[]{"max_results", "1001"}, new String[]{"max_results", "0"},
                new String[]{"max_results", "abc"}, new String[]{"filter", "description = 'x'"},
                new String[]{"filter", "name = 'a' OR name = 'b'"}, new String[]{"filter", "name = 'a'; DELETE FROM registered_models"},
                new String[]{"filter", "name IN ('a')"}, new String[]{"filter", "metrics.x > 1"},
                new String[]{"order_by", "description"}, new String[]{"order_by", "name; DROP TABLE registered_models"},
                new String[]{"page_token", "not-a-token"})) {
            Resp b = get("registered-models/search", bad);
            assertEquals(400, b.status(), String.join("=", bad) + " -> " + b);
            assertEquals("INVALID_PARAMETER_VALUE", b.errorCode());
        }
        Resp dupOrder = api.send("GET", "/api/2.0/mlflow/registered-models/search?order_by=name&order_by=name%20DESC", null, null);
        assertEquals(400, dupOrder.status(), dupOrder.toString());
    }

    @Test
    void promptTagClausesAsPythonClientsSendThem() {
        String prefix = unique("srm");
        assertEquals(200, api.post("registered-models/create", obj("name", prefix + "-plain")).status());
        assertEquals(200, api.post("registered-models/create", obj("name", prefix + "-other", "tags", kv("team", "a"))).status());
        assertEquals(200, api.post("registered-models/create", obj("name", prefix + "-prompt",
                "tags", kv("mlflow.prompt.is_prompt", "true"))).status());
        String like = "name LIKE '" + prefix + "-%'";
        // Python clients 3.x add this clause to every registered model search: models without the tag match
        assertEquals(List.of(prefix + "-other", prefix + "-plain"),
                modelNames(like + " AND tag.`mlflow.prompt.is_prompt` != 'true'"));
        assertEquals(List.of(prefix + "-other", prefix + "-plain"),
                modelNames(like + " AND tags.`mlflow.prompt.is_prompt` = 'false'"));
        assertEquals(List.of(prefix + "-prompt"), modelNames(like + " AND tags.`mlflow.prompt.is_prompt` = 'true'"));
        assertEquals(List.of(prefix + "-prompt"), modelNames(like + " AND tags.`mlflow.prompt.is_prompt` != 'false'"));
        // any other tag: != matches only models that have the tag (upstream joins on the tag row)
        assertEquals(List.of(), modelNames(like + " AND tags.team != 'a'"));
        assertEquals(List.of(prefix + "-other"), modelNames(like + " AND tags.team != 'b'"));
        // upstream's registry store has no IS NULL for tags
        assertEquals(400, get("registered-models/search", "filter", like + " AND tags.team IS NULL").status());
    }

    private List<String> modelNames(String filter) {
        Resp r = get("registered-models/search", "filter", filter);
        assertEquals(200, r.status(), filter + " -> " + r);
        List<String> names = new java.util.ArrayList<>();
        if (r.json().has("registered_models")) {
            r.json().get("registered_models").forEach(m -> names.add(m.get("name").asText()));
        }
        return names;
    }

    @Test
    void searchModelVersions() {
        String a = model("sva");
        String b = model("svb");
        String run1 = "0123456789abcdef0123456789abcdef";
        String run2 = "fedcba9876543210fedcba9876543210";
        for (int i = 0; i < 3; i++) {
            assertEquals(200, api.post("model-versions/create", obj("name", a, "source", "s3://bucket/a/" + i, "run_id", run1,
                    "tags", kv("i", Integer.toString(i)))).status());
        }
        assertEquals(200, api.post("model-versions/create", obj("name", b, "source", "s3://bucket/b/0", "run_id", run2)).status());

        assertEquals(3, countVersions("name = '" + a + "'"));
        assertEquals(3, countVersions("run_id = '" + run1 + "'"));
        assertEquals(4, countVersions("run_id IN ('" + run1 + "', '" + run2 + "')"));
        assertEquals(2, countVersions("name = '" + a + "' AND version_number >= 2"));
        assertEquals(1, countVersions("source_path = 's3://bucket/b/0'"));
        assertEquals(3, countVersions("source_path LIKE 's3://bucket/a/%'"));
        assertEquals(1, countVersions("name = '" + a + "' AND tags.i = '1'"));

        Resp ordered = get("model-versions/search", "filter", "name = '" + a + "'");
        assertEquals("3", ordered.json().at("/model_versions/0/version").asText());
        ordered = get("model-versions/search", "filter", "name = '" + a + "'", "order_by", "version_number ASC");
        assertEquals("1", ordered.json().at("/model_versions/0/version").asText());

        Resp p1 = get("model-versions/search", "filter", "name = '" + a + "'", "max_results", "2");
        assertEquals(2, p1.json().get("model_versions").size());
        String token = p1.json().get("next_page_token").asText();
        Resp p2 = get("model-versions/search", "filter", "name = '" + a + "'", "max_results", "2", "page_token", token);
        assertEquals(1, p2.json().get("model_versions").size());
        assertFalse(p2.json().has("next_page_token"));

        for (String f : List.of("version_number > 'abc'", "run_id LIKE 'x'", "stage = 'None'", "name IN ('x')",
                "name = 'x' OR 1=1", "run_id IN ('a'); DROP TABLE model_versions", "tags.x > 1")) {
            Resp r = get("model-versions/search", "filter", f);
            assertEquals(400, r.status(), f + " -> " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
        }
        assertEquals(400, get("model-versions/search", "max_results", "200001").status());
        assertEquals(200, get("model-versions/search", "max_results", "200000").status());
        assertEquals(400, get("model-versions/search", "order_by", "source").status());
    }

    private int countVersions(String filter) {
        Resp r = get("model-versions/search", "filter", filter);
        assertEquals(200, r.status(), filter + " -> " + r);
        JsonNode v = r.json().get("model_versions");
        return v == null ? 0 : v.size();
    }

    @Test
    void sourcesFromLoggedModelsAndLocalPaths() {
        Resp exp = api.post("experiments/create", obj("name", unique("reg-exp")));
        String expId = exp.json().get("experiment_id").asText();
        Resp lm = api.send("POST", "/api/2.0/mlflow/logged-models", obj("experiment_id", expId).toString(), "application/json");
        String modelId = lm.json().at("/model/info/model_id").asText();
        String artifactUri = lm.json().at("/model/info/artifact_uri").asText();
        String name = model("fromlm");
        Resp v = api.post("model-versions/create", obj("name", name, "source", "models:/" + modelId, "model_id", modelId));
        assertEquals(200, v.status(), v.toString());
        assertEquals(modelId, v.json().at("/model_version/model_id").asText());
        assertEquals(artifactUri, get("model-versions/get-download-uri", "name", name, "version", "1").json().get("artifact_uri").asText());
        Resp v2 = api.post("model-versions/create", obj("name", name, "source", "models:/" + name + "/1"));
        assertEquals(200, v2.status(), v2.toString());
        assertEquals(artifactUri, get("model-versions/get-download-uri", "name", name, "version", "2").json().get("artifact_uri").asText());

        // a local source is accepted inside the artifact directory of the given run, and only there
        Resp localExp = api.post("experiments/create", obj("name", unique("local-exp"), "artifact_location", "/tmp/dms-reg-test"));
        String localExpId = localExp.json().get("experiment_id").asText();
        Resp run = api.post("runs/create", obj("experiment_id", localExpId));
        assertEquals(200, run.status(), run.toString());
        String runId = run.json().at("/run/info/run_id").asText();
        String runUri = run.json().at("/run/info/artifact_uri").asText();
        Resp inside = api.post("model-versions/create", obj("name", name, "source", runUri + "/model", "run_id", runId));
        assertEquals(200, inside.status(), inside.toString());
        Resp escape = api.post("model-versions/create", obj("name", name, "source", runUri + "/../../other", "run_id", runId));
        assertEquals(400, escape.status(), escape.toString());
        for (String src : List.of("/etc/passwd", "file:///etc/passwd", "relative/path", "s3://bucket/../../secret",
                "s3://bucket/%2E%2E/secret", "models:/m-00000000000000000000000000000000", "models:/nope/1")) {
            Resp r = api.post("model-versions/create", obj("name", name, "source", src));
            assertEquals(400, r.status(), src + " -> " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
        }
    }

    @Test
    void badInputIsAClientError() {
        String name = model("bad");
        version(name, "s3://b/1");
        err(api.post("registered-models/create", obj("name", "")), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/create", obj()), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/create", obj("name", "x".repeat(257))), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/create", obj("name", 5)), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/create", "{\"name\": "), 400, "INVALID_PARAMETER_VALUE");
        err(api.send("POST", "/api/2.0/mlflow/registered-models/create", obj("name", "x").toString(), "text/plain"), 400, "INVALID_PARAMETER_VALUE");
        err(get("registered-models/get", "name", "no-such-model-" + UUID.randomUUID()), 404, "RESOURCE_DOES_NOT_EXIST");
        err(get("registered-models/get", "name", "' OR '1'='1"), 404, "RESOURCE_DOES_NOT_EXIST");
        err(send("DELETE", "registered-models/delete", obj("name", "nope-" + UUID.randomUUID())), 404, "RESOURCE_DOES_NOT_EXIST");
        err(api.post("registered-models/rename", obj("name", name, "new_name", "")), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/set-tag", obj("name", name, "key", "k", "value", "v".repeat(100_001))), 400, "INVALID_PARAMETER_VALUE");
        assertEquals(200, api.post("registered-models/set-tag", obj("name", name, "key", "k", "value", "v".repeat(100_000))).status());
        err(api.post("registered-models/set-tag", obj("name", name, "key", "k".repeat(251), "value", "v")), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/set-tag", obj("name", name, "key", "../x", "value", "v")), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/set-tag", obj("name", name, "key", "k")), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("model-versions/set-tag", obj("name", name, "version", "1", "key", "k", "value", "v".repeat(100_001))), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("model-versions/create", obj("name", "nope-" + UUID.randomUUID(), "source", "s3://b/x")), 404, "RESOURCE_DOES_NOT_EXIST");
        err(api.post("model-versions/create", obj("name", name)), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("model-versions/create", obj("name", name, "source", "s3://b/x", "run_id", "not a run id!")), 400, "INVALID_PARAMETER_VALUE");
        err(get("model-versions/get", "name", name, "version", "abc"), 400, "INVALID_PARAMETER_VALUE");
        err(get("model-versions/get", "name", name, "version", "99"), 404, "RESOURCE_DOES_NOT_EXIST");
        err(get("model-versions/get", "name", name, "version", "99999999999999"), 404, "RESOURCE_DOES_NOT_EXIST");
        err(get("model-versions/get-download-uri", "name", name, "version", "7"), 404, "RESOURCE_DOES_NOT_EXIST");
        err(api.post("model-versions/transition-stage", obj("name", name, "version", "1", "stage", "Prod", "archive_existing_versions", false)),
                400, "INVALID_PARAMETER_VALUE");
        err(api.post("model-versions/transition-stage", obj("name", name, "version", "1", "stage", "Archived", "archive_existing_versions", true)),
                400, "INVALID_PARAMETER_VALUE");
        err(api.post("model-versions/transition-stage", obj("name", name, "version", "1", "stage", "Staging")), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("model-versions/transition-stage", obj("name", name, "version", "5", "stage", "Staging", "archive_existing_versions", false)),
                404, "RESOURCE_DOES_NOT_EXIST");
        err(api.post("registered-models/get-latest-versions", obj("name", name, "stages", List.of("bogus"))), 400, "INVALID_PARAMETER_VALUE");
        err(api.post("registered-models/get-latest-versions", obj("name", "nope-" + UUID.randomUUID())), 404, "RESOURCE_DOES_NOT_EXIST");
        err(send("DELETE", "model-versions/delete", obj("name", name, "version", "42")), 404, "RESOURCE_DOES_NOT_EXIST");
        err(send("PATCH", "model-versions/update", obj("name", name, "version", "42", "description", "x")), 404, "RESOURCE_DOES_NOT_EXIST");
    }

    private static void err(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(code, r.errorCode(), r.toString());
    }
}
