"""tracking-server benchmark: our server vs upstream `mlflow server`, same PostgreSQL, one run.

Started by run.sh (which builds the jar and the venv). Measures, against each server:
  (i)   runs/log-metric requests/s, C concurrent keep-alive clients (default 8)
  (ii)  runs/log-batch metrics/s at 1000 metrics/request
  (iii) runs/search p50/p99 on one experiment of N runs x 10 metrics x 10 params x 5 tags
        (filter on a metric and a param, order by a metric), data loaded with SQL into each schema
  (iv)  metrics/get-history of a 100,000-point metric, all pages
  (v)   OTLP span ingestion at /v1/traces (protobuf), spans/s, C concurrent clients (default 4)
  (vi)  traces/search p50 on one experiment of N traces (default 100,000), loaded with SQL into each schema,
        without a filter and with a tag + status filter
--walls (issue 8's budget: the hardening may cost the data plane at most 5 %): (i) log-metric and (iii) search on our
  server only, in interleaved rounds, through the instance's load balancer (network-service's own LocalProxy, run
  alone by BenchProxy) before the hardening (network mode, no backend secret, a server without the check) and after
  it (token mode with a Bearer token, the proxy adding the backend secret, a server checking its digest), and
  straight to each backend for reference.
Only loopback traffic. Not a test.
"""
import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
API = "/api/2.0/mlflow/"


# ----------------------------------------------------------------------------- minimal keep-alive HTTP client
class Conn:
    """One keep-alive HTTP/1.1 connection (content-length and chunked responses); low client CPU."""

    def __init__(self, port):
        self.port = port
        self.r = self.w = None

    async def open(self):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method, path, body=None, headers=None):
        if self.w is None:
            await self.open()
        data = b"" if body is None else (body if isinstance(body, bytes) else body.encode())
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        ctype = "" if headers and "Content-Type" in headers else "Content-Type: application/json\r\n"
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{ctype}{extra}"
                f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n").encode()
        self.w.write(head + data)
        line = await self.r.readuntil(b"\r\n\r\n")
        lines = line.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for h in lines[1:]:
            k, _, v = h.partition(b":")
            k = k.strip().lower()
            if k == b"content-length":
                length = int(v)
            elif k == b"transfer-encoding" and b"chunked" in v.lower():
                chunked = True
            elif k == b"connection" and b"close" in v.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.r.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.r.readuntil(b"\r\n")
                    break
                parts.append(await self.r.readexactly(size))
                await self.r.readexactly(2)
            payload = b"".join(parts)
        elif length is not None:
            payload = await self.r.readexactly(length)
        else:
            payload = await self.r.read()
            close = True
        if close:
            self.close()
        return status, payload

    def close(self):
        if self.w is not None:
            self.w.close()
        self.r = self.w = None


