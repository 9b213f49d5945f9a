"""The unmodified upstream Python client against our tracking server (see conftest.py)."""

import json
import os
import pathlib
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest
import requests

import mlflow
from mlflow.exceptions import MlflowException
from packaging.version import Version

HERE = pathlib.Path(__file__).parent
PROMPT_S = 5.0  # an error must come back at once: no 5xx retry loop in the client
CLIENT = Version(mlflow.__version__)
MLFLOW_3 = CLIENT >= Version("3")
# MLflow 3 logged models (log_model(name=...), ModelInfo.model_id, search_logged_models, models:/m-... URIs)
needs_logged_models = pytest.mark.skipif(not MLFLOW_3, reason=f"logged models are an MLflow 3 API (client {CLIENT})")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def iris():
    from sklearn import datasets

    data = datasets.load_iris()
    return data.data, data.target


# ---------------------------------------------------------------- the seed's training example


SEED_LOG_MODEL = 'mlflow.sklearn.log_model(model, "iris_model")'
# From mlflow 3.14 log_model saves with skops by default and refuses the RandomForest's trees on the
# client side (whatever the server); the documented argument keeps the pickle format of earlier clients.
SKOPS_BY_DEFAULT = Version(mlflow.__version__) >= Version("3.14")


def seed_script(server_url):
    """The seed's example with the tracking URI filled in: verbatim before 3.14, else with the documented argument."""
    script = (HERE / "seed_iris_example.py.txt").read_text()
    assert script.count('"<VPC_ADDRESS>"') == 1
    assert script.count(SEED_LOG_MODEL) == 1
    script = script.replace('"<VPC_ADDRESS>"', repr(server_url))
    if SKOPS_BY_DEFAULT:
        script = script.replace(SEED_LOG_MODEL,
                                'mlflow.sklearn.log_model(model, "iris_model", serialization_format="cloudpickle")')
    return script


