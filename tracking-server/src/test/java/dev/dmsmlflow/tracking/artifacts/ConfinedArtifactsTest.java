package dev.dmsmlflow.tracking.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * An instance's server (confinement on) accepts no artifact location outside its root: not at experiment creation, not as a
 * model version source, whatever the spelling ({@code ..}, percent-encoded, {@code file:}, another bucket).
 */
@QuarkusTest
@QuarkusTestResource(value = ConfinedArtifactsTest.Confined.class, restrictToAnnotatedClass = true)
class ConfinedArtifactsTest {

    /** A fresh database and root, with confinement on. */
    public static class Confined extends TrackingDatabase {
        @Override
        public Map<String, String> start() {
            Map<String, String> cfg = new HashMap<>(super.start());
            cfg.put("dms.tracking.confine-artifact-locations", "true");
            return cfg;
        }
    }

    @TestHTTPResource("/")
    URL root;
    Raw raw;

    @BeforeEach
    void setUp() {
        raw = new Raw(root.toString());
    }

    private Raw.Resp createExperiment(String location) throws Exception {
        return raw.postJson("/api/2.0/mlflow/experiments/create", Raw.JSON.writeValueAsString(
                Map.of("name", "confined-" + UUID.randomUUID(), "artifact_location", location)));
    }

    @Test
    void experimentLocationsOutsideTheRootAreRefused() throws Exception {
        for (String outside : List.of("file:///etc", "/tmp/elsewhere", "oss://other-bucket/a", "s3://b/k",
                "mlflow-artifacts:/../other-instance", "mlflow-artifacts:/a/%2e%2e/%2e%2e/x", "mlflow-artifacts:/a/%252e%252e/%252e%252e",
                "http://host/api/2.0/mlflow-artifacts/artifacts/../../x", "runs:/abc/x")) {
            Raw.Resp r = createExperiment(outside);
            assertEquals(400, r.status(), outside + ": " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.json().get("error_code").asText(), r.toString());
        }
        Raw.Resp ok = createExperiment("mlflow-artifacts:/team/shared");
        assertEquals(200, ok.status(), ok.toString());
        JsonNode run = raw.postJson("/api/2.0/mlflow/runs/create",
                "{\"experiment_id\": \"" + ok.json().get("experiment_id").asText() + "\"}").json();
        assertEquals(200, raw.get("/api/2.0/mlflow/artifacts/list?run_id=" + run.at("/run/info/run_id").asText()).status());
    }

    @Test
    void modelVersionSourcesOutsideTheRootAreRefused() throws Exception {
        String name = "confined-model-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(200, raw.postJson("/api/2.0/mlflow/registered-models/create", "{\"name\": \"" + name + "\"}").status());
        for (String outside : List.of("oss://other-bucket/models/m", "file:///srv/models/m", "https://example.com/model.pkl")) {
            Raw.Resp r = raw.postJson("/api/2.0/mlflow/model-versions/create",
                    Raw.JSON.writeValueAsString(Map.of("name", name, "source", outside)));
            assertEquals(400, r.status(), outside + ": " + r);
        }
        assertEquals(200, raw.postJson("/api/2.0/mlflow/model-versions/create",
                Raw.JSON.writeValueAsString(Map.of("name", name, "source", "mlflow-artifacts:/models/m"))).status());
    }

    @Test
    void ossRootsAdmitTheirOwnPrefixOnly() {
        String rootUri = "oss://team-bucket/ws/inst-a";
        assertNull(ArtifactStores.outsideRoot("oss://team-bucket/ws/inst-a", rootUri));
        assertNull(ArtifactStores.outsideRoot("oss://team-bucket/ws/inst-a/exp/1", rootUri));
        assertNull(ArtifactStores.outsideRoot("mlflow-artifacts:/1/run/artifacts", rootUri));
        for (String outside : List.of("oss://team-bucket/ws/inst-ab", "oss://team-bucket/ws", "oss://team-bucket/ws/inst-a/../inst-b",
                "oss://team-bucket/ws/inst-a/%2e%2e/inst-b", "oss://other/ws/inst-a", "file:/x", "oss://team-bucket")) {
            assertNotNull(ArtifactStores.outsideRoot(outside, rootUri), outside);
        }
    }
}