def call(port, method, endpoint, body=None, timeout=600):
    """Blocking JSON call for setup work."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{API}{endpoint}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read() or b"{}")


# ----------------------------------------------------------------------------- processes
class Procs:
    def __init__(self):
        self.items = []

    def add(self, name, p):
        self.items.append((name, p))
        return p

    def stop_all(self):
        for name, p in reversed(self.items):
            if p.poll() is not None:
                continue
            try:
                if name == "postgres":
                    p.stdin.close()
                    p.wait(timeout=60)
                else:
                    os.killpg(p.pid, signal.SIGTERM)  # our own child's process group (uvicorn workers)
                    p.wait(timeout=30)
            except Exception:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except Exception:
                    pass


def wait_http(port, proc, log, timeout=300):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"server on port {port} exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return time.time() - t0
        except Exception:
            pass
        time.sleep(0.3)
    sys.exit(f"server on port {port} not ready after {timeout}s; see {log}")


PG_PASSWORD = None  # set by start_postgres


def start_postgres(procs, work, port, dbs):
    cp = open(os.path.join(ROOT, "local-infra/target/local-infra.classpath")).read().strip()
    cp += ":" + os.path.join(ROOT, "local-infra/target/classes")
    log = open(os.path.join(work, "postgres.log"), "w")
    p = procs.add("postgres", subprocess.Popen(
        ["java", "-Xmx256m", "-cp", cp, os.path.join(HERE, "BenchPostgres.java"), os.path.join(work, "pg"), str(port), *dbs],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True))
    settings = "unknown"
    for line in p.stdout:
        if line.startswith("SETTINGS "):
            settings = line[len("SETTINGS "):].strip()
        if line.startswith("READY"):
            # the superuser's password, generated by LocalPostgres beside its data directory (owner only)
            global PG_PASSWORD
            with open(os.path.join(work, "secrets", "postgres-superuser")) as f:
                PG_PASSWORD = f.read().strip()
            return settings
    sys.exit("PostgreSQL did not start; see " + log.name)


def start_ours(procs, work, port, pg_port, db, heap, name="ours", digest=None, jar=None):
    env = dict(os.environ, DMS_TRACKING_DB_URL=f"jdbc:postgresql://127.0.0.1:{pg_port}/{db}",
               DMS_TRACKING_DB_USER="postgres", DMS_TRACKING_DB_PASSWORD=PG_PASSWORD)
    env.pop("DMS_BACKEND_AUTH_DIGEST", None)
    if digest:
        env["DMS_BACKEND_AUTH_DIGEST"] = digest
    logname = os.path.join(work, f"{name}.log")
    # an instance's server, as instance-service starts it: also confined to its artifact root
    confine = ["-Ddms.tracking.confine-artifact-locations=true"] if digest else []
    p = procs.add(name, subprocess.Popen(
        ["java", f"-Xmx{heap}", f"-Dquarkus.http.port={port}", f"-Ddms.tracking.artifact-root={work}/ours-artifacts",
         *confine, "-jar", jar or os.path.join(ROOT, "tracking-server/target/quarkus-app/quarkus-run.jar")],
        env=env, stdout=open(logname, "w"), stderr=subprocess.STDOUT, start_new_session=True))
    return wait_http(port, p, logname)


def start_upstream(procs, work, port, pg_port, db):
    logname = os.path.join(work, "upstream.log")
    p = procs.add("upstream", subprocess.Popen(
        [os.path.join(HERE, ".venv/bin/mlflow"), "server",
         "--backend-store-uri", f"postgresql+psycopg2://postgres:{PG_PASSWORD}@127.0.0.1:{pg_port}/{db}",
         "--default-artifact-root", f"file://{work}/upstream-artifacts", "--host", "127.0.0.1", "--port", str(port)],
        stdout=open(logname, "w"), stderr=subprocess.STDOUT, start_new_session=True,
        env=dict(os.environ, MLFLOW_ENABLE_TELEMETRY="false", MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")))
    return wait_http(port, p, logname, timeout=600)


# ----------------------------------------------------------------------------- load loops
async def closed_loop(port, concurrency, duration, max_requests, make_request):
    """`concurrency` keep-alive clients issue requests back to back until `duration` s or `max_requests`."""
    done = {"ok": 0, "err": 0, "first_err": None}
    deadline = time.perf_counter() + duration
    counter = iter(range(max_requests))

    async def worker(w):
        conn = Conn(port)
        try:
            while time.perf_counter() < deadline:
                n = next(counter, None)
                if n is None:
                    return
                method, path, body, *hdrs = make_request(w, n)
                status, payload = await conn.request(method, path, body, hdrs[0] if hdrs else None)
                if status == 200:
                    done["ok"] += 1
                else:
                    done["err"] += 1
                    done["first_err"] = done["first_err"] or payload[:300]
        finally:
            conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return done, time.perf_counter() - t0


def create_experiment(port, name):
    return call(port, "POST", "experiments/create", {"name": name})["experiment_id"]


def create_run(port, exp):
    return call(port, "POST", "runs/create", {"experiment_id": exp, "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]


def bench_log_metric(port, tag, a):
    exp = create_experiment(port, f"lm-{tag}-{time.time_ns()}")
    runs = [create_run(port, exp) for _ in range(a.concurrency)]
    ts = int(time.time() * 1000)

    def req(w, n):
        return "POST", API + "runs/log-metric", (
            f'{{"run_id":"{runs[w]}","key":"loss","value":{n * 0.001},"timestamp":{ts + n},"step":{n}}}')

    asyncio.run(closed_loop(port, a.concurrency, min(2.0, a.duration), 10 ** 9, req))  # warm-up
    done, secs = asyncio.run(closed_loop(port, a.concurrency, a.duration, a.max_requests, req))
    if done["err"]:
        print(f"  [{tag}] log-metric errors: {done['err']} first: {done['first_err']}")
    return done["ok"] / secs, done["ok"], secs


def bench_log_batch(port, tag, a):
    exp = create_experiment(port, f"lb-{tag}-{time.time_ns()}")
    runs = [create_run(port, exp) for _ in range(a.batch_concurrency)]
    ts = int(time.time() * 1000)

    def req(w, n):
        base = n * 100
        items = ",".join(f'{{"key":"m{j % 10}","value":{(n * 7 + j) % 1000 / 7},"timestamp":{ts + n},"step":{base + j // 10}}}'
                         for j in range(1000))
        return "POST", API + "runs/log-batch", f'{{"run_id":"{runs[w]}","metrics":[{items}]}}'

    asyncio.run(closed_loop(port, a.batch_concurrency, min(2.0, a.duration), 10 ** 9, req))  # warm-up (own n range)
    # separate n range for the measured part so no request repeats a warm-up batch
    def req2(w, n):
        return req(w, n + 10 ** 6)
    done, secs = asyncio.run(closed_loop(port, a.batch_concurrency, a.duration, a.max_requests, req2))
    if done["err"]:
        print(f"  [{tag}] log-batch errors: {done['err']} first: {done['first_err']}")
    return done["ok"] * 1000 / secs, done["ok"], secs


# ----------------------------------------------------------------------------- data for search and history (SQL)
def run_uuid_sql(i):
    return f"md5('bench-run-' || {i})"


def load_search_data(pg_port, db, schema, exp, n_runs, t0):
    """Loads n_runs runs x 10 metrics x 10 params x 5 tags (+ mlflow.runName) with deterministic values."""
    # pseudo-random but identical on both servers: the first 32 bits of md5(run:key) in [0, 1)
    metric = "(('x' || substr(md5(g.i || ':' || k.k), 1, 8))::bit(32)::bigint)::float8 / 4294967296"
    with psycopg2.connect(host="127.0.0.1", port=pg_port, dbname=db, user="postgres", password=PG_PASSWORD) as c:
        cur = c.cursor()
        gen = f"FROM generate_series(1, {n_runs}) AS g(i)"
        if schema == "ours":
            cur.execute(f"""INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time,
                lifecycle_stage, artifact_uri) SELECT {run_uuid_sql('g.i')}, {exp}, 'run-' || g.i, 'bench', 'FINISHED',
                {t0} + g.i, {t0} + g.i + 1000, 'active', 'mlflow-artifacts:/{exp}/' || {run_uuid_sql('g.i')} || '/artifacts' {gen}""")
            cur.execute(f"""INSERT INTO metrics (run_uuid, key, step, timestamp, value) SELECT {run_uuid_sql('g.i')},
                'm' || k.k, 0, {t0} + g.i, {metric} {gen} CROSS JOIN generate_series(0, 9) AS k(k)""")
            cur.execute(f"""INSERT INTO latest_metrics (run_uuid, key, experiment_id, step, timestamp, value)
                SELECT {run_uuid_sql('g.i')}, 'm' || k.k, {exp}, 0, {t0} + g.i, {metric} {gen}
                CROSS JOIN generate_series(0, 9) AS k(k)""")
        else:
            cur.execute(f"""INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,
                start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
                SELECT {run_uuid_sql('g.i')}, 'run-' || g.i, 'UNKNOWN', '', '', 'bench', 'FINISHED', {t0} + g.i,
                {t0} + g.i + 1000, '', 'active', 'file:///a/{exp}/' || {run_uuid_sql('g.i')} || '/artifacts', {exp} {gen}""")
            cur.execute(f"""INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) SELECT 'm' || k.k, {metric},
                {t0} + g.i, {run_uuid_sql('g.i')}, 0, false {gen} CROSS JOIN generate_series(0, 9) AS k(k)""")
            cur.execute(f"""INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) SELECT 'm' || k.k,
                {metric}, {t0} + g.i, 0, false, {run_uuid_sql('g.i')} {gen} CROSS JOIN generate_series(0, 9) AS k(k)""")
        cur.execute(f"""INSERT INTO params (run_uuid, key, value) SELECT {run_uuid_sql('g.i')}, 'p' || k.k,
            'v' || ((g.i + k.k * 3) % 10) {gen} CROSS JOIN generate_series(0, 9) AS k(k)""")
        cur.execute(f"""INSERT INTO tags (run_uuid, key, value) SELECT {run_uuid_sql('g.i')}, 't' || k.k,
            'tag-' || ((g.i + k.k) % 7) {gen} CROSS JOIN generate_series(0, 4) AS k(k)""")
        cur.execute(f"""INSERT INTO tags (run_uuid, key, value) SELECT {run_uuid_sql('g.i')}, 'mlflow.runName',
            'run-' || g.i {gen}""")
    vacuum_analyze(pg_port, db)


def load_history(pg_port, db, schema, run_id, points, t0):
    with psycopg2.connect(host="127.0.0.1", port=pg_port, dbname=db, user="postgres", password=PG_PASSWORD) as c:
        cur = c.cursor()
        gen = f"FROM generate_series(0, {points - 1}) AS g(i)"
        if schema == "ours":
            cur.execute(f"""INSERT INTO metrics (run_uuid, key, step, timestamp, value) SELECT '{run_id}', 'loss', g.i,
                {t0} + g.i, 1.0 / (g.i + 1) {gen}""")
        else:
            cur.execute(f"""INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) SELECT 'loss', 1.0 / (g.i + 1),
                {t0} + g.i, '{run_id}', g.i, false {gen}""")
    vacuum_analyze(pg_port, db)


def vacuum_analyze(pg_port, db):
    c = psycopg2.connect(host="127.0.0.1", port=pg_port, dbname=db, user="postgres", password=PG_PASSWORD)
    c.autocommit = True
    cur = c.cursor()
    cur.execute("VACUUM ANALYZE")
    cur.execute("VACUUM")  # a second pass marks the freshly loaded pages all-visible, as autovacuum would
    c.close()


def percentile(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def bench_search(port, tag, exp, a, headers=None):
    body = json.dumps({"experiment_ids": [exp], "filter": a.filter, "order_by": [a.order_by],
                       "max_results": a.max_results})

    async def go():
        conn = Conn(port)
        lat, first = [], None
        t_end = time.perf_counter() + a.search_seconds
        for n in range(a.search_warmup + a.search_iters):
            t = time.perf_counter()
            status, payload = await conn.request("POST", API + "runs/search", body, headers)
            dt = time.perf_counter() - t
            if status != 200:
                raise SystemExit(f"[{tag}] search failed: {status} {payload[:300]}")
            if first is None:
                first = json.loads(payload)
            if n >= a.search_warmup:
                lat.append(dt)
                if time.perf_counter() > t_end and len(lat) >= 5:
                    break
        conn.close()
        return lat, first

    lat, first = asyncio.run(go())
    ids = [r["info"]["run_id"] for r in first.get("runs", [])]
    return percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000, len(lat), ids


def bench_history(port, tag, run_id, a):
    async def read_all(conn):
        token, points, pages = None, 0, 0
        while True:
            q = f"run_id={run_id}&metric_key=loss&max_results={a.history_page}"
            if token:
                q += "&page_token=" + urllib.request.quote(token)
            status, payload = await conn.request("GET", API + "metrics/get-history?" + q)
            if status != 200:
                raise SystemExit(f"[{tag}] get-history failed: {status} {payload[:300]}")
            d = json.loads(payload)
            points += len(d.get("metrics", []))
            pages += 1
            token = d.get("next_page_token")
            if not token:
                return points, pages

    async def go():
        conn = Conn(port)
        await read_all(conn)  # warm-up
        times, points, pages = [], 0, 0
        t_end = time.perf_counter() + a.history_seconds
        for _ in range(a.history_iters):
            t = time.perf_counter()
            points, pages = await read_all(conn)
            times.append(time.perf_counter() - t)
            if time.perf_counter() > t_end:
                break
        conn.close()
        return times, points, pages

    times, points, pages = asyncio.run(go())
    return statistics.median(times) * 1000, points, pages, len(times)


# ----------------------------------------------------------------------------- traces: OTLP ingestion and search
def otlp_template(traces, spans):
    """One OTLP export request of `traces` traces x `spans` spans (MLflow-style attributes), with placeholder
    trace and span ids that each request replaces by fresh random ones (bytes.replace keeps the client cheap)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.trace.v1.trace_pb2 import Status

    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    kv = rs.resource.attributes.add()
    kv.key, kv.value.string_value = "service.name", "bench"
    ss = rs.scope_spans.add()
    tids, sids = [], []
    t0 = time.time_ns()
    for t in range(traces):
        tid = b"\xa7\x5e\x11\xd0" + bytes([0x80 + t]) + b"\x3c" * 11
        tids.append(tid)
        for k in range(spans):
            sid = b"\x5b\xd2" + bytes([0x80 + t, 0x80 + k]) + b"\x6f" * 4
            sids.append(sid)
            sp = ss.spans.add()
            sp.trace_id, sp.span_id = tid, sid
            if k:
                sp.parent_span_id = sids[-1 - k]
            sp.name = "agent" if k == 0 else f"step_{k}"
            sp.kind = 1
            sp.start_time_unix_nano = t0 + k * 1_000_000
            sp.end_time_unix_nano = t0 + (spans - k) * 2_000_000 + k * 1_000_000
            sp.status.code = Status.STATUS_CODE_OK
            for key, val in (("mlflow.spanType", "CHAIN" if k == 0 else "TOOL"), ("mlflow.spanOutputs", f"answer {k}"),
                             ("gen_ai.request.model", "bench-model")):
                a = sp.attributes.add()
                a.key, a.value.string_value = key, val
            a = sp.attributes.add()
            a.key = "mlflow.spanInputs"
            for ik, iv in (("question", f"what is step {k}?"), ("top_k", None)):
                e = a.value.kvlist_value.values.add()
                e.key = ik
                if iv is None:
                    e.value.int_value = 5
                else:
                    e.value.string_value = iv
    return req.SerializeToString(), tids, sids