@pytest.fixture(scope="module")
def seed_run(server_url, mlflow_client, tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "iris_example.py"
    path.write_text(seed_script(server_url))
    started = time.time()
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=240,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    run_id = next(line.split(": ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("Run ID: "))
    return {"run_id": run_id, "stdout": proc.stdout, "stderr": proc.stderr, "seconds": time.time() - started}


def test_seed_example_run_finishes_with_params_metrics_tags(seed_run, mlflow_client):
    run = mlflow_client.get_run(seed_run["run_id"])
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "RandomForest_Iris"
    assert run.info.end_time is not None and run.info.end_time >= run.info.start_time
    exp = mlflow_client.get_experiment(run.info.experiment_id)
    assert exp.name == "Iris Classification"
    assert run.data.params == {"n_estimators": "100", "max_depth": "3", "random_state": "42", "test_size": "0.2"}
    assert set(run.data.metrics) == {"accuracy", "precision", "recall", "f1_score"}
    for value in run.data.metrics.values():
        assert 0.8 <= value <= 1.0
    assert run.data.tags["algorithm"] == "RandomForestClassifier"
    assert run.data.tags["features"].startswith("sepal length (cm)")
    assert run.data.tags["targets"] == "setosa, versicolor, virginica"
    assert run.data.tags["mlflow.runName"] == "RandomForest_Iris"
    history = mlflow_client.get_metric_history(run.info.run_id, "accuracy")
    assert len(history) >= 1


@pytest.mark.skipif(MLFLOW_3, reason="MLflow 2 clients record the model in the run; MLflow 3 ones as a logged model")
def test_seed_example_model_of_a_2x_client_loads_and_is_listed_in_the_run(seed_run, mlflow_client):
    run = mlflow_client.get_run(seed_run["run_id"])
    # runs/log-model: the model's summary in the run's history tag, from which the MLflow 2 UI lists run models
    history = json.loads(run.data.tags["mlflow.log-model.history"])
    assert [(m["artifact_path"], m["run_id"]) for m in history] == [("iris_model", run.info.run_id)]
    assert "sklearn" in history[0]["flavors"] and "python_function" in history[0]["flavors"]
    X, y = iris()
    sk = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/iris_model")
    assert (sk.predict(X) == y).mean() > 0.9
    assert "iris_model/MLmodel" in {f.path for f in mlflow_client.list_artifacts(run.info.run_id, "iris_model")}


@needs_logged_models
def test_seed_example_model_loads_and_predicts(seed_run, mlflow_client):
    run = mlflow_client.get_run(seed_run["run_id"])
    models = mlflow.search_logged_models(experiment_ids=[run.info.experiment_id], output_format="list")
    model = next(m for m in models if m.source_run_id == run.info.run_id)
    assert model.name == "iris_model"
    assert str(model.status).endswith("READY")
    X, y = iris()
    sk = mlflow.sklearn.load_model(f"models:/{model.model_id}")
    assert (sk.predict(X) == y).mean() > 0.9
    py = mlflow.pyfunc.load_model(f"models:/{model.model_id}")
    assert len(py.predict(X[:5])) == 5
    # the files went through the artifact proxy
    names = {f.path for f in mlflow_client.list_logged_model_artifacts(model.model_id)} if hasattr(
        mlflow_client, "list_logged_model_artifacts") else None
    if names is not None:
        assert "MLmodel" in names


# ---------------------------------------------------------------- search


def test_search_runs_with_filters_and_ordering(mlflow_client):
    exp_id = mlflow_client.create_experiment(unique("search"))
    for i in range(6):
        with mlflow.start_run(experiment_id=exp_id, run_name=f"r{i}"):
            mlflow.log_metric("m", float(i))
            mlflow.log_param("p", "even" if i % 2 == 0 else "odd")
            mlflow.set_tag("team", "x" if i < 3 else "y")
    runs = mlflow_client.search_runs(
        [exp_id], filter_string="metrics.m >= 1 and params.p = 'even'", order_by=["metrics.m DESC"]
    )
    assert [r.info.run_name for r in runs] == ["r4", "r2"]
    runs = mlflow_client.search_runs([exp_id], filter_string="tags.team = 'y'", order_by=["metrics.m ASC"])
    assert [r.info.run_name for r in runs] == ["r3", "r4", "r5"]
    df = mlflow.search_runs([exp_id], filter_string="attributes.run_name LIKE 'r%'", order_by=["metrics.m DESC"])
    assert list(df["tags.mlflow.runName"]) == ["r5", "r4", "r3", "r2", "r1", "r0"]
    page = mlflow_client.search_runs([exp_id], max_results=4, order_by=["metrics.m ASC"])
    assert len(page) == 4 and page.token
    rest = mlflow_client.search_runs([exp_id], max_results=4, order_by=["metrics.m ASC"], page_token=page.token)
    assert [r.info.run_name for r in rest] == ["r4", "r5"]


# ---------------------------------------------------------------- artifacts


def test_log_list_download_artifacts(mlflow_client, tmp_path):
    exp_id = mlflow_client.create_experiment(unique("artifacts"))
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "top.txt").write_text("top level")
    (src / "nested" / "a.json").write_text('{"a": 1}')
    blob = os.urandom(3 * 1024 * 1024 + 5)
    (src / "nested" / "deeper" / "blob.bin").write_bytes(blob)
    single = tmp_path / "single.txt"
    single.write_text("just one")
    with mlflow.start_run(experiment_id=exp_id) as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifacts(str(src), artifact_path="bundle")
        mlflow.log_text("inline text", "notes/inline.txt")
        mlflow.log_dict({"k": [1, 2]}, "notes/d.json")
    run_id = run.info.run_id
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")

    top = mlflow_client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in top] == [("bundle", True), ("notes", True), ("single.txt", False)]
    assert next(f for f in top if f.path == "single.txt").file_size == len("just one")
    nested = mlflow_client.list_artifacts(run_id, "bundle/nested")
    assert [(f.path, f.is_dir) for f in nested] == [("bundle/nested/a.json", False), ("bundle/nested/deeper", True)]

    dst = tmp_path / "dst"
    dst.mkdir()
    local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="bundle", dst_path=str(dst))
    assert (pathlib.Path(local) / "top.txt").read_text() == "top level"
    assert (pathlib.Path(local) / "nested" / "deeper" / "blob.bin").read_bytes() == blob
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/inline.txt") == "inline text"
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/notes/d.json") == {"k": [1, 2]}
    one = mlflow_client.download_artifacts(run_id, "single.txt", str(dst))
    assert pathlib.Path(one).read_text() == "just one"


