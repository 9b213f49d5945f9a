"""The official MLflow Python client against an instance in token mode, unmodified: credentials come only from
MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD. Prints one JSON object with what happened;
the Java test (MlflowTokensIT) decides what is right."""
import json
import sys

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient


def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except MlflowException as e:
        return {"ok": False, "error_code": e.error_code, "message": str(e)[:300]}
    except Exception as e:  # a refusal the client does not wrap
        return {"ok": False, "error_code": type(e).__name__, "message": str(e)[:300]}


def write(experiment):
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name="token-run") as run:
        mlflow.log_param("alpha", "0.5")
        mlflow.log_metric("rmse", 0.25)
        mlflow.set_tag("auth", "token")
    return run.info.run_id


def read(experiment):
    exp = MlflowClient().get_experiment_by_name(experiment)
    if exp is None:
        return []
    runs = MlflowClient().search_runs([exp.experiment_id])
    return [{"run_id": r.info.run_id, "params": r.data.params, "metrics": r.data.metrics} for r in runs]


if __name__ == "__main__":
    mode, experiment = sys.argv[1], sys.argv[2]
    result = {}
    if mode in ("write", "both"):
        result["write"] = attempt(lambda: write(experiment))
    if mode in ("read", "both"):
        result["read"] = attempt(lambda: read(experiment))
    print("RESULT " + json.dumps(result))