def bench_otlp(port, tag, a):
    exp = create_experiment(port, f"otlp-{tag}-{time.time_ns()}")
    body, tids, sids = otlp_template(a.otlp_traces, a.otlp_spans)
    per_request = a.otlp_traces * a.otlp_spans
    headers = {"Content-Type": "application/x-protobuf", "X-Mlflow-Experiment-Id": exp}

    def req(w, n):
        b = body
        for tid in tids:
            b = b.replace(tid, os.urandom(16))
        for sid in sids:
            b = b.replace(sid, os.urandom(8))
        return "POST", "/v1/traces", b, headers

    asyncio.run(closed_loop(port, a.otlp_concurrency, min(2.0, a.duration), 10 ** 9, req))  # warm-up
    done, secs = asyncio.run(closed_loop(port, a.otlp_concurrency, a.duration, a.max_requests, req))
    if done["err"]:
        print(f"  [{tag}] otlp errors: {done['err']} first: {done['first_err']}")
    return done["ok"] * per_request / secs, done["ok"], secs


def trace_id_sql(i):
    return f"'tr-' || md5('bench-trace-' || {i})"


def load_traces(pg_port, db, exp, n, t0):
    """n traces (same ids and values in both schemas, whose trace tables share these column names): 3 tags and
    6 request-metadata entries each; env cycles prod/dev/staging, every 10th trace is an ERROR."""
    with psycopg2.connect(host="127.0.0.1", port=pg_port, dbname=db, user="postgres", password="postgres") as c:
        cur = c.cursor()
        gen = f"FROM generate_series(1, {n}) AS g(i)"
        cur.execute(f"""INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status,
            request_preview, response_preview) SELECT {trace_id_sql('g.i')}, {exp}, {t0} - g.i * 1000, 100 + g.i % 900,
            CASE WHEN g.i % 10 = 0 THEN 'ERROR' ELSE 'OK' END, '{{"question": "q' || g.i || '"}}', '"a' || g.i || '"' {gen}""")
        cur.execute(f"""INSERT INTO trace_tags (request_id, key, value)
            SELECT {trace_id_sql('g.i')}, 'mlflow.traceName', 'agent' {gen}
            UNION ALL SELECT {trace_id_sql('g.i')}, 'env', (ARRAY['prod', 'dev', 'staging'])[1 + g.i % 3] {gen}
            UNION ALL SELECT {trace_id_sql('g.i')}, 'mlflow.artifactLocation',
                'mlflow-artifacts:/{exp}/traces/' || {trace_id_sql('g.i')} || '/artifacts' {gen}""")
        cur.execute(f"""INSERT INTO trace_request_metadata (request_id, key, value)
            SELECT {trace_id_sql('g.i')}, k.k, CASE k.k WHEN 'mlflow.traceInputs' THEN '{{"question": "q' || g.i || '"}}'
                WHEN 'mlflow.traceOutputs' THEN '"a' || g.i || '"' WHEN 'mlflow.user' THEN 'bench'
                WHEN 'mlflow.source.name' THEN 'bench.py' WHEN 'mlflow.source.type' THEN 'LOCAL' ELSE '3' END {gen}
            CROSS JOIN unnest(ARRAY['mlflow.traceInputs', 'mlflow.traceOutputs', 'mlflow.user', 'mlflow.source.name',
                'mlflow.source.type', 'mlflow.trace_schema.version']) AS k(k)""")
    vacuum_analyze(pg_port, db)


