package dev.dmsmlflow.tracking.runs;

import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.Service.CreateExperiment;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.Experiment;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.ViewType;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.Page;

import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged server driven by the official Java client {@code org.mlflow:mlflow-client} (it sends int64 as strings). */
@QuarkusIntegrationTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class JavaClientIT {
    @TestHTTPResource("/")
    URL root;
    MlflowClient client;
    Api api;

    @BeforeEach
    void setUp() {
        String base = root.toString().replaceAll("/$", "");
        client = new MlflowClient(base);
        api = new Api(base);
    }

    private static String unique(String p) {
        return p + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void experimentsLifecycleAndDuplicateRejected() {
        String name = unique("java-exp");
        String id = client.createExperiment(name);
        Experiment e = client.getExperiment(id);
        assertEquals(name, e.getName());
        assertEquals("mlflow-artifacts:/" + id, e.getArtifactLocation());
        assertEquals(id, client.getExperimentByName(name).orElseThrow().getExperimentId());
        assertTrue(client.getExperimentByName(unique("missing")).isEmpty());

        MlflowHttpException dup = assertThrows(MlflowHttpException.class, () -> client.createExperiment(name));
        assertEquals(400, dup.getStatusCode());
        assertTrue(dup.getBodyMessage().contains("RESOURCE_ALREADY_EXISTS"), dup.getBodyMessage());

        String custom = client.createExperiment(CreateExperiment.newBuilder().setName(unique("java-loc"))
                .setArtifactLocation("oss://bucket/custom").build());
        assertEquals("oss://bucket/custom", client.getExperiment(custom).getArtifactLocation());

        String renamed = unique("java-renamed");
        client.renameExperiment(id, renamed);
        assertEquals(renamed, client.getExperiment(id).getName());
        client.deleteExperiment(id);
        assertEquals("deleted", client.getExperiment(id).getLifecycleStage());
        client.restoreExperiment(id);
        assertEquals("active", client.getExperiment(id).getLifecycleStage());
        assertTrue(client.searchExperiments("name = '" + renamed + "'").getItems().size() == 1);
    }

    @Test
    void runsParamsTagsBatchAndDeleteRestore() {
        String exp = client.createExperiment(unique("java-runs"));
        RunInfo info = client.createRun(exp);
        String runId = info.getRunId();
        assertTrue(runId.matches("[0-9a-f]{32}"));
        assertEquals("mlflow-artifacts:/" + exp + "/" + runId + "/artifacts", info.getArtifactUri());

        client.logParam(runId, "alpha", "0.5");
        client.setTag(runId, "team", "ml");
        client.logMetric(runId, "rmse", 0.75, 1000L, 2L);
        client.logBatch(runId,
                List.of(Metric.newBuilder().setKey("mae").setValue(0.25).setTimestamp(1001L).setStep(0).build()),
                List.of(Param.newBuilder().setKey("l1").setValue("0.1").build()),
                List.of(RunTag.newBuilder().setKey("stage").setValue("dev").build()));
        MlflowHttpException changed = assertThrows(MlflowHttpException.class, () -> client.logParam(runId, "alpha", "0.6"));
        assertEquals(400, changed.getStatusCode());

        Run run = client.getRun(runId);
        Map<String, String> params = new HashMap<>();
        run.getData().getParamsList().forEach(p -> params.put(p.getKey(), p.getValue()));
        assertEquals(Map.of("alpha", "0.5", "l1", "0.1"), params);
        Map<String, Double> metrics = new HashMap<>();
        run.getData().getMetricsList().forEach(m -> metrics.put(m.getKey(), m.getValue()));
        assertEquals(Map.of("rmse", 0.75, "mae", 0.25), metrics);
        assertTrue(run.getData().getTagsList().stream().anyMatch(t -> t.getKey().equals("team") && t.getValue().equals("ml")));
        assertTrue(run.getData().getTagsList().stream().anyMatch(t -> t.getKey().equals("mlflow.runName")));

        client.setTerminated(runId, RunStatus.FINISHED, 5000L);
        assertEquals(RunStatus.FINISHED, client.getRun(runId).getInfo().getStatus());
        assertEquals(5000L, client.getRun(runId).getInfo().getEndTime());

        client.deleteRun(runId);
        assertEquals("deleted", client.getRun(runId).getInfo().getLifecycleStage());
        assertThrows(MlflowHttpException.class, () -> client.setTag(runId, "x", "y"));
        client.restoreRun(runId);
        assertEquals("active", client.getRun(runId).getInfo().getLifecycleStage());

        MlflowHttpException missing = assertThrows(MlflowHttpException.class, () -> client.getRun("0".repeat(32)));
        assertEquals(404, missing.getStatusCode());
    }

    @Test
    void longMetricHistoryReadsBack() {
        String exp = client.createExperiment(unique("java-history"));
        String runId = client.createRun(exp).getRunId();
        for (int b = 0; b < 26; b++) {
            List<Metric> batch = new ArrayList<>(1000);
            for (int i = 0; i < 1000; i++) {
                long s = b * 1000L + i;
                batch.add(Metric.newBuilder().setKey("loss").setValue(1.0 / (s + 1)).setTimestamp(1_000_000L + s).setStep(s).build());
            }
            client.logBatch(runId, batch, List.of(), List.of());
        }
        List<Metric> all = client.getMetricHistory(runId, "loss");
        assertEquals(26_000, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).getStep());
        }
        // the same history through the paged protocol (max_results is capped at 25,000 per page)
        Resp first = api.get("metrics/get-history", Map.of("run_id", runId, "metric_key", "loss", "max_results", "30000"));
        assertEquals(25_000, first.json().get("metrics").size());
        Resp second = api.get("metrics/get-history", Map.of("run_id", runId, "metric_key", "loss", "max_results", "30000",
                "page_token", first.json().get("next_page_token").asText()));
        assertEquals(1_000, second.json().get("metrics").size());
        assertEquals(25_000, second.json().at("/metrics/0/step").asLong());
        assertFalse(second.json().has("next_page_token"));
    }

    @Test
    void searchFiltersOrderAndPaging() {
        String exp = client.createExperiment(unique("java-search"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            RunInfo info = client.createRun(CreateRun.newBuilder().setExperimentId(exp).setRunName("run-" + i)
                    .setStartTime(1000L + i).build());
            ids.add(info.getRunId());
            client.logMetric(info.getRunId(), "acc", i / 10.0);
            client.logParam(info.getRunId(), "kind", i % 2 == 0 ? "even" : "odd");
        }
        Page<Run> page = client.searchRuns(List.of(exp), "metrics.acc > 0.15 and params.kind = 'even'",
                ViewType.ACTIVE_ONLY, 10, List.of("metrics.acc DESC"));
        List<String> names = new ArrayList<>();
        page.getItems().forEach(r -> names.add(r.getInfo().getRunName()));
        assertEquals(List.of("run-6", "run-4", "run-2"), names);

        List<String> paged = new ArrayList<>();
        Page<Run> p = client.searchRuns(List.of(exp), "", ViewType.ACTIVE_ONLY, 3, List.of("attributes.start_time ASC"));
        while (true) {
            p.getItems().forEach(r -> paged.add(r.getInfo().getRunId()));
            if (!p.hasNextPage()) {
                break;
            }
            p = p.getNextPage();
        }
        assertEquals(ids, paged);

        client.deleteRun(ids.get(0));
        assertEquals(6, client.searchRuns(List.of(exp), "").size());
        assertEquals(1, client.searchRuns(List.of(exp), "", ViewType.DELETED_ONLY).size());

        MlflowHttpException bad = assertThrows(MlflowHttpException.class,
                () -> client.searchRuns(List.of(exp), "metrics.acc > 'high' OR 1=1"));
        assertEquals(400, bad.getStatusCode());
        assertTrue(bad.getBodyMessage().contains("INVALID_PARAMETER_VALUE"));
    }

    @Test
    void rawBadInputOnThePackagedServer() {
        Resp malformed = api.send("POST", "/api/2.0/mlflow/runs/create", "{not json", "application/json");
        assertEquals(400, malformed.status());
        assertEquals("INVALID_PARAMETER_VALUE", malformed.errorCode());
        Resp wrongType = api.post("runs/create", obj("experiment_id", List.of(1, 2)));
        assertEquals(400, wrongType.status());
        Resp unknown = api.get("runs/get", Map.of("run_id", "f".repeat(32)));
        assertEquals(404, unknown.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", unknown.errorCode());
    }
}
