package dev.dmsmlflow.tracking.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Run / logged-model / model-version artifact endpoints over the proxy root (filesystem store). */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class ArtifactEndpointsTest {
    @TestHTTPResource("/")
    URL root;
    Api api;
    Raw raw;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
        raw = new Raw(root.toString());
    }

    private static String unique(String p) {
        return p + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String experiment(String location) {
        Api.Resp r = location == null ? api.post("experiments/create", obj("name", unique("exp")))
                : api.post("experiments/create", obj("name", unique("exp"), "artifact_location", location));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("experiment_id").asText();
    }

    private JsonNode run(String experimentId) {
        Api.Resp r = api.post("runs/create", obj("experiment_id", experimentId, "start_time", System.currentTimeMillis()));
        assertEquals(200, r.status(), r.toString());
        return r.json().at("/run/info");
    }

    /** Upload through the proxy at the place an {@code mlflow-artifacts:/...} URI points to. */
    private void upload(String artifactUri, String rel, String text) {
        assertTrue(artifactUri.startsWith("mlflow-artifacts:/"), artifactUri);
        String path = artifactUri.substring("mlflow-artifacts:/".length()) + "/" + rel;
        Raw.Resp r = raw.put("/api/2.0/mlflow-artifacts/artifacts/" + path, text.getBytes(StandardCharsets.UTF_8), "text/plain");
        assertEquals(200, r.status(), r.toString());
    }

    private static List<String> paths(JsonNode listing) {
        List<String> out = new java.util.ArrayList<>();
        listing.path("files").forEach(f -> out.add(f.get("path").asText() + (f.get("is_dir").asBoolean() ? "/" : "")));
        return out;
    }

    @Test
    void runArtifactsListAndGetArtifact() {
        JsonNode info = run(experiment(null));
        String runId = info.get("run_id").asText();
        String uri = info.get("artifact_uri").asText();
        upload(uri, "model/MLmodel", "flavors: {}");
        upload(uri, "model/data/weights.bin", "0123456789");
        upload(uri, "metrics.json", "{}");

        Api.Resp top = api.get("artifacts/list", Map.of("run_id", runId));
        assertEquals(200, top.status(), top.toString());
        assertEquals(uri, top.json().get("root_uri").asText());
        assertEquals(List.of("metrics.json", "model/"), paths(top.json()));
        assertEquals(2, top.json().at("/files/0/file_size").asLong());
        assertFalse(top.json().has("next_page_token"));

        JsonNode sub = api.get("artifacts/list", Map.of("run_id", runId, "path", "model")).json();
        assertEquals(List.of("model/MLmodel", "model/data/"), paths(sub));
        JsonNode deeper = api.get("artifacts/list", Map.of("run_uuid", runId, "path", "model/data")).json();
        assertEquals(List.of("model/data/weights.bin"), paths(deeper));
        assertEquals(10, deeper.at("/files/0/file_size").asLong());
        // ajax prefix, and nothing there
        Raw.Resp ajax = raw.get("/ajax-api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=nothing");
        assertEquals(200, ajax.status());
        assertEquals(uri, ajax.json().get("root_uri").asText());
        assertFalse(ajax.json().has("files"));

        Raw.Resp file = raw.get("/get-artifact?run_id=" + runId + "&path=" + q("model/data/weights.bin"));
        assertEquals(200, file.status(), file.toString());
        assertEquals("0123456789", file.text());
        assertTrue(file.headers().firstValue("Content-Disposition").orElse("").contains("weights.bin"));
        assertEquals("text/plain", raw.get("/get-artifact?run_uuid=" + runId + "&path=model/MLmodel").headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void runArtifactErrors() {
        JsonNode info = run(experiment(null));
        String runId = info.get("run_id").asText();
        Api.Resp unknown = api.get("artifacts/list", Map.of("run_id", "f".repeat(32)));
        assertEquals(404, unknown.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", unknown.errorCode());
        Api.Resp missing = api.get("artifacts/list", Map.of());
        assertEquals(400, missing.status());
        assertEquals("INVALID_PARAMETER_VALUE", missing.errorCode());
        for (String bad : List.of("../x", "a/../../b", "/etc", "%2e%2e/x", "a\\b")) {
            Api.Resp r = api.get("artifacts/list", Map.of("run_id", runId, "path", bad));
            assertEquals(400, r.status(), bad + " " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
            Raw.Resp g = raw.get("/get-artifact?run_id=" + runId + "&path=" + q(bad));
            assertEquals(400, g.status(), bad + " " + g);
            assertEquals("INVALID_PARAMETER_VALUE", g.errorCode());
        }
        Raw.Resp nf = raw.get("/get-artifact?run_id=" + runId + "&path=nope.txt");
        assertEquals(404, nf.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", nf.errorCode());
        Raw.Resp noRun = raw.get("/get-artifact?run_id=" + "e".repeat(32) + "&path=x");
        assertEquals(404, noRun.status());
        Raw.Resp noPath = raw.get("/get-artifact?run_id=" + runId);
        assertEquals(400, noPath.status());
        assertEquals("INVALID_PARAMETER_VALUE", noPath.errorCode());
    }

    @Test
    void locationsOutsideTheProxyAreNotReadByTheServer() {
        for (String loc : List.of("oss://some-bucket/somewhere", "file:///etc", "/etc", "s3://b/p")) {
            JsonNode info = run(experiment(loc + "/" + UUID.randomUUID()));
            Api.Resp r = api.get("artifacts/list", Map.of("run_id", info.get("run_id").asText()));
            assertEquals(400, r.status(), loc + " " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
            Raw.Resp g = raw.get("/get-artifact?run_id=" + info.get("run_id").asText() + "&path=passwd");
            assertEquals(400, g.status(), loc + " " + g);
        }
    }

    @Test
    void loggedModelDirectoriesAndModelVersionDownloads() {
        String exp = experiment(null);
        JsonNode info = run(exp);
        Api.Resp created = api.post("logged-models", obj("experiment_id", exp, "name", "clf", "source_run_id", info.get("run_id").asText()));
        assertEquals(200, created.status(), created.toString());
        String modelId = created.json().at("/model/info/model_id").asText();
        String location = created.json().at("/model/info/artifact_uri").asText();
        upload(location, "MLmodel", "artifact_path: clf\nflavors: {}\n");
        upload(location, "model.pkl", "pickled");
        upload(location, "sub/extra.txt", "e");

        Api.Resp dirs = api.get("logged-models/" + modelId + "/artifacts/directories", Map.of());
        assertEquals(200, dirs.status(), dirs.toString());
        assertEquals(location, dirs.json().get("root_uri").asText());
        assertEquals(List.of("MLmodel", "model.pkl", "sub/"), paths(dirs.json()));
        JsonNode sub = api.get("logged-models/" + modelId + "/artifacts/directories", Map.of("artifact_directory_path", "sub")).json();
        assertEquals(List.of("sub/extra.txt"), paths(sub));
        assertEquals(404, api.get("logged-models/m-" + "0".repeat(32) + "/artifacts/directories", Map.of()).status());
        assertEquals(400, api.get("logged-models/" + modelId + "/artifacts/directories", Map.of("artifact_directory_path", "../..")).status());

        String name = unique("registered");
        assertEquals(200, api.post("registered-models/create", obj("name", name)).status());
        Api.Resp v1 = api.post("model-versions/create", obj("name", name, "source", "models:/" + modelId, "model_id", modelId));
        assertEquals(200, v1.status(), v1.toString());
        Api.Resp v2 = api.post("model-versions/create", obj("name", name, "source", location, "run_id", info.get("run_id").asText()));
        assertEquals(200, v2.status(), v2.toString());
        for (String version : List.of("1", "2")) {
            Raw.Resp mlmodel = raw.get("/model-versions/get-artifact?name=" + q(name) + "&version=" + version + "&path=MLmodel");
            assertEquals(200, mlmodel.status(), version + " " + mlmodel);
            assertTrue(mlmodel.text().contains("flavors"));
        }
        Raw.Resp nested = raw.get("/model-versions/get-artifact?name=" + q(name) + "&version=1&path=sub/extra.txt");
        assertEquals("e", nested.text());
        assertEquals(404, raw.get("/model-versions/get-artifact?name=" + q(name) + "&version=9&path=MLmodel").status());
        assertEquals(404, raw.get("/model-versions/get-artifact?name=" + q(unique("nope")) + "&version=1&path=MLmodel").status());
        assertEquals(400, raw.get("/model-versions/get-artifact?name=" + q(name) + "&version=x&path=MLmodel").status());
        assertEquals(400, raw.get("/model-versions/get-artifact?name=" + q(name) + "&version=1&path=..%2F..%2Fx").status());
        assertEquals(400, raw.get("/model-versions/get-artifact?name=" + q(name) + "&version=1").status());
    }

    @Test
    void presignedUrlsFollowUpstreamForProxiedStorage() {
        JsonNode info = run(experiment(null));
        Api.Resp r = api.post("artifacts/presigned-upload-url", obj("run_id", info.get("run_id").asText(), "path", "a.txt"));
        assertEquals(400, r.status(), r.toString());
        assertTrue(r.json().get("message").asText().startsWith("Presigned upload is not supported for proxied artifact storage"));
        Api.Resp both = api.post("artifacts/presigned-download-url", obj("path", "a.txt"));
        assertEquals(400, both.status());
        Api.Resp oss = api.post("artifacts/presigned-download-url",
                obj("run_id", run(experiment("oss://bkt/p-" + UUID.randomUUID())).get("run_id").asText(), "path", "a.txt"));
        assertEquals(501, oss.status(), oss.toString());
        assertEquals("NOT_IMPLEMENTED", oss.errorCode());
    }
}
