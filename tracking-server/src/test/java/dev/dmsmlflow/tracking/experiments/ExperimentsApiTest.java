package dev.dmsmlflow.tracking.experiments;

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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class ExperimentsApiTest {
    @TestHTTPResource("/")
    URL root;
    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String create(String name) {
        Resp r = api.post("experiments/create", obj("name", name));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("experiment_id").asText();
    }

    @Test
    void defaultExperimentExists() {
        Resp r = api.get("experiments/get", Map.of("experiment_id", "0"));
        assertEquals(200, r.status());
        assertEquals("Default", r.json().at("/experiment/name").asText());
        assertEquals("active", r.json().at("/experiment/lifecycle_stage").asText());
        assertEquals("mlflow-artifacts:/0", r.json().at("/experiment/artifact_location").asText());
    }

    @Test
    void createdExperimentGetsProxiedLocationAndCanBeReadByIdAndName() {
        String name = unique("exp");
        Resp r = api.post("experiments/create", obj("name", name, "tags", List.of(Map.of("key", "team", "value", "a"))));
        assertEquals(200, r.status(), r.toString());
        String id = r.json().get("experiment_id").asText();
        assertTrue(id.matches("\\d+"));

        JsonNode e = api.get("experiments/get", Map.of("experiment_id", id)).json().get("experiment");
        assertEquals(name, e.get("name").asText());
        assertEquals("mlflow-artifacts:/" + id, e.get("artifact_location").asText());
        assertTrue(e.get("creation_time").isNumber());
        assertEquals("team", e.at("/tags/0/key").asText());

        Resp byName = api.get("experiments/get-by-name", Map.of("experiment_name", name));
        assertEquals(id, byName.json().at("/experiment/experiment_id").asText());
    }

    @Test
    void explicitArtifactLocationIsKeptAsGiven() {
        String loc = "oss://bucket/some/path";
        Resp r = api.post("experiments/create", obj("name", unique("loc"), "artifactLocation", loc));
        String id = r.json().get("experiment_id").asText();
        assertEquals(loc, api.get("experiments/get", Map.of("experiment_id", id)).json().at("/experiment/artifact_location").asText());
    }

    @Test
    void duplicateNameIsRejectedWithResourceAlreadyExists() {
        String name = unique("dup");
        create(name);
        Resp r = api.post("experiments/create", obj("name", name));
        assertEquals(400, r.status());
        assertEquals("RESOURCE_ALREADY_EXISTS", r.errorCode());
    }

    @Test
    void unknownExperimentIs404() {
        Resp r = api.get("experiments/get", Map.of("experiment_id", "987654"));
        assertEquals(404, r.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", r.errorCode());
        Resp byName = api.get("experiments/get-by-name", Map.of("experiment_name", unique("nope")));
        assertEquals(404, byName.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", byName.errorCode());
    }

    @Test
    void renameDeleteRestoreAndTags() {
        String id = create(unique("life"));
        String newName = unique("renamed");
        assertEquals(200, api.post("experiments/update", obj("experiment_id", id, "new_name", newName)).status());
        assertEquals(newName, api.get("experiments/get", Map.of("experiment_id", id)).json().at("/experiment/name").asText());

        assertEquals(200, api.post("experiments/set-experiment-tag", obj("experiment_id", id, "key", "k", "value", "v")).status());
        assertEquals("v", api.get("experiments/get", Map.of("experiment_id", id)).json().at("/experiment/tags/0/value").asText());
        assertEquals(200, api.post("experiments/delete-experiment-tag", obj("experiment_id", id, "key", "k")).status());
        assertNull(api.get("experiments/get", Map.of("experiment_id", id)).json().at("/experiment").get("tags"));

        assertEquals(200, api.post("experiments/delete", obj("experiment_id", id)).status());
        Resp deleted = api.get("experiments/get-by-name", Map.of("experiment_name", newName));
        assertEquals("deleted", deleted.json().at("/experiment/lifecycle_stage").asText());
        Resp tagOnDeleted = api.post("experiments/set-experiment-tag", obj("experiment_id", id, "key", "k", "value", "v"));
        assertEquals(400, tagOnDeleted.status());
        assertEquals("INVALID_PARAMETER_VALUE", tagOnDeleted.errorCode());
        assertEquals(200, api.post("experiments/restore", obj("experiment_id", id)).status());
        assertEquals("active", api.get("experiments/get", Map.of("experiment_id", id)).json().at("/experiment/lifecycle_stage").asText());
    }

    @Test
    void lifecycleErrorsAnswerAsUpstream() {
        String taken = unique("taken");
        create(taken);
        String id = create(unique("mover"));
        Resp rename = api.post("experiments/update", obj("experiment_id", id, "new_name", taken));
        assertEquals(400, rename.status(), rename.toString());
        assertEquals("BAD_REQUEST", rename.errorCode());
        Resp restoreActive = api.post("experiments/restore", obj("experiment_id", id));
        assertEquals(404, restoreActive.status(), restoreActive.toString());
        assertEquals("RESOURCE_DOES_NOT_EXIST", restoreActive.errorCode());
        assertEquals(200, api.post("experiments/delete", obj("experiment_id", id)).status());
        Resp deleteAgain = api.post("experiments/delete", obj("experiment_id", id));
        assertEquals(404, deleteAgain.status(), deleteAgain.toString());
        // upstream answers 500 INVALID_STATE here; a client error stays a client error with us
        Resp renameDeleted = api.post("experiments/update", obj("experiment_id", id, "new_name", unique("x")));
        assertEquals(400, renameDeleted.status(), renameDeleted.toString());
        assertEquals("INVALID_PARAMETER_VALUE", renameDeleted.errorCode());
    }

    @Test
    void isNullAndIsNotNullOnTags() {
        String prefix = unique("nulls");
        String tagged = create(prefix + "-tagged");
        String plain = create(prefix + "-plain");
        api.post("experiments/set-experiment-tag", obj("experiment_id", tagged, "key", "mlflow.experiment.isGateway", "value", "true"));
        assertEquals(List.of(plain), searchIds("name LIKE '" + prefix + "%' AND tags.`mlflow.experiment.isGateway` IS NULL"));
        assertEquals(List.of(tagged), searchIds("name LIKE '" + prefix + "%' AND tags.`mlflow.experiment.isGateway` IS NOT NULL"));
        Resp bad = api.post("experiments/search", obj("max_results", 10, "filter", "name IS NULL"));
        assertEquals(400, bad.status(), bad.toString());
    }

    private List<String> searchIds(String filter) {
        Resp r = api.post("experiments/search", obj("max_results", 100, "filter", filter));
        assertEquals(200, r.status(), filter + " -> " + r);
        List<String> ids = new ArrayList<>();
        if (r.json().has("experiments")) {
            r.json().get("experiments").forEach(e -> ids.add(e.get("experiment_id").asText()));
        }
        return ids;
    }

    @Test
    void searchFiltersOrdersAndPages() {
        String prefix = unique("search");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(create(prefix + "-" + i));
        }
        api.post("experiments/set-experiment-tag", obj("experiment_id", ids.get(2), "key", "stage", "value", "prod"));

        Resp all = api.post("experiments/search", obj("filter", "name LIKE '" + prefix + "%'", "order_by", List.of("name DESC"), "max_results", "2"));
        assertEquals(200, all.status(), all.toString());
        assertEquals(2, all.json().get("experiments").size());
        assertEquals(prefix + "-4", all.json().at("/experiments/0/name").asText());
        String token = all.json().get("next_page_token").asText();
        List<String> seen = new ArrayList<>();
        all.json().get("experiments").forEach(e -> seen.add(e.get("name").asText()));
        while (token != null) {
            Resp page = api.post("experiments/search", obj("filter", "name LIKE '" + prefix + "%'", "order_by", List.of("name DESC"), "max_results", 2, "page_token", token));
            page.json().get("experiments").forEach(e -> seen.add(e.get("name").asText()));
            token = page.json().has("next_page_token") ? page.json().get("next_page_token").asText() : null;
        }
        assertEquals(List.of(prefix + "-4", prefix + "-3", prefix + "-2", prefix + "-1", prefix + "-0"), seen);

        Resp tagged = api.get("experiments/search", Map.of("filter", "tags.stage = 'prod' AND attribute.name ILIKE '" + prefix.toUpperCase() + "%'"));
        assertEquals(200, tagged.status(), tagged.toString());
        assertEquals(1, tagged.json().get("experiments").size());
        assertEquals(ids.get(2), tagged.json().at("/experiments/0/experiment_id").asText());

        api.post("experiments/delete", obj("experiment_id", ids.get(0)));
        Resp deletedOnly = api.get("experiments/search", Map.of("view_type", "DELETED_ONLY", "filter", "name = '" + prefix + "-0'"));
        assertEquals(1, deletedOnly.json().get("experiments").size());
        Resp activeOnly = api.get("experiments/search", Map.of("filter", "name = '" + prefix + "-0'"));
        assertFalse(activeOnly.json().has("experiments"));
    }

    @Test
    void invalidSearchInputIs400() {
        for (String filter : List.of("name = 'x' OR name = 'y'", "name == ", "metrics.a > 1", "name = 'x'; DROP TABLE experiments", "creation_time > 'abc'")) {
            Resp r = api.post("experiments/search", obj("filter", filter));
            assertEquals(400, r.status(), filter + " -> " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
        }
        Resp dupOrder = api.post("experiments/search", obj("order_by", List.of("name", "name DESC")));
        assertEquals(400, dupOrder.status());
        Resp badToken = api.post("experiments/search", obj("page_token", "!!notatoken"));
        assertEquals(400, badToken.status());
        Resp tooMany = api.post("experiments/search", obj("max_results", 50001));
        assertEquals(400, tooMany.status());
    }

    @Test
    void ajaxPrefixAndUnknownRouteAndBadJson() {
        Resp ajax = api.send("GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", null, null);
        assertEquals(200, ajax.status());
        Resp unknown = api.send("GET", "/api/2.0/mlflow/no/such/thing", null, null);
        assertEquals(404, unknown.status());
        assertEquals("ENDPOINT_NOT_FOUND", unknown.errorCode());
        Resp malformed = api.post("experiments/create", "{\"name\": ");
        assertEquals(400, malformed.status());
        assertEquals("INVALID_PARAMETER_VALUE", malformed.errorCode());
        Resp wrongType = api.post("experiments/create", "{\"name\": {\"a\": 1}}");
        assertEquals(400, wrongType.status());
        assertEquals("INVALID_PARAMETER_VALUE", wrongType.errorCode());
        Resp wrongContentType = api.send("POST", "/api/2.0/mlflow/experiments/create", "{\"name\":\"x\"}", "text/plain");
        assertEquals(400, wrongContentType.status());
        assertEquals("INVALID_PARAMETER_VALUE", wrongContentType.errorCode());
        Resp health = api.send("GET", "/health", null, null);
        assertEquals("OK", health.text());
    }
}