def test_get_artifact_and_list_endpoints_used_by_the_ui(server_url, mlflow_client, tmp_path):
    exp_id = mlflow_client.create_experiment(unique("ui"))
    f = tmp_path / "report.txt"
    f.write_text("for the UI")
    with mlflow.start_run(experiment_id=exp_id) as run:
        mlflow.log_artifact(str(f), artifact_path="out")
    r = requests.get(f"{server_url}/get-artifact", params={"run_id": run.info.run_id, "path": "out/report.txt"}, timeout=10)
    assert r.status_code == 200 and r.text == "for the UI"
    r = requests.get(f"{server_url}/ajax-api/2.0/mlflow/artifacts/list", params={"run_id": run.info.run_id, "path": "out"}, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["root_uri"] == run.info.artifact_uri
    assert body["files"] == [{"path": "out/report.txt", "is_dir": False, "file_size": len("for the UI")}]
    r = requests.get(f"{server_url}/get-artifact", params={"run_id": run.info.run_id, "path": "../../etc/passwd"}, timeout=10)
    assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# ---------------------------------------------------------------- registry


@pytest.fixture(scope="module")
def small_model(mlflow_client):
    from sklearn.linear_model import LogisticRegression

    X, y = iris()
    exp_id = mlflow_client.create_experiment(unique("registry"))
    clf = LogisticRegression(max_iter=500).fit(X, y)
    with mlflow.start_run(experiment_id=exp_id) as run:
        if MLFLOW_3:
            info = mlflow.sklearn.log_model(clf, name="clf")
        else:  # MLflow 2: the model is an artifact directory of the run (runs:/<run>/clf)
            info = mlflow.sklearn.log_model(clf, artifact_path="clf")
    return {"run_id": run.info.run_id, "model_id": getattr(info, "model_id", None), "experiment_id": exp_id,
            "uri": info.model_uri}


def test_register_model_and_aliases(server_url, mlflow_client, small_model):
    name = unique("iris-clf")
    mv = mlflow.register_model(small_model["uri"], name)
    assert mv.name == name and str(mv.version) == "1"
    mlflow_client.set_registered_model_alias(name, "champion", mv.version)
    by_alias = mlflow_client.get_model_version_by_alias(name, "champion")
    assert str(by_alias.version) == "1"
    assert "champion" in mlflow_client.get_registered_model(name).aliases
    X, y = iris()
    loaded = mlflow.sklearn.load_model(f"models:/{name}@champion")
    assert (loaded.predict(X) == y).mean() > 0.9
    loaded_v1 = mlflow.pyfunc.load_model(f"models:/{name}/1")
    assert len(loaded_v1.predict(X[:3])) == 3
    r = requests.get(f"{server_url}/model-versions/get-artifact", params={"name": name, "version": "1", "path": "MLmodel"}, timeout=10)
    assert r.status_code == 200 and "flavors" in r.text
    mlflow_client.delete_registered_model_alias(name, "champion")
    with pytest.raises(MlflowException):
        mlflow_client.get_model_version_by_alias(name, "champion")


@needs_logged_models
def test_search_logged_models(mlflow_client, small_model):
    models = mlflow.search_logged_models(
        experiment_ids=[small_model["experiment_id"]], filter_string="name = 'clf'", output_format="list"
    )
    assert [m.model_id for m in models] == [small_model["model_id"]]
    assert models[0].source_run_id == small_model["run_id"]
    none = mlflow.search_logged_models(
        experiment_ids=[small_model["experiment_id"]], filter_string="name = 'nope'", output_format="list"
    )
    assert none == []
    df = mlflow.search_logged_models(experiment_ids=[small_model["experiment_id"]])
    assert len(df) == 1


# ---------------------------------------------------------------- errors, promptly


def _raises_promptly(fn, code):
    started = time.time()
    with pytest.raises(MlflowException) as e:
        fn()
    elapsed = time.time() - started
    assert e.value.error_code == code, str(e.value)
    assert elapsed < PROMPT_S, f"took {elapsed:.1f}s: the client retried (5xx?)"
    return e.value


def test_unknown_run(mlflow_client):
    _raises_promptly(lambda: mlflow_client.get_run("0" * 32), "RESOURCE_DOES_NOT_EXIST")


def test_bad_filter(mlflow_client):
    _raises_promptly(lambda: mlflow_client.search_runs(["0"], filter_string="metrics.m >>> 1"), "INVALID_PARAMETER_VALUE")
    _raises_promptly(lambda: mlflow_client.search_runs(["0"], filter_string="params.p = 'x' OR params.q = 'y'"),
                     "INVALID_PARAMETER_VALUE")


def test_param_overwrite(mlflow_client):
    exp_id = mlflow_client.create_experiment(unique("params"))
    run = mlflow_client.create_run(exp_id)
    mlflow_client.log_param(run.info.run_id, "lr", "0.1")
    mlflow_client.log_param(run.info.run_id, "lr", "0.1")  # same value: accepted
    _raises_promptly(lambda: mlflow_client.log_param(run.info.run_id, "lr", "0.2"), "INVALID_PARAMETER_VALUE")


def test_unknown_experiment_and_model(mlflow_client):
    _raises_promptly(lambda: mlflow_client.get_experiment("987654321"), "RESOURCE_DOES_NOT_EXIST")
    _raises_promptly(lambda: mlflow_client.get_registered_model(unique("missing")), "RESOURCE_DOES_NOT_EXIST")


def test_download_of_missing_artifact_fails_promptly(mlflow_client, tmp_path):
    exp_id = mlflow_client.create_experiment(unique("missing-artifact"))
    run = mlflow_client.create_run(exp_id)
    started = time.time()
    with pytest.raises(Exception):
        mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="nope.txt", dst_path=str(tmp_path))
    assert time.time() - started < PROMPT_S


