package dev.dmsmlflow.tracking.graphql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import dev.dmsmlflow.tracking.ui.SeedRun;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /graphql} with the operations the MLflow web UI sends (their shapes as the UI's bundle writes them). */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GraphqlApiTest {
    static final String GET_EXPERIMENT = """
            query MlflowGetExperimentQuery($input: MlflowGetExperimentInput!) @component(name: "MLflow.ExperimentRunTracking") {
              mlflowGetExperiment(input: $input) {
                apiError { code message }
                experiment { artifactLocation creationTime experimentId lastUpdateTime lifecycleStage name tags { key value } }
              }
            }""";
    static final String RUN_FIELDS = """
              info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
              experiment { experimentId name tags { key value } artifactLocation lifecycleStage lastUpdateTime }
              modelVersions { status version name source }
              data { metrics { key value step timestamp } params { key value } tags { key value } }
              inputs {
                datasetInputs { dataset { digest name profile schema source sourceType } tags { key value } }
                modelInputs { modelId }
              }
              outputs { modelOutputs { modelId step } }
              __typename
            """;
    static final String GET_RUN = "query GetRun($data: MlflowGetRunInput!) @component(name: \"MLflow.ExperimentRunTracking\") {\n"
            + "  mlflowGetRun(input: $data) { apiError { helpUrl code message } run {" + RUN_FIELDS + "} }\n}";
    static final String SEARCH_RUNS = "query SearchRuns($data: MlflowSearchRunsInput!) {\n"
            + "  mlflowSearchRuns(input: $data) { apiError { helpUrl code message } nextPageToken runs {" + RUN_FIELDS + "} }\n}";
    static final String HISTORY = """
            query GetMetricHistoryBulkInterval($data: MlflowGetMetricHistoryBulkIntervalInput!)
            @component(name: "MLflow.ExperimentRunTracking") {
              mlflowGetMetricHistoryBulkInterval(input: $data) {
                __typename
                metrics { timestamp step runId key value }
                apiError { code message }
              }
            }""";

    @TestHTTPResource("/")
    URL root;
    Api api;
    SeedRun seed;

    @BeforeAll
    void seed() {
        api = new Api(root.toString());
        seed = SeedRun.create(api);
    }

    private JsonNode graphql(String query, String operation, Object variables) {
        ObjectNode body = obj("query", query, "operationName", operation, "variables", variables);
        Resp r = api.send("POST", "/graphql", body.toString(), "application/json");
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    @Test
    void experimentHeader() {
        JsonNode r = graphql(GET_EXPERIMENT, "MlflowGetExperimentQuery", Map.of("input", Map.of("experimentId", seed.experimentId)));
        assertTrue(r.get("errors").isNull(), r.toString());
        JsonNode e = r.at("/data/mlflowGetExperiment/experiment");
        assertEquals(SeedRun.EXPERIMENT, e.get("name").asText());
        assertEquals(seed.experimentId, e.get("experimentId").asText());
        assertEquals("active", e.get("lifecycleStage").asText());
        assertTrue(e.get("creationTime").isTextual(), "int64 as LongString: " + e);
        assertTrue(r.at("/data/mlflowGetExperiment/apiError").isNull());
    }

    @Test
    void runPage() {
        JsonNode r = graphql(GET_RUN, "GetRun", Map.of("data", Map.of("runId", seed.runId)));
        assertTrue(r.get("errors").isNull(), r.toString());
        JsonNode run = r.at("/data/mlflowGetRun/run");
        assertEquals("MlflowRunExtension", run.get("__typename").asText());
        assertEquals(SeedRun.RUN_NAME, run.at("/info/runName").asText());
        assertEquals("FINISHED", run.at("/info/status").asText());
        assertEquals(seed.runId, run.at("/info/runUuid").asText());
        assertTrue(run.at("/info/startTime").isTextual());
        assertEquals(SeedRun.EXPERIMENT, run.at("/experiment/name").asText());
        Map<String, String> params = new HashMap<>();
        run.at("/data/params").forEach(p -> params.put(p.get("key").asText(), p.get("value").asText()));
        assertEquals(SeedRun.PARAMS, params);
        Map<String, Double> metrics = new HashMap<>();
        run.at("/data/metrics").forEach(m -> metrics.put(m.get("key").asText(), m.get("value").asDouble()));
        assertEquals(SeedRun.METRICS, metrics);
        assertEquals("0", run.at("/data/metrics/0/step").asText());
        assertEquals(seed.modelId, run.at("/outputs/modelOutputs/0/modelId").asText());
        assertEquals(SeedRun.REGISTERED_MODEL, run.at("/modelVersions/0/name").asText());
        assertEquals("1", run.at("/modelVersions/0/version").asText());
        assertEquals("READY", run.at("/modelVersions/0/status").asText());

        JsonNode missing = graphql(GET_RUN, "GetRun", Map.of("data", Map.of("runId", "0123456789abcdef0123456789abcdef")));
        assertTrue(missing.at("/data/mlflowGetRun").isNull(), missing.toString());
        assertTrue(missing.at("/errors/0").asText().contains("0123456789abcdef0123456789abcdef"), missing.toString());
    }

    @Test
    void runsTableAsQueryAndMutation() {
        Map<String, Object> input = Map.of("data", Map.of("experimentIds", List.of(seed.experimentId),
                "filter", "params.n_estimators = '100'", "runViewType", "ACTIVE_ONLY", "maxResults", 10,
                "orderBy", List.of("metrics.accuracy DESC")));
        JsonNode r = graphql(SEARCH_RUNS, "SearchRuns", input);
        assertTrue(r.get("errors").isNull(), r.toString());
        assertEquals(1, r.at("/data/mlflowSearchRuns/runs").size());
        assertEquals(seed.runId, r.at("/data/mlflowSearchRuns/runs/0/info/runUuid").asText());
        JsonNode m = graphql(SEARCH_RUNS.replaceFirst("^query", "mutation"), "SearchRuns", input);
        assertEquals(seed.runId, m.at("/data/mlflowSearchRuns/runs/0/info/runUuid").asText(), m.toString());

        JsonNode bad = graphql(SEARCH_RUNS, "SearchRuns", Map.of("data", Map.of("experimentIds", List.of(seed.experimentId),
                "filter", "metrics.acc >>> 1")));
        assertTrue(bad.at("/data/mlflowSearchRuns").isNull(), bad.toString());
        assertEquals(1, bad.get("errors").size());
    }

    @Test
    void metricChartsHistory() {
        JsonNode r = graphql(HISTORY, "GetMetricHistoryBulkInterval", Map.of("data", Map.of("runIds", List.of(seed.runId),
                "metricKey", "accuracy", "maxResults", 320)));
        assertTrue(r.get("errors").isNull(), r.toString());
        JsonNode res = r.at("/data/mlflowGetMetricHistoryBulkInterval");
        assertEquals("MlflowGetMetricHistoryBulkIntervalResponse", res.get("__typename").asText());
        assertEquals(seed.runId, res.at("/metrics/0/runId").asText());
        assertEquals(SeedRun.METRICS.get("accuracy"), res.at("/metrics/0/value").asDouble());
        assertEquals("0", res.at("/metrics/0/step").asText());
    }

    @Test
    void nanMetricsAreNullAndBadQueriesAreErrors() {
        String run = api.post("runs/create", obj("experiment_id", seed.experimentId)).json().at("/run/info/run_id").asText();
        api.post("runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"loss\",\"value\":\"NaN\",\"timestamp\":1}");
        JsonNode r = graphql(GET_RUN, "GetRun", Map.of("data", Map.of("runId", run)));
        assertTrue(r.get("errors").isNull(), r.toString());
        assertTrue(r.at("/data/mlflowGetRun/run/data/metrics/0/value").isNull(), r.toString());

        JsonNode unknownField = graphql("query { mlflowGetRun(input: {runId: \"x\"}) { nope } }", null, Map.of());
        assertTrue(unknownField.get("errors").size() > 0, unknownField.toString());
        Resp malformed = api.send("POST", "/graphql", "{not json", "application/json");
        assertEquals(400, malformed.status());
        StringBuilder deep = new StringBuilder("query { test(inputString: \"x\") { output } ");
        deep.append("mlflowGetRun(input: {runId: \"x\"}) { run { info { runName } } } }");
        assertEquals("x", graphql(deep.toString(), null, Map.of()).at("/data/test/output").asText());
        StringBuilder many = new StringBuilder("query {");
        for (int i = 0; i < 11; i++) {
            many.append(" r").append(i).append(": mlflowGetRun(input: {runId: \"").append(seed.runId).append("\"}) { run { info { runName } } }");
        }
        JsonNode tooMany = graphql(many.append(" }").toString(), null, Map.of());
        assertTrue(tooMany.get("errors").get(0).asText().contains("root fields"), tooMany.toString());
        String deepQuery = "query { mlflowGetRun(input: {runId: \"x\"}) { run { inputs { datasetInputs { dataset { name } } } } } }";
        assertTrue(graphql(deepQuery.replace("name", "a { b { c { d { e { f } } } } }"), null, Map.of()).get("errors").size() > 0);
    }
}
