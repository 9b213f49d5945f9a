#!/usr/bin/env bash
# Billing benchmark (not a test): usage readings ingested and rated end to end per second, and the time to export
# 1,000,000 line items as CSV, Parquet and both. Runs billing-service's BillingBench (a @QuarkusTest that is skipped
# unless dms.bench=true) against the tests' real PostgreSQL and Kafka broker; prints lines starting with BENCH.
# Also prints the CPU (user + system, from /proc) per 1,000 readings of the service's side of the JVM, PostgreSQL and the
# broker while the readings are ingested.
#   bench/billing/run.sh [--events N] [--export-rows N] [--probe last|sql]
#   --probe sql: wait for the readings with the first figures' probe (a count over the ledger every 50 ms)
set -euo pipefail
cd "$(dirname "$0")/../.."
events=200000
rows=1000000
probe=last
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --export-rows) rows="$2"; shift 2 ;;
    --probe) probe="$2"; shift 2 ;;
    *) echo "usage: $0 [--events N] [--export-rows N] [--probe last|sql]" >&2; exit 2 ;;
  esac
done
echo "uptime at start: $(uptime)"
./mvnw -B -q -pl billing-service -am verify -DskipITs -Dtest=BillingBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Ddms.bench=true -Ddms.bench.events="$events" -Ddms.bench.export-rows="$rows" -Ddms.bench.probe="$probe" \
  2>&1 | grep -E '^BENCH|ERROR|FAIL' || true
echo "uptime at end: $(uptime)"
