package dev.dmsmlflow.tracking.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;

import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The seed's Iris RandomForest example as the Python client 3.x sends it over HTTP (experiment, run with
 * its params, metrics and tags, a logged sklearn model whose files go through the artifact proxy, the
 * run finished), plus the model registered from it, so UI tests see what a user of the seed sees.
 */
public final class SeedRun {
    public static final String EXPERIMENT = "Iris Classification";
    public static final String RUN_NAME = "RandomForest_Iris";
    public static final String REGISTERED_MODEL = "iris-classifier";
    public static final Map<String, String> PARAMS = Map.of("n_estimators", "100", "max_depth", "3", "random_state", "42",
            "test_size", "0.2");
    public static final Map<String, Double> METRICS = Map.of("accuracy", 0.9666666666666667, "precision", 0.9696969696969696,
            "recall", 0.9666666666666667, "f1_score", 0.9665831244778613);
    static final List<String> MODEL_FILES = List.of("MLmodel", "model.pkl", "conda.yaml", "python_env.yaml", "requirements.txt");

    public final String experimentId;
    public final String runId;
    public final String modelId;

    private SeedRun(String experimentId, String runId, String modelId) {
        this.experimentId = experimentId;
        this.runId = runId;
        this.modelId = modelId;
    }

    public static SeedRun create(Api api) {
        String exp = ok(api.post("experiments/create", obj("name", EXPERIMENT))).get("experiment_id").asText();
        long start = System.currentTimeMillis() - 5_000;
        List<Map<String, String>> tags = List.of(Map.of("key", "mlflow.user", "value", "data-scientist"),
                Map.of("key", "mlflow.source.name", "value", "iris_example.py"),
                Map.of("key", "mlflow.source.type", "value", "LOCAL"),
                Map.of("key", "mlflow.runName", "value", RUN_NAME));
        String run = ok(api.post("runs/create", obj("experiment_id", exp, "user_id", "data-scientist", "start_time", start,
                "run_name", RUN_NAME, "tags", tags))).at("/run/info/run_id").asText();
        PARAMS.forEach((k, v) -> ok(api.post("runs/log-parameter", obj("run_id", run, "key", k, "value", v))));
        long t = start + 1000;
        for (var m : METRICS.entrySet()) {
            ok(api.post("runs/log-metric", obj("run_id", run, "key", m.getKey(), "value", m.getValue(), "timestamp", t, "step", 0)));
        }
        ok(api.post("runs/set-tag", obj("run_id", run, "key", "features",
                "value", "sepal length (cm), sepal width (cm), petal length (cm), petal width (cm)")));
        ok(api.post("runs/set-tag", obj("run_id", run, "key", "targets", "value", "setosa, versicolor, virginica")));
        ok(api.post("runs/set-tag", obj("run_id", run, "key", "algorithm", "value", "RandomForestClassifier")));

        List<Map<String, String>> params = PARAMS.entrySet().stream()
                .map(e -> Map.of("key", e.getKey(), "value", e.getValue())).toList();
        JsonNode model = ok(api.post("logged-models", obj("experiment_id", exp, "name", "iris_model", "source_run_id", run,
                "model_type", "", "params", params))).get("model");
        String modelId = model.at("/info/model_id").asText();
        ok(api.post("runs/outputs", obj("run_id", run, "models", List.of(Map.of("model_id", modelId, "step", 0)))));
        List<Map<String, Object>> metrics = METRICS.entrySet().stream().map(m -> Map.<String, Object>of("key", m.getKey(),
                "value", m.getValue(), "timestamp", start + 1000, "step", 0, "model_id", modelId)).toList();
        ok(api.post("runs/log-batch", obj("run_id", run, "metrics", metrics)));
        String base = "/api/2.0/mlflow-artifacts/artifacts/" + exp + "/models/" + modelId + "/artifacts/";
        for (String f : MODEL_FILES) {
            Resp r = api.send("PUT", base + f, fileContent(f, run, modelId), "application/octet-stream");
            assertEquals(200, r.status(), f + ": " + r);
        }
        ok(api.send("PATCH", "/api/2.0/mlflow/logged-models/" + modelId,
                obj("model_id", modelId, "status", "LOGGED_MODEL_READY").toString(), "application/json"));
        ok(api.post("runs/update", obj("run_id", run, "status", "FINISHED", "end_time", System.currentTimeMillis())));

        ok(api.post("registered-models/create", obj("name", REGISTERED_MODEL)));
        ok(api.post("model-versions/create", obj("name", REGISTERED_MODEL, "source", "models:/" + modelId, "run_id", run,
                "model_id", modelId)));
        return new SeedRun(exp, run, modelId);
    }

    private static String fileContent(String name, String runId, String modelId) {
        return switch (name) {
            case "MLmodel" -> "artifact_path: iris_model\nflavors:\n  python_function:\n    env:\n      conda: conda.yaml\n"
                    + "      virtualenv: python_env.yaml\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n"
                    + "    predict_fn: predict\n    python_version: 3.11.7\n  sklearn:\n    code: null\n"
                    + "    pickled_model: model.pkl\n    serialization_format: cloudpickle\n    sklearn_version: 1.9.1\n"
                    + "mlflow_version: 3.12.0\nmodel_id: " + modelId + "\nrun_id: " + runId + "\n";
            case "conda.yaml" -> "channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip\n- pip:\n  - mlflow==3.12.0\n"
                    + "  - scikit-learn==1.9.1\nname: mlflow-env\n";
            case "python_env.yaml" -> "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n";
            case "requirements.txt" -> "mlflow==3.12.0\nscikit-learn==1.9.1\n";
            default -> "not a real pickle: the UI only lists and shows the file";
        };
    }

    private static JsonNode ok(Resp r) {
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }
}
