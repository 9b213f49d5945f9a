"""Session fixtures: a fresh embedded PostgreSQL (Java helper) and the packaged tracking server on a free port."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

STARTUP_TIMEOUT_S = 120
# the suite's database (JDBC url, user, password) and work directory, for tests that start a second server on it
DATABASE = {}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run this suite through src/test/python/run.sh", returncode=2)
    return value


@pytest.fixture(scope="session")
def server_url():
    jar = _require_env("DMS_TRACKING_JAR")
    classpath = _require_env("DMS_PG_CLASSPATH")
    work = os.environ.get("DMS_WORK_DIR") or tempfile.mkdtemp(prefix="dms-pysuite-")
    os.makedirs(work, exist_ok=True)

    pg = subprocess.Popen(
        ["java", "-cp", classpath, "dev.dmsmlflow.tracking.artifacts.PostgresForPythonTests"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(os.path.join(work, "postgres.log"), "wb"),
        text=True,
    )
    server = None
    try:
        line = ""
        deadline = time.time() + STARTUP_TIMEOUT_S
        while time.time() < deadline:
            line = pg.stdout.readline()
            if not line or line.startswith("JDBC "):
                break
        if not line.startswith("JDBC "):
            pytest.exit("embedded PostgreSQL did not start; see " + os.path.join(work, "postgres.log"), returncode=3)
        _, url, user, password = line.split()
        DATABASE.update(url=url, user=user, password=password, work=work)

        artifacts = os.path.join(work, "artifacts")
        shutil.rmtree(artifacts, ignore_errors=True)
        os.makedirs(artifacts)
        port = _free_port()
        env = dict(os.environ)
        env.update(
            DMS_TRACKING_DB_URL=url,
            DMS_TRACKING_DB_USER=user,
            DMS_TRACKING_DB_PASSWORD=password,
            DMS_TRACKING_ARTIFACT_ROOT=artifacts,
        )
        server_log = open(os.path.join(work, "server.log"), "wb")
        server = subprocess.Popen(
            ["java", f"-Dquarkus.http.port={port}", "-Dquarkus.http.host=127.0.0.1",
             # webhook tests deliver to a receiver on 127.0.0.1 over plain HTTP
             "-Ddms.tracking.webhooks.allowed-schemes=http,https",
             "-Ddms.tracking.webhooks.allowed-networks=127.0.0.1/32",
             "-jar", jar],
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + STARTUP_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.exit("tracking server exited; see " + os.path.join(work, "server.log"), returncode=3)
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.exit("tracking server did not become healthy", returncode=3)
            time.sleep(0.2)
        os.environ["MLFLOW_TRACKING_URI"] = base
        os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
        yield base
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        try:
            pg.stdin.close()
            pg.wait(30)
        except Exception:
            pg.kill()


@pytest.fixture(scope="session")
def mlflow_client(server_url):
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(server_url)
    mlflow.set_registry_uri(server_url)
    return MlflowClient(tracking_uri=server_url, registry_uri=server_url)
