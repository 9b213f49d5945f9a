package dev.dmsmlflow.mlflowaccess;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which MLflow calls a read token may make. */
class MlflowRequestsTest {

    @Test
    void readsAreGetsAndTheSearchesMlflowSendsAsPost() {
        for (String[] r : new String[][]{
                {"GET", "/api/2.0/mlflow/experiments/get-by-name"}, {"GET", "/api/2.0/mlflow-artifacts/artifacts/a/b"},
                {"HEAD", "/"}, {"POST", "/api/2.0/mlflow/runs/search"}, {"POST", "/ajax-api/2.0/mlflow/experiments/search"},
                {"POST", "/api/2.0/mlflow/registered-models/search"}, {"POST", "/api/2.0/mlflow/model-versions/search"},
                {"POST", "/api/2.0/mlflow/logged-models/search"}, {"POST", "/api/3.0/mlflow/traces/search"},
                {"POST", "/ajax-api/2.0/mlflow/registered-models/get-latest-versions"}, {"POST", "/graphql"},
                {"POST", "/ajax-api/2.0/mlflow/experiments/search-datasets"}, {"POST", "/api/3.0/mlflow/datasets/search"}}) {
            assertTrue(MlflowRequests.readsOnly(r[0], r[1]), r[0] + " " + r[1]);
        }
    }

    @Test
    void everythingElseWrites() {
        for (String[] r : new String[][]{
                {"POST", "/api/2.0/mlflow/runs/create"}, {"POST", "/api/2.0/mlflow/runs/log-batch"},
                {"POST", "/api/2.0/mlflow/experiments/create"}, {"POST", "/api/2.0/mlflow/runs/search/../delete"},
                {"PATCH", "/api/2.0/mlflow/registered-models/update"}, {"DELETE", "/api/2.0/mlflow/registered-models/delete"},
                {"PUT", "/api/2.0/mlflow-artifacts/artifacts/model.pkl"}, {"DELETE", "/api/2.0/mlflow-artifacts/artifacts/x"},
                {"POST", "/api/2.0/mlflow-artifacts/mpu/create/x"}, {"POST", "/v1/traces"}, {"POST", "/api/2.0/mlflow/runs/searchx"},
                {"POST", "/api/3.0/mlflow/traces"}, {"POST", "/api/2.0/mlflow/logged-models"}, {"PUT", "/graphql"}}) {
            assertFalse(MlflowRequests.readsOnly(r[0], r[1]), r[0] + " " + r[1]);
        }
    }
}
