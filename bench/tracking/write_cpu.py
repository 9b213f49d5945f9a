"""CPU time per runs/log-metric and per runs/log-batch (1000 metrics), independent of the machine's load.

For each given server jar in turn (in rounds: A B A B ...), on a database of its own: starts it, warms up, then sends
a fixed number of bench.py's (i) log-metric requests (8 clients, each on its own run) and (ii) log-batch requests
(4 clients), and reads the CPU (utime + stime from /proc) of the JVM and of its PostgreSQL backends before and after
each. Reports CPU per request and the throughput seen (which, unlike the CPU, moves with the load). Not a test.

  bench/tracking/.venv/bin/python bench/tracking/write_cpu.py --jar before=/tmp/before/quarkus-run.jar \
      --jar after=tracking-server/target/quarkus-app/quarkus-run.jar --rounds 2
"""
import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from search_cpu import TICK, backends, snapshot  # noqa: E402


def measured(proc, postmaster, db, fn):
    """Runs fn() and answers (JVM CPU s, PostgreSQL CPU s, fn's answer)."""
    before = snapshot(backends(postmaster, db) + [proc.pid])
    out = fn()
    pg = backends(postmaster, db)
    after = snapshot(pg + [proc.pid])
    jvm = (after[proc.pid] - before[proc.pid]) / TICK
    dbcpu = sum(after[p] - before.get(p, 0) for p in pg if p in after) / TICK
    return jvm, dbcpu, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", action="append", required=True, help="LABEL=PATH of a tracking-server quarkus-run.jar")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--metrics", type=int, default=8000, help="measured log-metric requests per round")
    ap.add_argument("--batches", type=int, default=200, help="measured log-batch requests per round")
    ap.add_argument("--pg-port", type=int, default=55452)
    ap.add_argument("--port", type=int, default=55020)
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--work", default="/tmp/write-cpu")
    a = ap.parse_args()
    jars = [j.split("=", 1) for j in a.jar]
    os.makedirs(a.work, exist_ok=True)
    os.system(f"rm -rf {a.work}/pg {a.work}/ours-artifacts")
    procs = bench.Procs()
    results = {label: [] for label, _ in jars}
    try:
        la = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load average at start {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)
        dbs = {label: f"bench_{label}" for label, _ in jars}
        bench.start_postgres(procs, a.work, a.pg_port, sorted(dbs.values()))
        with open(os.path.join(a.work, "pg", "postmaster.pid")) as f:
            postmaster = int(f.readline())
        for rnd in range(a.rounds):
            for label, jar in jars:
                db = dbs[label]
                bench.start_ours(procs, a.work, a.port, a.pg_port, db, a.heap, name=f"ours-{label}", jar=jar)
                proc = procs.items[-1][1]
                opts = argparse.Namespace(concurrency=8, batch_concurrency=4, duration=600, max_requests=2000)
                bench.bench_log_metric(a.port, f"{label}-warm", opts)  # warm-up runs of their own
                opts.max_requests = a.metrics
                jvm, dbcpu, (rate, n, _) = measured(proc, postmaster, db, lambda: bench.bench_log_metric(a.port, label, opts))
                lm = (jvm / n * 1000, dbcpu / n * 1000, rate)
                opts.max_requests = 50
                bench.bench_log_batch(a.port, f"{label}-warm", opts)
                opts.max_requests = a.batches
                jvm, dbcpu, (rate, n, _) = measured(proc, postmaster, db, lambda: bench.bench_log_batch(a.port, label, opts))
                lb = (jvm / n * 1000, dbcpu / n * 1000, rate)
                load = os.getloadavg()[0]
                results[label].append((lm, lb))
                print(f"round {rnd + 1} {label}: log-metric JVM {lm[0]:.3f} + PostgreSQL {lm[1]:.3f} = {lm[0] + lm[1]:.3f} ms "
                      f"CPU/request ({lm[2]:.0f} req/s); log-batch JVM {lb[0]:.2f} + PostgreSQL {lb[1]:.2f} = "
                      f"{lb[0] + lb[1]:.2f} ms CPU/request ({lb[2]:.0f} metrics/s); load {load:.2f}", flush=True)
                os.killpg(proc.pid, 15)
                proc.wait(timeout=60)
    finally:
        procs.stop_all()
    for label, _ in jars:
        rows = results[label]
        lm = [sum(r[0][i] for r in rows) / len(rows) for i in range(2)]
        lb = [sum(r[1][i] for r in rows) / len(rows) for i in range(2)]
        print(f"{label}: mean over {len(rows)} rounds: log-metric {lm[0]:.3f} + {lm[1]:.3f} = {lm[0] + lm[1]:.3f} ms CPU; "
              f"log-batch {lb[0]:.2f} + {lb[1]:.2f} = {lb[0] + lb[1]:.2f} ms CPU")
    print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
