package dev.dmsmlflow.tracking.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web UI's files and the calls it makes besides the tracking API, over plain HTTP. */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiEndpointsTest {
    @TestHTTPResource("/")
    URL root;
    Api api;
    SeedRun seed;

    @BeforeAll
    void seed() {
        api = new Api(root.toString());
        seed = SeedRun.create(api);
    }

    @Test
    void indexAndBundleAreServed() {
        Resp index = api.send("GET", "/", null, null);
        assertEquals(200, index.status());
        assertTrue(index.text().contains("<title>MLflow</title>"), index.text());
        Matcher js = Pattern.compile("src=\"(static-files/static/js/main\\.[0-9a-f]+\\.js)\"").matcher(index.text());
        assertTrue(js.find(), index.text());
        Resp bundle = api.send("GET", "/" + js.group(1), null, null);
        assertEquals(200, bundle.status());
        assertTrue(bundle.text().length() > 100_000);
        assertEquals(200, api.send("GET", "/static-files/favicon.ico", null, null).status());
        assertEquals(404, api.send("GET", "/static-files/nope.js", null, null).status());
    }

    private java.net.http.HttpResponse<byte[]> raw(String path, String acceptEncoding) throws Exception {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                root.toString().replaceAll("/$", "") + path));
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return java.net.http.HttpClient.newHttpClient().send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void thePageIsNotCachedTheBundleIsAndBothAreCompressedButJsonIsNot() throws Exception {
        var index = raw("/", "gzip");
        assertEquals(200, index.statusCode());
        assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""));
        String html = new String(raw("/", null).body(), java.nio.charset.StandardCharsets.UTF_8);
        Matcher js = Pattern.compile("src=\"(static-files/static/js/main\\.[0-9a-f]+\\.js)\"").matcher(html);
        assertTrue(js.find(), html);
        var bundle = raw("/" + js.group(1), "gzip");
        assertEquals(200, bundle.statusCode());
        assertEquals("gzip", bundle.headers().firstValue("Content-Encoding").orElse(""));
        assertTrue(bundle.headers().firstValue("Cache-Control").orElse("").contains("max-age=2419200"),
                bundle.headers().map().toString());
        var json = raw("/api/2.0/mlflow/experiments/get?experiment_id=0", "gzip");
        assertEquals(200, json.statusCode());
        assertTrue(json.headers().firstValue("Content-Encoding").map(e -> e.equals("identity")).orElse(true),
                json.headers().map().toString());
        assertTrue(new String(json.body(), java.nio.charset.StandardCharsets.UTF_8).startsWith("{\"experiment\""));
    }

    @Test
    void serverFactsAndUnconfiguredFeatures() {
        for (String p : List.of("/ajax-api/3.0/mlflow/server-info", "/api/3.0/mlflow/server-info")) {
            Resp r = api.send("GET", p, null, null);
            assertEquals(200, r.status(), r.toString());
            assertEquals("SqlStore", r.json().get("store_type").asText());
            assertFalse(r.json().get("workspaces_enabled").asBoolean());
            // what clients from 3.18 read before an artifact transfer: proxied, neither multipart nor presigned
            assertTrue(r.json().get("artifact_serving_enabled").asBoolean(), r.toString());
            assertFalse(r.json().get("multipart_uploads_enabled").asBoolean(), r.toString());
            assertFalse(r.json().get("multipart_downloads_enabled").asBoolean(), r.toString());
            assertFalse(r.json().get("artifacts_presigned_only").asBoolean(), r.toString());
        }
        Resp gw = api.send("GET", "/ajax-api/2.0/mlflow/gateway-proxy?gateway_path=api/2.0/endpoints", null, null);
        assertEquals("{\"endpoints\":[]}", gw.text());
        assertEquals("{\"endpoints\":[]}", api.send("POST", "/ajax-api/2.0/mlflow/gateway-proxy", "{}", "application/json").text());
        Resp secrets = api.send("GET", "/ajax-api/3.0/mlflow/gateway/secrets/config", null, null);
        assertFalse(secrets.json().get("secrets_available").asBoolean(), secrets.toString());
        assertEquals("{}", api.send("GET", "/ajax-api/3.0/mlflow/gateway/endpoints/list", null, null).text());
        Resp assistant = api.send("GET", "/ajax-api/3.0/mlflow/assistant/config", null, null);
        assertEquals("{\"providers\":{},\"projects\":{}}", assistant.text());
        Resp telemetry = api.send("GET", "/ajax-api/3.0/mlflow/ui-telemetry", null, null);
        assertTrue(telemetry.json().get("disable_ui_telemetry").asBoolean());
        assertEquals("disabled", api.send("POST", "/ajax-api/3.0/mlflow/ui-telemetry", "{\"records\":[]}", "application/json")
                .json().get("status").asText());
    }

    @Test
    void searchDatasetsListsTheDatasetsLoggedToRuns() {
        String exp = api.post("experiments/create", obj("name", "ds-" + System.nanoTime())).json().get("experiment_id").asText();
        String run = api.post("runs/create", obj("experiment_id", exp)).json().at("/run/info/run_id").asText();
        Map<String, Object> dataset = Map.of("name", "iris", "digest", "abc123", "source_type", "code", "source", "{}");
        assertEquals(200, api.post("runs/log-inputs", obj("run_id", run, "datasets", List.of(Map.of("dataset", dataset,
                "tags", List.of(Map.of("key", "mlflow.data.context", "value", "training")))))).status());
        Resp r = api.send("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets",
                obj("experiment_ids", List.of(exp)).toString(), "application/json");
        assertEquals(200, r.status(), r.toString());
        JsonNode s = r.json().at("/dataset_summaries/0");
        assertEquals(exp, s.get("experiment_id").asText());
        assertEquals("iris", s.get("name").asText());
        assertEquals("abc123", s.get("digest").asText());
        assertEquals("training", s.get("context").asText());
        assertEquals("{}", api.send("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets",
                obj("experiment_ids", List.of(seed.experimentId)).toString(), "application/json").text());
        Resp none = api.send("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", "{}", "application/json");
        assertEquals(400, none.status());
        assertEquals("INVALID_PARAMETER_VALUE", none.errorCode());
    }

    @Test
    void loggedModelArtifactFiles() {
        String base = "/ajax-api/2.0/mlflow/logged-models/" + seed.modelId + "/artifacts/files";
        Resp r = api.send("GET", base + "?artifact_file_path=MLmodel", null, null);
        assertEquals(200, r.status(), r.toString());
        assertTrue(r.text().contains("python_function"));
        assertEquals(404, api.send("GET", base + "?artifact_file_path=nope.txt", null, null).status());
        Resp missing = api.send("GET", base, null, null);
        assertEquals(400, missing.status());
        assertEquals("BAD_REQUEST", missing.errorCode());
        assertEquals(400, api.send("GET", base + "?artifact_file_path=../../etc/passwd", null, null).status());
        assertEquals(404, api.send("GET", "/ajax-api/2.0/mlflow/logged-models/m-00000000000000000000000000000000/artifacts/files"
                + "?artifact_file_path=MLmodel", null, null).status());
    }
}
