"""Unmodified clients against a tracking server that checks MLflow access tokens itself (as on Alibaba Cloud).

A second server on the suite's database gets DMS_TRACKING_AUTH_TOKENS_URL pointing at a stand-in of network-service's
token list (digests only, served to the server's secret); the client sends its token as MLFLOW_TRACKING_TOKEN (Bearer)
or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (Basic), exactly as against the load balancer.
"""

import hashlib
import http.server
import json
import os
import secrets
import subprocess
import threading
import time
import urllib.request

import pytest

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

import conftest

SECRET = "python-suite-server-secret"
READ_WRITE = "mlft_" + secrets.token_hex(6) + "_" + secrets.token_urlsafe(32)
READ = "mlft_" + secrets.token_hex(6) + "_" + secrets.token_urlsafe(32)


class _TokenList(http.server.BaseHTTPRequestHandler):
    """GET /data-plane/instances/i-py/access-tokens with the server's secret: the two tokens' digests."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path != "/data-plane/instances/i-py/access-tokens" or self.headers.get("X-Dms-Storage-Secret") != SECRET:
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"authMode": "token", "tokens": [
            {"id": "tok_rw", "digest": hashlib.sha256(READ_WRITE.encode()).hexdigest(), "scope": "read-write", "expiresAt": None},
            {"id": "tok_r", "digest": hashlib.sha256(READ.encode()).hexdigest(), "scope": "read", "expiresAt": None},
        ]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def token_server(server_url):
    tokens = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenList)
    threading.Thread(target=tokens.serve_forever, daemon=True).start()
    db = conftest.DATABASE
    port = conftest._free_port()
    env = dict(os.environ)
    env.update(
        DMS_TRACKING_DB_URL=db["url"], DMS_TRACKING_DB_USER=db["user"], DMS_TRACKING_DB_PASSWORD=db["password"],
        DMS_TRACKING_ARTIFACT_ROOT=os.path.join(db["work"], "artifacts"),
        DMS_TRACKING_AUTH_TOKENS_URL=f"http://127.0.0.1:{tokens.server_address[1]}/data-plane/instances/i-py/access-tokens",
        DMS_TRACKING_AUTH_TOKENS_SECRET=SECRET,
    )
    log = open(os.path.join(db["work"], "token-server.log"), "wb")
    server = subprocess.Popen(["java", f"-Dquarkus.http.port={port}", "-Dquarkus.http.host=127.0.0.1", "-jar",
                               os.environ["DMS_TRACKING_JAR"]], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + conftest.STARTUP_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail("the token-checking server exited; see token-server.log")
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("the token-checking server did not become healthy")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        tokens.shutdown()


@pytest.fixture
def credentials(monkeypatch):
    for name in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _log_a_run(base):
    client = MlflowClient(tracking_uri=base)
    exp = client.create_experiment("token-auth-" + secrets.token_hex(4))
    run = client.create_run(exp)
    client.log_metric(run.info.run_id, "m", 1.5)
    client.log_param(run.info.run_id, "p", "v")
    client.set_terminated(run.info.run_id)
    got = client.get_run(run.info.run_id)
    assert got.data.metrics == {"m": 1.5}
    assert got.data.params == {"p": "v"}
    return exp


def test_a_bearer_token_from_mlflow_tracking_token_logs_a_run(token_server, credentials):
    credentials.setenv("MLFLOW_TRACKING_TOKEN", READ_WRITE)
    _log_a_run(token_server)


def test_basic_credentials_with_the_token_as_password_log_a_run(token_server, credentials):
    credentials.setenv("MLFLOW_TRACKING_USERNAME", "any-user")
    credentials.setenv("MLFLOW_TRACKING_PASSWORD", READ_WRITE)
    _log_a_run(token_server)


def test_without_a_token_or_with_an_unknown_one_the_client_gets_unauthenticated(token_server, credentials):
    for token in (None, "mlft_unknown_" + secrets.token_urlsafe(16)):
        if token:
            credentials.setenv("MLFLOW_TRACKING_TOKEN", token)
        started = time.time()
        with pytest.raises(MlflowException) as err:
            MlflowClient(tracking_uri=token_server).search_experiments()
        assert err.value.error_code == "UNAUTHENTICATED"
        assert time.time() - started < 5, "a 401 is not retried"


def test_a_read_token_searches_but_cannot_write(token_server, credentials):
    credentials.setenv("MLFLOW_TRACKING_TOKEN", READ_WRITE)
    exp = _log_a_run(token_server)
    credentials.setenv("MLFLOW_TRACKING_TOKEN", READ)
    client = MlflowClient(tracking_uri=token_server)
    assert len(client.search_runs([exp])) == 1
    with pytest.raises(MlflowException) as err:
        client.create_experiment("not-allowed-" + secrets.token_hex(4))
    assert err.value.error_code == "PERMISSION_DENIED"
