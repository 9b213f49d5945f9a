package dev.dmsmlflow.tracking.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.ModelRegistry.ModelVersion;
import org.mlflow.api.proto.ModelRegistry.RegisteredModel;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.ModelVersionsPage;

import java.net.URL;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model registry driven by the official Java client org.mlflow:mlflow-client against the packaged server. */
@QuarkusIntegrationTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class RegistryJavaClientIT {
    @TestHTTPResource("/")
    URL root;
    MlflowClient client;
    Api api;

    @BeforeEach
    void setUp() {
        String base = root.toString().endsWith("/") ? root.toString().substring(0, root.toString().length() - 1) : root.toString();
        client = new MlflowClient(base);
        api = new Api(base);
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    private static String json(Object... kv) {
        return Api.obj(kv).toString();
    }

    /** The 2.17 Java client has no registry write methods; it exposes sendPost/sendPatch for the rest of the API. */
    private String createModel() {
        String name = "java-" + UUID.randomUUID().toString().substring(0, 8);
        JsonNode r = read(client.sendPost("registered-models/create", json("name", name)));
        assertEquals(name, r.at("/registered_model/name").asText());
        return name;
    }

    private String createVersion(String name, String source) {
        JsonNode r = read(client.sendPost("model-versions/create", json("name", name, "source", source)));
        return r.at("/model_version/version").asText();
    }

    private static JsonNode read(String s) {
        try {
            return Api.JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void registeredModelsVersionsAndStages() {
        String name = createModel();
        assertEquals("1", createVersion(name, "mlflow-artifacts:/0/r1/artifacts/model"));
        assertEquals("2", createVersion(name, "mlflow-artifacts:/0/r2/artifacts/model"));
        assertEquals("3", createVersion(name, "mlflow-artifacts:/0/r3/artifacts/model"));

        client.sendPost("model-versions/transition-stage", json("name", name, "version", "1", "stage", "Production",
                "archive_existing_versions", false));
        client.sendPost("model-versions/transition-stage", json("name", name, "version", "2", "stage", "staging",
                "archive_existing_versions", false));
        client.sendPost("model-versions/transition-stage", json("name", name, "version", "3", "stage", "production",
                "archive_existing_versions", true));
        client.sendPatch("model-versions/update", json("name", name, "version", "3", "description", "the best"));
        client.sendPost("registered-models/alias", json("name", name, "alias", "champion", "version", "3"));

        ModelVersion v3 = client.getModelVersion(name, "3");
        assertEquals("Production", v3.getCurrentStage());
        assertEquals("the best", v3.getDescription());
        assertEquals("READY", v3.getStatus().name());
        assertEquals(List.of("champion"), v3.getAliasesList());
        assertEquals("Archived", client.getModelVersion(name, "1").getCurrentStage());

        List<ModelVersion> prod = client.getLatestVersions(name, List.of("Production"));
        assertEquals(1, prod.size());
        assertEquals("3", prod.get(0).getVersion());
        List<ModelVersion> latest = client.getLatestVersions(name);
        Set<String> stages = new HashSet<>();
        latest.forEach(v -> stages.add(v.getCurrentStage()));
        assertEquals(Set.of("Archived", "Staging", "Production"), stages);

        RegisteredModel rm = client.getRegisteredModel(name);
        assertEquals(name, rm.getName());
        assertEquals(3, rm.getLatestVersionsCount());
        assertEquals("champion", rm.getAliases(0).getAlias());
        assertTrue(rm.getCreationTimestamp() > 0);

        assertEquals("mlflow-artifacts:/0/r2/artifacts/model", client.getModelVersionDownloadUri(name, "2"));

        ModelVersionsPage page = client.searchModelVersions("name = '" + name + "'");
        assertEquals(3, page.getItems().size());
        assertEquals("3", page.getItems().get(0).getVersion());

        // paging through the client's page objects
        List<String> versions = new ArrayList<>();
        ModelVersionsPage p = client.searchModelVersions("name = '" + name + "'", 2, List.of("version_number ASC"));
        while (true) {
            p.getItems().forEach(v -> versions.add(v.getVersion()));
            if (!p.hasNextPage()) {
                break;
            }
            p = (ModelVersionsPage) p.getNextPage();
        }
        assertEquals(List.of("1", "2", "3"), versions);

        // delete: the 2.17 client has no DELETE helper, the registry takes a JSON body on DELETE
        assertEquals(200, api.send("DELETE", "/api/2.0/mlflow/model-versions/delete", json("name", name, "version", "1"),
                "application/json").status());
        assertEquals(2, client.searchModelVersions("name = '" + name + "'").getItems().size());
        assertEquals(200, api.send("DELETE", "/api/2.0/mlflow/registered-models/delete", json("name", name),
                "application/json").status());
        MlflowHttpException gone = assertThrows(MlflowHttpException.class, () -> client.getRegisteredModel(name));
        assertEquals(404, gone.getStatusCode());
    }

    @Test
    void errorsReachTheClient() {
        String name = createModel();
        MlflowHttpException dup = assertThrows(MlflowHttpException.class,
                () -> client.sendPost("registered-models/create", json("name", name)));
        assertEquals(400, dup.getStatusCode());
        assertTrue(dup.getBodyMessage().contains("RESOURCE_ALREADY_EXISTS"), dup.getBodyMessage());
        MlflowHttpException missing = assertThrows(MlflowHttpException.class, () -> client.getModelVersion(name, "7"));
        assertEquals(404, missing.getStatusCode());
        MlflowHttpException badFilter = assertThrows(MlflowHttpException.class,
                () -> client.searchModelVersions("name = 'x' OR 1=1"));
        assertEquals(400, badFilter.getStatusCode());
    }
}