# ---------------------------------------------------------------- issue 9: bugs found with clients 3.12 / 3.17


def test_seed_run_link_opens_the_web_ui(seed_run, server_url):
    # the client logs the link: to stdout, or to stderr (clients before 2.17 log there)
    output = seed_run["stdout"] + seed_run["stderr"]
    links = [line.split(" at: ", 1)[1].strip() for line in output.splitlines() if "View run" in line]
    assert links, output
    url = links[0].rstrip(".")
    assert url.startswith(server_url + "/#/experiments/") and url.endswith("/runs/" + seed_run["run_id"])
    page = requests.get(url, timeout=10)  # the fragment stays in the browser: this is GET /
    assert page.status_code == 200 and "<title>MLflow</title>" in page.text
    bundle = page.text.split('src="', 1)[1].split('"', 1)[0]
    assert bundle.startswith("static-files/")
    assert requests.get(f"{server_url}/{bundle}", timeout=30).status_code == 200


def test_search_registered_models_returns_models(mlflow_client):
    prefix = unique("srm")
    for i in range(3):
        mlflow_client.create_registered_model(f"{prefix}-{i}", tags={"idx": str(i)})
    # clients 3.x add tag.`mlflow.prompt.is_prompt` != 'true' to this filter
    found = mlflow_client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'")
    assert sorted(m.name for m in found) == [f"{prefix}-0", f"{prefix}-1", f"{prefix}-2"]
    assert [m.name for m in mlflow.search_registered_models(filter_string=f"name = '{prefix}-1'")] == [f"{prefix}-1"]
    assert [m.name for m in mlflow_client.search_registered_models(
        filter_string=f"name LIKE '{prefix}-%' AND tags.idx != '1'", order_by=["name DESC"])] == [f"{prefix}-2", f"{prefix}-0"]
    assert mlflow_client.search_registered_models(filter_string=f"name LIKE '{prefix}-%' AND tags.nope != 'x'") == []
    assert any(m.name == f"{prefix}-0" for m in mlflow_client.search_registered_models())