def bench_trace_search(port, tag, exp, filt, a):
    body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": exp}}],
            "max_results": a.max_results, "order_by": ["timestamp_ms DESC"]}
    if filt:
        body["filter"] = filt
    body = json.dumps(body)

    async def go():
        conn = Conn(port)
        lat, first = [], None
        t_end = time.perf_counter() + a.search_seconds
        for n in range(a.trace_search_warmup + a.search_iters):
            t = time.perf_counter()
            status, payload = await conn.request("POST", "/api/3.0/mlflow/traces/search", body)
            dt = time.perf_counter() - t
            if status != 200:
                raise SystemExit(f"[{tag}] traces/search failed: {status} {payload[:300]}")
            if first is None:
                first = json.loads(payload)
            if n >= a.trace_search_warmup:
                lat.append(dt)
                if time.perf_counter() > t_end and len(lat) >= 5:
                    break
        conn.close()
        return lat, first

    lat, first = asyncio.run(go())
    ids = [t["trace_id"] for t in first.get("traces", [])]
    return percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000, len(lat), ids


# ----------------------------------------------------------------------------- --walls: the hardening's cost
def start_proxy(procs, work, name, backend_port, secret=None, token_hashes=()):
    """network-service's LocalProxy alone (BenchProxy from its test classes), in front of one backend."""
    cp = open(os.path.join(ROOT, "network-service/target/bench.classpath")).read().strip()
    cp = ":".join([os.path.join(ROOT, "network-service/target/classes"), os.path.join(ROOT, "network-service/target/test-classes"), cp])
    args = ["java", "-Xmx256m", "-XX:ActiveProcessorCount=2", "-cp", cp, "dev.dmsmlflow.network.provider.local.BenchProxy",
            "--backend-port", str(backend_port)]
    if secret:
        args += ["--secret", secret]
    for h in token_hashes:
        args += ["--token-hash", h]
    log = open(os.path.join(work, f"{name}.log"), "w")
    p = procs.add(name, subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                                         start_new_session=True))
    for line in p.stdout:
        if line.startswith("READY "):
            return int(line.split()[1])
    sys.exit(f"{name} did not start; see {log.name}")


