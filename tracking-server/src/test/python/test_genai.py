"""MLflow 3 tracing and GenAI APIs through the unmodified upstream client: traces, assessments, prompts,
evaluation datasets, scorers and webhooks (see conftest.py for the server)."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid

import pytest

import mlflow
from packaging.version import Version

if Version(mlflow.__version__) < Version("3"):
    pytest.skip(f"MLflow 3 tracing and GenAI APIs (assessments, prompts, evaluation datasets, scorers, webhooks); "
                f"client {mlflow.__version__}", allow_module_level=True)

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import AssessmentSource, Feedback  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

PROMPT_S = 5.0


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def experiment(server_url, mlflow_client):
    exp = mlflow.set_experiment(unique("genai"))
    return exp.experiment_id


@pytest.fixture(autouse=True)
def sync_trace_export(monkeypatch):
    # The client exports traces on a background queue by default; tests read them back at once.
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")


def traced_call(value):
    @mlflow.trace(name="answer", span_type="CHAIN")
    def answer(question):
        with mlflow.start_span(name="lookup", span_type="RETRIEVER") as span:
            span.set_inputs({"query": question})
            span.set_outputs([{"doc": "d1", "score": 0.5}])
            span.set_attribute("k", [1, 2.5, True, "x"])
        return {"answer": question.upper()}

    out = answer(value)
    mlflow.flush_trace_async_logging()
    return out, mlflow.get_last_active_trace_id()


# ---------------------------------------------------------------- traces


def test_trace_decorator_and_start_span_are_stored_with_their_spans(experiment):
    out, trace_id = traced_call("hello")
    assert out == {"answer": "HELLO"}
    trace = mlflow.get_trace(trace_id)
    assert trace is not None
    assert trace.info.trace_id == trace_id
    assert trace.info.experiment_id == experiment
    assert trace.info.state == "OK"
    assert trace.info.tags["mlflow.trace.spansLocation"] == "TRACKING_STORE"
    assert trace.info.request_preview == '{"question": "hello"}'
    spans = {s.name: s for s in trace.data.spans}
    assert set(spans) == {"answer", "lookup"}
    root, child = spans["answer"], spans["lookup"]
    assert root.parent_id is None and child.parent_id == root.span_id
    assert root.span_type == "CHAIN" and child.span_type == "RETRIEVER"
    assert root.inputs == {"question": "hello"} and root.outputs == {"answer": "HELLO"}
    assert child.inputs == {"query": "hello"}
    assert child.outputs == [{"doc": "d1", "score": 0.5}]
    assert child.get_attribute("k") == [1, 2.5, True, "x"]
    assert child.start_time_ns >= root.start_time_ns and child.end_time_ns <= root.end_time_ns


def test_feedback_logged_while_its_trace_runs_is_stored_once_with_the_trace(experiment, mlflow_client):
    # logged on the active trace, the feedback travels inside start_trace (3.18 gives it its id before sending)
    @mlflow.trace(name="judged")
    def judged(x):
        mlflow.log_feedback(trace_id=mlflow.get_active_trace_id(), name="inline_check", value=True,
                            source=AssessmentSource(source_type="CODE", source_id="unit"), rationale="in flight")
        return x * 2

    assert judged(21) == 42
    mlflow.flush_trace_async_logging()
    trace_id = mlflow.get_last_active_trace_id()
    found = [a for a in mlflow_client.get_trace(trace_id).info.assessments if a.name == "inline_check"]
    assert len(found) == 1, found
    assert found[0].value is True and found[0].rationale == "in flight"
    assert found[0].source.source_type == "CODE" and found[0].source.source_id == "unit"
    assert mlflow.get_assessment(trace_id, found[0].assessment_id).value is True


def test_search_traces_filters_orders_and_pages(experiment, mlflow_client):
    ids = []
    for i in range(3):
        _, tid = traced_call(f"q{i}")
        mlflow_client.set_trace_tag(tid, "batch", "b1" if i < 2 else "b2")
        ids.append(tid)
    found = mlflow.search_traces(locations=[experiment], filter_string="tags.batch = 'b1'", return_type="list")
    assert {t.info.trace_id for t in found} == set(ids[:2])
    assert all(len(t.data.spans) == 2 for t in found)
    newest_first = mlflow.search_traces(locations=[experiment], filter_string="tags.batch LIKE 'b%'",
                                        order_by=["timestamp_ms DESC"], return_type="list")
    assert [t.info.trace_id for t in newest_first] == list(reversed(ids))
    ok = mlflow.search_traces(locations=[experiment], filter_string="trace.status = 'OK' AND tags.batch = 'b2'",
                              return_type="list")
    assert [t.info.trace_id for t in ok] == [ids[2]]
    page1 = mlflow_client.search_traces(locations=[experiment], filter_string="tags.batch LIKE 'b%'", max_results=2)
    assert len(page1) == 2 and page1.token
    page2 = mlflow_client.search_traces(locations=[experiment], filter_string="tags.batch LIKE 'b%'", max_results=2,
                                        page_token=page1.token)
    assert {t.info.trace_id for t in page1} | {t.info.trace_id for t in page2} == set(ids)
    df = mlflow.search_traces(locations=[experiment], filter_string="tags.batch = 'b2'")
    assert len(df) == 1


def test_trace_tags_set_and_delete(experiment, mlflow_client):
    _, tid = traced_call("tags")
    mlflow_client.set_trace_tag(tid, "team", "search")
    assert mlflow_client.get_trace(tid).info.tags["team"] == "search"
    mlflow_client.delete_trace_tag(tid, "team")
    assert "team" not in mlflow_client.get_trace(tid).info.tags
    started = time.time()
    with pytest.raises(MlflowException) as e:
        mlflow_client.delete_trace_tag(tid, "team")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST" and time.time() - started < PROMPT_S


def test_traces_inside_a_run_and_linked_to_a_run_are_found_by_run_id(experiment, mlflow_client):
    _, outside = traced_call("outside")
    with mlflow.start_run() as run:
        _, inside = traced_call("inside")
    found = mlflow.search_traces(run_id=run.info.run_id, return_type="list")
    assert [t.info.trace_id for t in found] == [inside]
    mlflow_client.link_traces_to_run([outside], run.info.run_id)
    found = mlflow.search_traces(run_id=run.info.run_id, return_type="list")
    assert {t.info.trace_id for t in found} == {inside, outside}


def test_delete_traces_by_ids_and_by_timestamp(experiment, mlflow_client):
    exp = mlflow_client.create_experiment(unique("del-traces"))
    mlflow.set_experiment(experiment_id=exp)
    try:
        ids = [traced_call(f"d{i}")[1] for i in range(3)]
        assert mlflow_client.delete_traces(exp, trace_ids=[ids[0]]) == 1
        assert mlflow_client.delete_traces(exp, max_timestamp_millis=int(time.time() * 1000), max_traces=1) == 1
        left = mlflow.search_traces(locations=[exp], return_type="list")
        assert [t.info.trace_id for t in left] == [ids[2]]
        assert mlflow_client.delete_traces(exp, max_timestamp_millis=int(time.time() * 1000)) == 1
        assert mlflow.search_traces(locations=[exp], return_type="list") == []
    finally:
        mlflow.set_experiment(experiment_id=experiment)


def test_unknown_trace_is_a_prompt_not_found(mlflow_client):
    started = time.time()
    with pytest.raises(MlflowException) as e:
        mlflow_client.get_trace("tr-" + "0" * 32)
    assert time.time() - started < PROMPT_S
    assert "not found" in str(e.value).lower()


# ---------------------------------------------------------------- assessments


def test_feedback_and_expectation_are_logged_updated_overridden_and_deleted(experiment, mlflow_client):
    _, tid = traced_call("assess")
    fb = mlflow.log_feedback(trace_id=tid, name="quality", value=0.9, rationale="good",
                             source=AssessmentSource(source_type="HUMAN", source_id="bob"))
    ex = mlflow.log_expectation(trace_id=tid, name="expected", value={"answer": "ASSESS"})
    info = mlflow.get_trace(tid).info
    by_name = {a.name: a for a in info.assessments}
    assert by_name["quality"].value == 0.9 and by_name["quality"].rationale == "good"
    assert by_name["quality"].source.source_id == "bob"
    assert by_name["expected"].value == {"answer": "ASSESS"}
    updated = mlflow.update_assessment(trace_id=tid, assessment_id=fb.assessment_id,
                                       assessment=Feedback(name="quality", value=0.5))
    assert updated.value == 0.5 and updated.rationale == "good"
    new = mlflow.override_feedback(trace_id=tid, assessment_id=fb.assessment_id, value=0.1, rationale="meh")
    assert new.overrides == fb.assessment_id
    by_id = {a.assessment_id: a for a in mlflow.get_trace(tid).info.assessments}
    assert by_id[fb.assessment_id].valid is False and by_id[new.assessment_id].valid is True
    found = mlflow.search_traces(locations=[experiment], filter_string="feedback.quality = '0.1'", return_type="list")
    assert [t.info.trace_id for t in found] == [tid]
    mlflow.delete_assessment(trace_id=tid, assessment_id=new.assessment_id)
    mlflow.delete_assessment(trace_id=tid, assessment_id=ex.assessment_id)
    left = mlflow.get_trace(tid).info.assessments
    assert [(a.assessment_id, a.valid) for a in left] == [(fb.assessment_id, True)]


# ---------------------------------------------------------------- prompts


def test_prompts_register_versions_aliases_load_and_search(mlflow_client):
    name = unique("prompt").replace("-", "_")
    v1 = mlflow.genai.register_prompt(name=name, template="Hello {{name}}", commit_message="first", tags={"team": "a"})
    v2 = mlflow.genai.register_prompt(name=name, template=[{"role": "user", "content": "Hi {{name}}"}])
    assert (v1.version, v2.version) == (1, 2)
    assert mlflow.genai.load_prompt(f"prompts:/{name}/1").format(name="Ann") == "Hello Ann"
    mlflow.genai.set_prompt_alias(name, "production", 1)
    assert mlflow.genai.load_prompt(f"prompts:/{name}@production").version == 1
    assert mlflow.genai.load_prompt(f"prompts:/{name}@latest").template == [{"role": "user", "content": "Hi {{name}}"}]
    assert name in [p.name for p in mlflow.genai.search_prompts(filter_string=f"name = '{name}'")]
    mlflow.genai.delete_prompt_alias(name, "production")
    with pytest.raises(MlflowException):
        mlflow.genai.load_prompt(f"prompts:/{name}@production")
    # prompts stay out of the model registry's own searches
    assert name not in [m.name for m in mlflow_client.search_registered_models(filter_string=f"name = '{name}'")]


def test_prompt_version_with_a_local_source_is_refused(server_url):
    import requests

    name = unique("p-local")
    tags = [{"key": "mlflow.prompt.is_prompt", "value": "true"}]
    requests.post(f"{server_url}/api/2.0/mlflow/registered-models/create", json={"name": name, "tags": tags}, timeout=5)
    r = requests.post(f"{server_url}/api/2.0/mlflow/model-versions/create",
                      json={"name": name, "source": "file:///etc/passwd", "tags": tags}, timeout=5)
    assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# ---------------------------------------------------------------- evaluation datasets


def test_evaluation_dataset_records_tags_search_and_delete(experiment):
    from mlflow.genai import datasets

    ds = datasets.create_dataset(name=unique("ds"), experiment_id=[experiment], tags={"stage": "dev"})
    ds.merge_records([
        {"inputs": {"q": "1+1"}, "expectations": {"a": "2"}},
        {"inputs": {"q": "2+2"}, "expectations": {"a": "4"}, "tags": {"src": "manual"}},
    ])
    ds.merge_records([{"inputs": {"q": "1+1"}, "expectations": {"a": "two"}}])  # same inputs: updated
    got = datasets.get_dataset(dataset_id=ds.dataset_id)
    df = got.to_df()
    assert len(df) == 2
    answers = {row["inputs"]["q"]: row["expectations"]["a"] for _, row in df.iterrows()}
    assert answers == {"1+1": "two", "2+2": "4"}
    assert got.tags["stage"] == "dev"
    assert ds.dataset_id in [d.dataset_id for d in datasets.search_datasets(experiment_ids=[experiment])]
    datasets.set_dataset_tags(dataset_id=ds.dataset_id, tags={"owner": "ann"})
    datasets.delete_dataset_tag(dataset_id=ds.dataset_id, key="stage")
    tags = datasets.get_dataset(dataset_id=ds.dataset_id).tags
    assert tags.get("owner") == "ann" and "stage" not in tags
    datasets.delete_dataset(dataset_id=ds.dataset_id)
    with pytest.raises(MlflowException) as e:
        datasets.get_dataset(dataset_id=ds.dataset_id)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


# ---------------------------------------------------------------- scorers


def test_scorers_register_versions_list_get_delete(experiment):
    from mlflow.genai.scorers import Guidelines, delete_scorer, get_scorer, list_scorers

    name = unique("polite").replace("-", "_")
    Guidelines(name=name, guidelines="Be polite").register(name=name, experiment_id=experiment)
    Guidelines(name=name, guidelines="Be very polite").register(name=name, experiment_id=experiment)
    assert name in [s.name for s in list_scorers(experiment_id=experiment)]
    assert get_scorer(name=name, experiment_id=experiment).guidelines == "Be very polite"
    assert get_scorer(name=name, experiment_id=experiment, version=1).guidelines == "Be polite"
    delete_scorer(name=name, experiment_id=experiment, version=1)
    assert get_scorer(name=name, experiment_id=experiment).guidelines == "Be very polite"
    delete_scorer(name=name, experiment_id=experiment, version="all")
    assert name not in [s.name for s in list_scorers(experiment_id=experiment)]
    with pytest.raises(MlflowException) as e:
        get_scorer(name=name, experiment_id=experiment)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


# ---------------------------------------------------------------- webhooks


class _Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _verify(headers, body, secret):
    h = {k.lower(): v for k, v in headers.items()}
    signed = f"{h['x-mlflow-delivery-id']}.{h['x-mlflow-timestamp']}.{body.decode()}".encode()
    expected = "v1," + base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(h["x-mlflow-signature"], expected)


def _wait_for(pred, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [r for r in _Receiver.received if pred(json.loads(r[1]))]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("no matching webhook delivery received")


def test_webhooks_crud_test_and_signed_delivery_on_registry_events(receiver, mlflow_client):
    secret = "s3cret-" + uuid.uuid4().hex
    wh = mlflow_client.create_webhook(name=unique("wh"), url=f"{receiver}/hook", secret=secret,
                                      events=["registered_model.created", "model_version_alias.created"])
    assert wh.status.value == "ACTIVE"
    assert wh.webhook_id in [w.webhook_id for w in mlflow_client.list_webhooks()]
    assert mlflow_client.get_webhook(wh.webhook_id).url == f"{receiver}/hook"

    result = mlflow_client.test_webhook(wh.webhook_id)
    assert result.success and result.response_status == 200
    headers, body = _wait_for(lambda p: p["data"].get("name") == "example_model")
    assert _verify(headers, body, secret)

    model = unique("wh-model")
    mlflow_client.create_registered_model(model, tags={"k": "v"})
    headers, body = _wait_for(lambda p: p["data"].get("name") == model)
    payload = json.loads(body)
    assert (payload["entity"], payload["action"]) == ("registered_model", "created")
    assert payload["data"]["tags"] == {"k": "v"}
    assert _verify(headers, body, secret)
    assert not _verify(headers, body, "wrong-secret")

    disabled = mlflow_client.update_webhook(wh.webhook_id, status="DISABLED", description="paused")
    assert disabled.status.value == "DISABLED" and disabled.description == "paused"
    mlflow_client.delete_webhook(wh.webhook_id)
    with pytest.raises(MlflowException) as e:
        mlflow_client.get_webhook(wh.webhook_id)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "http://169.254.169.254/latest/meta-data",
                                 "http://10.1.2.3/hook", "http://[::1]:8080/hook"])
def test_webhook_destinations_outside_the_allowed_ones_are_refused(url, mlflow_client):
    started = time.time()
    with pytest.raises(MlflowException) as e:
        mlflow_client.create_webhook(name=unique("bad"), url=url, events=["registered_model.created"])
    assert e.value.error_code == "INVALID_PARAMETER_VALUE" and time.time() - started < PROMPT_S