def test_is_null_and_is_not_null_on_params_and_tags(mlflow_client):
    exp_id = mlflow_client.create_experiment(unique("nulls"))
    with mlflow.start_run(experiment_id=exp_id, run_name="with") as with_run:
        mlflow.log_param("lr", "0.1")
        mlflow.set_tag("team", "a")
    with mlflow.start_run(experiment_id=exp_id, run_name="without"):
        pass

    def names(f):
        return sorted(r.info.run_name for r in mlflow_client.search_runs([exp_id], filter_string=f))

    assert names("params.lr IS NULL") == ["without"]
    assert names("params.lr IS NOT NULL") == ["with"]
    assert names("tags.team IS NULL") == ["without"]
    assert names("tags.`team` IS NOT NULL AND params.lr = '0.1'") == ["with"]
    assert with_run.info.run_id in set(mlflow.search_runs([exp_id], filter_string="tags.team IS NOT NULL")["run_id"])
    _raises_promptly(lambda: mlflow_client.search_runs([exp_id], filter_string="metrics.m IS NULL"), "INVALID_PARAMETER_VALUE")

    prefix = unique("xnull")
    tagged = mlflow_client.create_experiment(f"{prefix}-tagged", tags={"mlflow.experiment.isGateway": "true"})
    plain = mlflow_client.create_experiment(f"{prefix}-plain")
    found = mlflow.search_experiments(filter_string=f"name LIKE '{prefix}%' AND tags.`mlflow.experiment.isGateway` IS NULL")
    assert [e.experiment_id for e in found] == [plain]
    found = mlflow.search_experiments(filter_string=f"name LIKE '{prefix}%' AND tags.`mlflow.experiment.isGateway` IS NOT NULL")
    assert [e.experiment_id for e in found] == [tagged]


def test_long_param_values_are_cut_to_6000_characters_as_upstream(mlflow_client):
    exp_id = mlflow_client.create_experiment(unique("long"))
    value = "".join(chr(33 + (i * 7919) % 90) for i in range(7000)).replace("'", "x")
    with mlflow.start_run(experiment_id=exp_id) as run:
        mlflow.log_param("long", value)
        mlflow.log_param("long", value)  # the same value again is not a change
        mlflow.log_params({"batch_long": value + "!", "short": "s"})
        mlflow.set_tag("note", value * 2)
    data = mlflow_client.get_run(run.info.run_id).data
    assert data.params["long"] == value[:6000]
    assert data.params["batch_long"] == (value + "!")[:6000]
    assert data.params["short"] == "s"
    assert data.tags["note"] == (value * 2)[:8000]
    found = mlflow_client.search_runs([exp_id], filter_string=f"params.long = '{value[:6000]}'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_metric_history_of_an_unknown_run_is_empty(mlflow_client):
    started = time.time()
    assert list(mlflow_client.get_metric_history("0" * 32, "loss")) == []
    assert time.time() - started < PROMPT_S


def test_experiment_lifecycle_error_codes_match_upstream(mlflow_client):
    taken = unique("taken")
    mlflow_client.create_experiment(taken)
    exp_id = mlflow_client.create_experiment(unique("mover"))
    _raises_promptly(lambda: mlflow_client.rename_experiment(exp_id, taken), "BAD_REQUEST")
    _raises_promptly(lambda: mlflow_client.restore_experiment(exp_id), "RESOURCE_DOES_NOT_EXIST")
    mlflow_client.delete_experiment(exp_id)
    _raises_promptly(lambda: mlflow_client.delete_experiment(exp_id), "RESOURCE_DOES_NOT_EXIST")
    # upstream answers 500 INVALID_STATE here (and the client retries for minutes); ours is a 400 at once
    _raises_promptly(lambda: mlflow_client.rename_experiment(exp_id, unique("y")), "INVALID_PARAMETER_VALUE")
    mlflow_client.restore_experiment(exp_id)
    assert mlflow_client.get_experiment(exp_id).lifecycle_stage == "active"


# ---------------------------------------------------------------- everyday calls across client versions (2.x, 3.x, 3.18)


def test_metric_timestamp_zero_is_stored_as_sent(mlflow_client):
    from mlflow.entities import Metric

    exp_id = mlflow_client.create_experiment(unique("ts0"))
    run_id = mlflow_client.create_run(exp_id).info.run_id
    mlflow_client.log_batch(run_id, metrics=[Metric("batch", 1.5, 0, 2)])
    assert [(m.value, m.timestamp, m.step) for m in mlflow_client.get_metric_history(run_id, "batch")] == [(1.5, 0, 2)]
    if CLIENT >= Version("3.18"):  # from 3.18 log_metric sends timestamp=0 as given (before, 0 meant "now")
        mlflow_client.log_metric(run_id, "single", 2.5, timestamp=0, step=3)
        assert [(m.value, m.timestamp, m.step) for m in mlflow_client.get_metric_history(run_id, "single")] == [(2.5, 0, 3)]
        assert mlflow_client.get_run(run_id).data.metrics == {"batch": 1.5, "single": 2.5}


def test_dataset_inputs_are_logged_and_searchable(mlflow_client):
    import pandas as pd

    exp_id = mlflow_client.create_experiment(unique("inputs"))
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, name="train-frame", targets="y")
    with mlflow.start_run(experiment_id=exp_id) as with_input:
        mlflow.log_input(dataset, context="training")
    with mlflow.start_run(experiment_id=exp_id):
        pass
    inputs = mlflow_client.get_run(with_input.info.run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("train-frame", dataset.digest)]
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"
    assert inputs[0].dataset.source_type == "code"
    found = mlflow_client.search_runs([exp_id], filter_string="dataset.name = 'train-frame' AND dataset.context = 'training'")
    assert [r.info.run_id for r in found] == [with_input.info.run_id]
    assert mlflow_client.search_runs([exp_id], filter_string=f"datasets.digest = '{dataset.digest}x'") == []


