#!/usr/bin/env python3
"""Splits create -> RUNNING into its phases from instance-service's log of a benchmark run:
   python3 bench/provisioning/breakdown.py bench/provisioning/target/run-XXXX/instance-service.log"""
import datetime
import re
import statistics
import sys


def ts(line):
    return datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")


events = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if m := re.search(r"instance ([0-9a-f-]{36}) requested", line):
        events.setdefault(m[1], {})["requested"] = ts(line)
    elif m := re.search(r"created tracking database mlflow_([0-9a-f]{32})", line):
        for k in events:
            if k.replace("-", "") == m[1]:
                events[k].setdefault("database", ts(line))
    elif m := re.search(r"started tracking server of ([0-9a-f-]{36})", line):
        events.setdefault(m[1], {}).setdefault("started", ts(line))
    elif m := re.search(r"instance ([0-9a-f-]{36}) RUNNING", line):
        events.setdefault(m[1], {}).setdefault("running", ts(line))

phases = [("requested", "database", "request -> database created (network saga round trip: relay, Kafka, load balancer)"),
          ("database", "started", "database created -> tracking server process started"),
          ("started", "running", "process started -> RUNNING (JVM start, health check, backend registration round trip)")]
for a, b, label in phases:
    xs = [(e[b] - e[a]).total_seconds() for e in events.values() if a in e and b in e]
    if xs:
        print(f"{label}: n={len(xs)} median {statistics.median(xs):.2f} s, max {max(xs):.2f} s")