def walls(a, work, procs):
    import hashlib
    import secrets as pysecrets
    settings = start_postgres(procs, work, a.pg_port, ["bench_ours"])
    print(f"PostgreSQL on 127.0.0.1:{a.pg_port}, data in {work}/pg: {settings}", flush=True)
    secret = pysecrets.token_urlsafe(32)
    token = "mlft_bench_" + pysecrets.token_urlsafe(32)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    # two servers on the same database: one as before (serves whoever reaches it), one checking the secret's digest
    plain_port, hardened_port = a.ours_port, a.ours_port + 2
    # "before" is this build without the backend secret, or (--walls-before-jar) a build from before the hardening, which
    # also lacks the text checks of every request; it goes first, so that this build's Flyway migrations find its schema
    s1 = start_ours(procs, work, plain_port, a.pg_port, "bench_ours", a.ours_heap, name="ours-plain", jar=a.walls_before_jar)
    s2 = start_ours(procs, work, hardened_port, a.pg_port, "bench_ours", a.ours_heap, name="ours-hardened", digest=digest)
    print(f"tracking servers ready in {s1:.1f}s (plain) and {s2:.1f}s (checking the backend secret)", flush=True)
    proxy_before = start_proxy(procs, work, "proxy-before", plain_port)
    proxy_after = start_proxy(procs, work, "proxy-after", hardened_port, secret,
                              [hashlib.sha256(token.encode()).hexdigest() + ":read-write"])
    targets = [
        ("direct to the backend (no check)", plain_port, {}),
        ("before: proxy, network mode", proxy_before, {}),
        ("after: proxy, token mode + secret", proxy_after, {"Authorization": "Bearer " + token}),
        ("direct to the hardened backend", hardened_port, {"X-Dms-Backend-Auth": secret}),
    ]
    rounds = a.walls_rounds
    lm = {name: [] for name, _, _ in targets}
    for r in range(rounds):
        for name, port, headers in targets:
            exp = create_experiment(plain_port, f"walls-lm-{r}-{time.time_ns()}")
            runs = [create_run(plain_port, exp) for _ in range(a.concurrency)]
            ts = int(time.time() * 1000)

            def req(w, n, runs=runs, ts=ts, headers=headers):
                return "POST", API + "runs/log-metric", (
                    f'{{"run_id":"{runs[w]}","key":"loss","value":{n * 0.001},"timestamp":{ts + n},"step":{n}}}'), headers

            asyncio.run(closed_loop(port, a.concurrency, min(2.0, a.duration), 10 ** 9, req))  # warm-up
            done, secs = asyncio.run(closed_loop(port, a.concurrency, a.duration, a.max_requests,
                                                 lambda w, n, req=req: req(w, n + 10 ** 7)))
            if done["err"]:
                sys.exit(f"[{name}] log-metric errors: {done['err']} first: {done['first_err']}")
            lm[name].append(done["ok"] / secs)
            print(f"round {r + 1}: (i) log-metric {name}: {done['ok'] / secs:,.0f} req/s", flush=True)
    exp = create_experiment(plain_port, f"walls-search-{time.time_ns()}")
    tl = time.time()
    load_search_data(a.pg_port, "bench_ours", "ours", exp, a.runs, int(time.time() * 1000))
    print(f"(iii) loaded {a.runs} runs with SQL in {time.time() - tl:.0f}s", flush=True)
    se = {name: [] for name, _, _ in targets}
    for r in range(rounds):
        for name, port, headers in targets:
            p50, p99, n, ids = bench_search(port, name, exp, a, headers)
            se[name].append((p50, p99))
            print(f"round {r + 1}: (iii) search {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({n} queries)", flush=True)

    med = statistics.median
    print()
    print(f"{'path':40} {'(i) log-metric req/s':>22} {'(iii) search p50 ms':>20} {'p99 ms':>8}")
    for name, _, _ in targets:
        print(f"{name:40} {med(lm[name]):>22,.0f} {med(x[0] for x in se[name]):>20.1f} {med(x[1] for x in se[name]):>8.1f}")
    before, after = targets[1][0], targets[2][0]
    lm_cost = (med(lm[before]) - med(lm[after])) / med(lm[before]) * 100
    se_cost = (med(x[0] for x in se[after]) - med(x[0] for x in se[before])) / med(x[0] for x in se[before]) * 100
    print(f"(medians of {rounds} interleaved rounds; {a.concurrency} log-metric clients for {a.duration:.0f}s each; "
          f"search over {a.runs} runs, filter {a.filter!r}, order by {a.order_by!r})")
    print(f"hardening cost, log-metric throughput: {lm_cost:+.1f} % ({'met' if lm_cost <= 5 else 'MISSED'}: at most 5 %)")
    print(f"hardening cost, search p50 latency:    {se_cost:+.1f} % ({'met' if se_cost <= 5 else 'MISSED'}: at most 5 %)")


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=50000, help="runs in the search experiment (default 50000)")
    ap.add_argument("--history-points", type=int, default=100000)
    ap.add_argument("--history-page", type=int, default=25000, help="max_results per get-history page")
    ap.add_argument("--history-iters", type=int, default=10)
    ap.add_argument("--history-seconds", type=float, default=30)
    ap.add_argument("--concurrency", type=int, default=8, help="log-metric clients (default 8)")
    ap.add_argument("--batch-concurrency", type=int, default=4, help="log-batch clients (default 4)")
    ap.add_argument("--duration", type=float, default=15, help="seconds per throughput measurement")
    ap.add_argument("--max-requests", type=int, default=200000, help="request cap per throughput measurement")
    ap.add_argument("--search-iters", type=int, default=200)
    ap.add_argument("--search-warmup", type=int, default=5)
    ap.add_argument("--search-seconds", type=float, default=60, help="stop the search loop after this long (>= 5 samples)")
    ap.add_argument("--max-results", type=int, default=100)
    ap.add_argument("--filter", default="metrics.m0 > 0.5 and params.p0 = 'v3'")
    ap.add_argument("--order-by", default="metrics.m1 DESC")
    ap.add_argument("--pg-port", type=int, default=25432)
    ap.add_argument("--ours-port", type=int, default=25500)
    ap.add_argument("--upstream-port", type=int, default=25501)
    ap.add_argument("--ours-heap", default="1g")
    ap.add_argument("--ours-jar", help="our server's quarkus-run.jar (default: tracking-server/target/quarkus-app), "
                    "e.g. an earlier build for a before/after comparison with --only ours")
    ap.add_argument("--only", choices=["ours", "upstream"], help="benchmark one server only")
    ap.add_argument("--otlp-concurrency", type=int, default=4, help="(v) OTLP clients (default 4)")
    ap.add_argument("--otlp-traces", type=int, default=5, help="(v) traces per OTLP request (default 5)")
    ap.add_argument("--otlp-spans", type=int, default=10, help="(v) spans per trace (default 10)")
    ap.add_argument("--traces", type=int, default=100000, help="(vi) traces in the search experiment (default 100000)")
    ap.add_argument("--trace-search-warmup", type=int, default=100,
                    help="(vi) unmeasured queries before each measured series, same on both servers (default 100: "
                         "steady state of a running server, JIT-compiled for ours)")
    ap.add_argument("--trace-filter", default="tags.env = 'prod' AND trace.status = 'OK'",
                    help="(vi) filter of the filtered traces/search")
    ap.add_argument("--skip", default="", help="comma list of i,ii,iii,iv,v,vi to skip")
    ap.add_argument("--measures", default="", help="comma list of measures to run (e.g. v,vi); the others are skipped")
    ap.add_argument("--work", default=os.path.join(HERE, "target"))
    ap.add_argument("--walls", action="store_true",
                    help="measure the hardening's cost instead: (i) and (iii) through the load balancer before/after, "
                         "and straight to the backends (our server only)")
    ap.add_argument("--walls-rounds", type=int, default=3, help="interleaved rounds per path in --walls (default 3)")
    ap.add_argument("--walls-before-jar", help="--walls: the tracking server before the hardening (a quarkus-run.jar built "
                                                "from an older commit); default: this build without the backend secret")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    if a.measures:
        skip |= {"i", "ii", "iii", "iv", "v", "vi"} - set(filter(None, a.measures.split(",")))

    work = a.work
    os.makedirs(work, exist_ok=True)
    subprocess.run(["rm", "-rf", os.path.join(work, "pg"), os.path.join(work, "ours-artifacts"),
                    os.path.join(work, "upstream-artifacts")], check=True)
    if a.walls:
        procs = Procs()
        try:
            la = os.getloadavg()
            print(f"machine: {os.cpu_count()} cores, load average at start {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)
            walls(a, work, procs)
        finally:
            procs.stop_all()
        print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        return
    servers = [s for s in ("ours", "upstream") if a.only in (None, s)]
    procs = Procs()
    results = {s: {} for s in servers}
    try:
        la = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load average at start {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)
        settings = start_postgres(procs, work, a.pg_port, ["bench_ours", "bench_upstream"])
        print(f"PostgreSQL on 127.0.0.1:{a.pg_port}, data in {work}/pg: {settings}", flush=True)
        ports = {}
        if "ours" in servers:
            s = start_ours(procs, work, a.ours_port, a.pg_port, "bench_ours", a.ours_heap, jar=a.ours_jar)
            print(f"ours     : http://127.0.0.1:{a.ours_port} (ready in {s:.1f}s)", flush=True)
            ports["ours"] = a.ours_port
        if "upstream" in servers:
            s = start_upstream(procs, work, a.upstream_port, a.pg_port, "bench_upstream")
            ver = subprocess.run([os.path.join(HERE, ".venv/bin/python"), "-c", "import mlflow; print(mlflow.__version__)"],
                                 capture_output=True, text=True).stdout.strip()
            print(f"upstream : mlflow {ver} server, http://127.0.0.1:{a.upstream_port} (ready in {s:.1f}s)", flush=True)
            ports["upstream"] = a.upstream_port
        t0 = int(time.time() * 1000)

        for s in servers:
            port = ports[s]
            r = results[s]
            if "i" not in skip:
                rps, n, secs = bench_log_metric(port, s, a)
                r["i"] = rps
                print(f"[{s}] (i) log-metric: {rps:,.0f} req/s ({n} requests in {secs:.1f}s, {a.concurrency} clients)", flush=True)
            if "ii" not in skip:
                mps, n, secs = bench_log_batch(port, s, a)
                r["ii"] = mps
                print(f"[{s}] (ii) log-batch: {mps:,.0f} metrics/s ({n} requests x 1000 in {secs:.1f}s, "
                      f"{a.batch_concurrency} clients)", flush=True)
            if "iii" not in skip:
                exp = create_experiment(port, f"search-{s}-{time.time_ns()}")
                tl = time.time()
                load_search_data(a.pg_port, f"bench_{s}", s, exp, a.runs, t0)
                print(f"[{s}] (iii) loaded {a.runs} runs with SQL in {time.time() - tl:.0f}s", flush=True)
                p50, p99, n, ids = bench_search(port, s, exp, a)
                r["iii"] = (p50, p99)
                r["iii_ids"] = ids
                print(f"[{s}] (iii) search: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({n} queries, {len(ids)} runs/page)", flush=True)
            if "iv" not in skip:
                exp = create_experiment(port, f"history-{s}-{time.time_ns()}")
                run = create_run(port, exp)
                load_history(a.pg_port, f"bench_{s}", s, run, a.history_points, t0)
                ms, points, pages, n = bench_history(port, s, run, a)
                if points != a.history_points:
                    print(f"[{s}] (iv) WARNING read {points} points, expected {a.history_points}")
                r["iv"] = ms
                print(f"[{s}] (iv) get-history: {ms:.0f} ms for {points} points in {pages} pages "
                      f"(median of {n})", flush=True)
            if "v" not in skip:
                sps, n, secs = bench_otlp(port, s, a)
                r["v"] = sps
                print(f"[{s}] (v) OTLP ingestion: {sps:,.0f} spans/s ({n} requests x {a.otlp_traces * a.otlp_spans} spans "
                      f"in {secs:.1f}s, {a.otlp_concurrency} clients)", flush=True)
            if "vi" not in skip:
                exp = create_experiment(port, f"traces-{s}-{time.time_ns()}")
                tl = time.time()
                load_traces(a.pg_port, f"bench_{s}", exp, a.traces, t0)
                print(f"[{s}] (vi) loaded {a.traces} traces with SQL in {time.time() - tl:.0f}s", flush=True)
                for key, filt in (("vi", None), ("vi_f", a.trace_filter)):
                    p50, p99, n, ids = bench_trace_search(port, s, exp, filt, a)
                    r[key] = (p50, p99)
                    r[key + "_ids"] = ids
                    print(f"[{s}] (vi) traces/search {'filter ' + repr(filt) if filt else 'no filter'}: p50 {p50:.1f} ms, "
                          f"p99 {p99:.1f} ms ({n} queries, {len(ids)} traces/page)", flush=True)
    finally:
        procs.stop_all()

    if "ours" in results and "upstream" in results and results["ours"].get("iii_ids") is not None \
            and results["upstream"].get("iii_ids") is not None:
        same = results["ours"]["iii_ids"] == results["upstream"]["iii_ids"]
        print(f"search result check: first page identical on both servers: {same}")

    for key in ("vi_ids", "vi_f_ids"):
        if "ours" in results and "upstream" in results and results["ours"].get(key) is not None \
                and results["upstream"].get(key) is not None:
            same = results["ours"][key] == results["upstream"][key]
            print(f"traces/search check ({key[:-4]}): first page identical on both servers: {same}")

    def fmt(v, unit):
        return "-" if v is None else f"{v:,.0f} {unit}" if unit in ("req/s", "metrics/s", "spans/s") else f"{v:,.1f} {unit}"

    o, u = results.get("ours", {}), results.get("upstream", {})
    rows = [
        (f"(i) log-metric, {a.concurrency} clients", o.get("i"), u.get("i"), "req/s", True),
        (f"(ii) log-batch 1000/request, {a.batch_concurrency} clients", o.get("ii"), u.get("ii"), "metrics/s", True),
        (f"(iii) search p50 ({a.runs} runs)", (o.get("iii") or (None,))[0], (u.get("iii") or (None,))[0], "ms", False),
        (f"(iii) search p99 ({a.runs} runs)", (o.get("iii") or (None, None))[1], (u.get("iii") or (None, None))[1], "ms", False),
        (f"(iv) get-history {a.history_points} points", o.get("iv"), u.get("iv"), "ms", False),
        (f"(v) OTLP spans, {a.otlp_concurrency} clients", o.get("v"), u.get("v"), "spans/s", True),
        (f"(vi) traces/search p50 ({a.traces} traces)", (o.get("vi") or (None,))[0], (u.get("vi") or (None,))[0], "ms", False),
        (f"(vi) traces/search p50, filtered", (o.get("vi_f") or (None,))[0], (u.get("vi_f") or (None,))[0], "ms", False),
    ]
    print()
    print(f"{'measure':44} {'ours':>16} {'upstream':>16} {'ratio':>8}")
    for name, ov, uv, unit, higher in rows:
        ratio = "-"
        if ov and uv:
            ratio = f"{(ov / uv if higher else uv / ov):.1f}x"
        print(f"{name:44} {fmt(ov, unit):>16} {fmt(uv, unit):>16} {ratio:>8}")
    print("(ratio = how many times better ours is; (iii) and (iv) data loaded with SQL into each server's own schema, "
          "identical values; (i) and (ii) through the HTTP API)")
    def ratio(k, higher=True, idx=None):
        ov, uv = o.get(k), u.get(k)
        if idx is not None and ov and uv:
            ov, uv = ov[idx], uv[idx]
        return None if not ov or not uv else (ov / uv if higher else uv / ov)

    goals = [("(i) >= 10x upstream", ratio("i"), lambda r: r >= 10),
             ("(ii) >= 10x upstream", ratio("ii"), lambda r: r >= 10),
             ("(iii) p50 >= 20x upstream", ratio("iii", False, 0), lambda r: r >= 20),
             ("(v) OTLP spans/s >= 10x upstream", ratio("v"), lambda r: r >= 10),
             ("(vi) traces/search p50 >= 10x upstream", ratio("vi", False, 0), lambda r: r >= 10),
             ("(vi) filtered traces/search p50 >= 10x upstream", ratio("vi_f", False, 0), lambda r: r >= 10)]
    for name, r, ok in goals:
        if r is not None:
            print(f"goal {name}: {'met' if ok(r) else 'MISSED'} ({r:.1f}x)")
    if o.get("iii"):
        print(f"goal (iii) p50 <= 50 ms: {'met' if o['iii'][0] <= 50 else 'MISSED'} ({o['iii'][0]:.1f} ms)")
    print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