def test_log_table_and_load_table_across_runs(mlflow_client):
    exp_id = mlflow_client.create_experiment(unique("tables"))
    run_ids = []
    for i in range(3):
        with mlflow.start_run(experiment_id=exp_id) as run:
            mlflow.log_table({"question": [f"q{i}a", f"q{i}b"], "score": [i, i + 0.5]}, artifact_file="eval/results.json")
        run_ids.append(run.info.run_id)
    with mlflow.start_run(experiment_id=exp_id):  # a run without the table
        mlflow.log_param("p", "1")
    # load_table finds the runs by their mlflow.loggedArtifacts tag (paged through search_runs from 3.18)
    table = mlflow_client.load_table(exp_id, "eval/results.json", extra_columns=["run_id"])
    assert len(table) == 6
    assert sorted(set(table["run_id"])) == sorted(run_ids)
    assert sorted(table["question"]) == ["q0a", "q0b", "q1a", "q1b", "q2a", "q2b"]
    one = mlflow_client.load_table(exp_id, "eval/results.json", run_ids=[run_ids[1]])
    assert list(one["score"]) == [1, 1.5]


def test_registry_searches_page_with_tokens(mlflow_client):
    prefix = unique("paged")
    for i in range(5):
        mlflow_client.create_registered_model(f"{prefix}-{i}")
        mlflow_client.create_model_version(f"{prefix}-{i}", source=f"s3://bucket/path/{i}", run_id=None)
    seen, token = [], None
    while True:
        page = mlflow_client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'", max_results=2,
                                                      order_by=["name ASC"], page_token=token)
        assert len(page) <= 2
        seen += [m.name for m in page]
        token = page.token
        if not token:
            break
    assert seen == [f"{prefix}-{i}" for i in range(5)]
    versions, token = [], None
    while True:
        page = mlflow_client.search_model_versions(f"name = '{prefix}-3'", max_results=1, page_token=token)
        versions += [(v.name, str(v.version)) for v in page]
        token = page.token
        if not token:
            break
    assert versions == [(f"{prefix}-3", "1")]


def test_proxied_artifacts_when_the_client_opts_into_multipart_transfers(mlflow_client, tmp_path, monkeypatch):
    # The server offers no multipart or presigned transfers (server-info says so, mpu/ and presigned/ answer 501): a
    # client forced into them falls back to plain uploads and downloads through the proxy (3.18 sends the file's
    # name where earlier clients sent its local path).
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "1")
    exp_id = mlflow_client.create_experiment(unique("mpu"))
    blob = os.urandom(256 * 1024 + 3)
    src = tmp_path / "weights.bin"
    src.write_bytes(blob)
    started = time.time()
    with mlflow.start_run(experiment_id=exp_id) as run:
        mlflow.log_artifact(str(src), artifact_path="ckpt")
    dst = tmp_path / "dst"
    dst.mkdir()
    local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="ckpt/weights.bin", dst_path=str(dst))
    assert pathlib.Path(local).read_bytes() == blob
    assert time.time() - started < 30


