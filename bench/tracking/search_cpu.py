"""CPU time per runs/search, independent of the machine's load: our server's JVM and its PostgreSQL backends.

Loads bench.py's (iii) data (N runs x 10 metrics x 10 params x 5 tags, SQL) once, then for each given server jar in
turn (in rounds: A B A B ...): starts it on that database, runs W unmeasured searches, then S measured ones with
bench.py's (iii) request, and reads the processes' CPU (utime + stime from /proc) before and after. Reports per
search: the JVM's CPU, its PostgreSQL backends' CPU (every backend connected to the database), their sum, and the
client-side p50 latency (which, unlike the CPU, moves with the load). Also checks that every jar answers the same
first page (ids, metrics, params and tags). The jars share the database, so each starts with Flyway's validation off
(an older jar then runs on a schema a newer one migrated; its migrations must leave what the older one reads), unless
--db-per-jar gives each jar a database of its own, loaded with the same data (needed when a newer jar's migration
changes keys or indexes the older one's queries use: on a shared database the older jar would be measured on a schema
it was not written for). Not a test.

  bench/tracking/.venv/bin/python bench/tracking/search_cpu.py --jar before=/tmp/before.jar --jar after=tracking-server/target/quarkus-app/quarkus-run.jar
"""
import argparse
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the whole line)


def backends(postmaster, db):
    """Pids of the postmaster's children that serve `db` (their title is 'postgres: USER DB ...')."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != postmaster:
                continue
            with open(f"/proc/{p}/cmdline") as f:
                title = f.read().replace("\0", " ")
            if f" {db} " in title:
                out.append(int(p))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return out


def snapshot(pids):
    out = {}
    for p in pids:
        try:
            out[p] = cpu_ticks(p)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


async def searches(port, body, n):
    conn = bench.Conn(port)
    lat, first = [], None
    for _ in range(n):
        t = time.perf_counter()
        status, payload = await conn.request("POST", bench.API + "runs/search", body)
        lat.append(time.perf_counter() - t)
        if status != 200:
            raise SystemExit(f"search failed: {status} {payload[:300]}")
        if first is None:
            first = payload
    conn.close()
    return lat, first


def page_digest(payload):
    """What must not change between servers: ids in order, and each run's metrics, params and tags."""
    out = []
    for r in json.loads(payload).get("runs", []):
        d = r.get("data", {})
        out.append((r["info"]["run_id"], json.dumps(d.get("metrics"), sort_keys=True), json.dumps(d.get("params")),
                    json.dumps(d.get("tags")), json.dumps(r.get("inputs")), json.dumps(r.get("outputs"))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", action="append", required=True, help="LABEL=PATH of a tracking-server quarkus-run.jar")
    ap.add_argument("--runs", type=int, default=50000)
    ap.add_argument("--warmup", type=int, default=1500)
    ap.add_argument("--searches", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--filter", default="metrics.m0 > 0.5 and params.p0 = 'v3'")
    ap.add_argument("--order-by", default="metrics.m1 DESC")
    ap.add_argument("--max-results", type=int, default=100)
    ap.add_argument("--pg-port", type=int, default=55442)
    ap.add_argument("--port", type=int, default=55010)
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--work", default="/tmp/search-cpu")
    ap.add_argument("--db-per-jar", action="store_true",
                    help="one database per jar (bench_<label>), each loaded with the same data, instead of one shared")
    a = ap.parse_args()
    jars = [j.split("=", 1) for j in a.jar]
    # the jars share one database: an older jar must start on a schema a newer one has migrated further (Flyway
    # would refuse the migrations it does not know); a harness setting, never a server default
    os.environ.setdefault("QUARKUS_FLYWAY_VALIDATE_ON_MIGRATE", "false")
    os.makedirs(a.work, exist_ok=True)
    os.system(f"rm -rf {a.work}/pg {a.work}/ours-artifacts")
    procs = bench.Procs()
    body = json.dumps({"experiment_ids": [], "filter": a.filter, "order_by": [a.order_by], "max_results": a.max_results})
    results = {label: [] for label, _ in jars}
    digests = {}
    try:
        la = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load average at start {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)
        dbs = {label: (f"bench_{label}" if a.db_per_jar else "bench_ours") for label, _ in jars}
        bench.start_postgres(procs, a.work, a.pg_port, sorted(set(dbs.values())))
        with open(os.path.join(a.work, "pg", "postmaster.pid")) as f:
            postmaster = int(f.readline())
        exps = {}
        t0 = int(time.time() * 1000)
        for rnd in range(a.rounds):
            for label, jar in jars:
                name = f"ours-{label}"
                dbname = dbs[label]
                bench.start_ours(procs, a.work, a.port, a.pg_port, dbname, a.heap, name=name, jar=jar)
                proc = procs.items[-1][1]
                exp = exps.get(dbname)
                if exp is None:
                    exp = exps[dbname] = bench.create_experiment(a.port, f"search-cpu-{t0}")
                    t = time.time()
                    bench.load_search_data(a.pg_port, dbname, "ours", exp, a.runs, t0)
                    print(f"loaded {a.runs} runs into {dbname} in {time.time() - t:.0f}s", flush=True)
                b = json.loads(body)
                b["experiment_ids"] = [exp]
                b = json.dumps(b)
                _, first = asyncio.run(searches(a.port, b, a.warmup))
                digests.setdefault(label, page_digest(first))
                pg = backends(postmaster, dbname)
                before = snapshot(pg + [proc.pid])
                t = time.perf_counter()
                lat, _ = asyncio.run(searches(a.port, b, a.searches))
                wall = time.perf_counter() - t
                pg_after = backends(postmaster, dbname)
                after = snapshot(pg_after + [proc.pid])
                jvm = (after[proc.pid] - before[proc.pid]) / TICK
                db = sum(after[p] - before.get(p, 0) for p in pg_after if p in after) / TICK
                p50 = bench.percentile(lat, 0.5) * 1000
                load = os.getloadavg()[0]
                n = a.searches
                results[label].append((jvm / n * 1000, db / n * 1000, p50, load))
                print(f"round {rnd + 1} {label}: JVM {jvm / n * 1000:.2f} ms, PostgreSQL {db / n * 1000:.2f} ms, "
                      f"total {(jvm + db) / n * 1000:.2f} ms CPU per search; p50 {p50:.2f} ms, {n / wall:.0f} searches/s; "
                      f"load {load:.2f}", flush=True)
                os.killpg(proc.pid, 15)
                proc.wait(timeout=60)
    finally:
        procs.stop_all()
    for label, _ in jars:
        same = digests[label] == digests[jars[0][0]]
        rows = results[label]
        jvm = sum(r[0] for r in rows) / len(rows)
        db = sum(r[1] for r in rows) / len(rows)
        p50 = sum(r[2] for r in rows) / len(rows)
        print(f"{label}: mean over {len(rows)} rounds: JVM {jvm:.2f} + PostgreSQL {db:.2f} = {jvm + db:.2f} ms CPU "
              f"per search, p50 {p50:.2f} ms; first page as {jars[0][0]}'s: {same}")
    print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