@pytest.mark.skipif(CLIENT < Version("3.18"), reason="before 3.18 the client itself drops a single file named like its directory")
def test_a_directory_holding_one_file_of_its_own_name_lists_that_file(mlflow_client, tmp_path):
    exp_id = mlflow_client.create_experiment(unique("samename"))
    f = tmp_path / "report"
    f.write_text("same name as its directory")
    with mlflow.start_run(experiment_id=exp_id) as run:
        mlflow.log_artifact(str(f), artifact_path="report")
    assert [(a.path, a.is_dir) for a in mlflow_client.list_artifacts(run.info.run_id)] == [("report", True)]
    assert [(a.path, a.is_dir) for a in mlflow_client.list_artifacts(run.info.run_id, "report")] == [("report/report", False)]


def test_yaml_and_json_dicts_round_trip(mlflow_client):
    exp_id = mlflow_client.create_experiment(unique("dicts"))
    with mlflow.start_run(experiment_id=exp_id) as run:
        mlflow.log_dict({"layers": [64, 32], "act": "relu"}, "conf/model.yaml")
        mlflow.log_dict({"lr": 0.01}, "conf/opt.json")
    base = f"runs:/{run.info.run_id}/conf"
    assert mlflow.artifacts.load_dict(f"{base}/opt.json") == {"lr": 0.01}
    assert "relu" in mlflow.artifacts.load_text(f"{base}/model.yaml")
    if CLIENT >= Version("3.18"):  # load_dict reads YAML from 3.18
        assert mlflow.artifacts.load_dict(f"{base}/model.yaml") == {"layers": [64, 32], "act": "relu"}


@needs_logged_models
def test_logged_model_metrics_params_and_an_empty_scope(mlflow_client, small_model):
    model_id = small_model["model_id"]
    mlflow_client.log_metric(small_model["run_id"], "val_acc", 0.93, model_id=model_id)
    mlflow_client.log_model_params(model_id, {"C": "1.0"})
    model = mlflow_client.get_logged_model(model_id)
    assert {m.key: m.value for m in model.metrics}["val_acc"] == 0.93
    assert model.params["C"] == "1.0"
    found = mlflow.search_logged_models(experiment_ids=[small_model["experiment_id"]],
                                        filter_string="metrics.val_acc > 0.9 AND params.C = '1.0'", output_format="list")
    assert [m.model_id for m in found] == [model_id]
    if CLIENT >= Version("3.18"):  # sends experiment_ids=[] as given: an empty scope, nothing found (as upstream)
        assert list(mlflow_client.search_logged_models(experiment_ids=[])) == []
    else:  # omits the empty list: the required field is missing, a 400 (as upstream)
        _raises_promptly(lambda: mlflow_client.search_logged_models(experiment_ids=[]), "INVALID_PARAMETER_VALUE")


@pytest.mark.skipif(MLFLOW_3 or CLIENT < Version("2.14"),
                    reason="MLflow 2 tracing (from 2.14; MLflow 3 tracing is covered by test_genai.py)")
def test_mlflow_2_traces_are_stored_read_back_and_searched(mlflow_client, monkeypatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    exp_id = mlflow_client.create_experiment(unique("traces2"))

    @mlflow.trace(name="answer", span_type="CHAIN")
    def answer(question):
        with mlflow.start_span(name="lookup", span_type="RETRIEVER") as span:
            span.set_inputs({"query": question})
            span.set_outputs([{"doc": "d1"}])
        return question.upper()

    with mlflow.start_run(experiment_id=exp_id):  # the trace goes to the run's experiment
        assert answer("hello") == "HELLO"
    trace_id = mlflow.get_last_active_trace().info.request_id
    trace = mlflow_client.get_trace(trace_id)
    assert trace.info.experiment_id == exp_id
    assert trace.info.status == "OK"
    spans = {s.name: s for s in trace.data.spans}
    assert set(spans) == {"answer", "lookup"}
    assert spans["lookup"].parent_id == spans["answer"].span_id
    assert spans["answer"].inputs == {"question": "hello"} and spans["answer"].outputs == "HELLO"
    assert spans["lookup"].outputs == [{"doc": "d1"}]
    found = mlflow_client.search_traces(experiment_ids=[exp_id])
    assert [t.info.request_id for t in found] == [trace_id]
    mlflow_client.set_trace_tag(trace_id, "reviewed", "yes")
    assert mlflow_client.get_trace(trace_id).info.tags["reviewed"] == "yes"
