#!/usr/bin/env bash
# Notebook benchmark (not a test): starts PostgreSQL, Kafka, network-service, instance-service and notebook-service (the
# packaged jars, local runtime), then times notebook session create -> RUNNING (JupyterLab answering): first with empty
# caches (a fresh uv cache and environment cache under the run's directory: every package downloaded and resolved), then
# N more sessions of the same image and packages with those caches warm. Prints p50/p90/max. Extra arguments go to
# NotebookBenchmark (--sessions N, --image I, --packages P, --dir D). MVN selects the Maven command (default: ./mvnw).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ${MVN:-./mvnw} -q -B -pl bench/notebooks -am package -DskipTests
fi
echo "load before the run: $(uptime)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Ddms.e2e.root="$PWD" \
  -cp "$(cat bench/notebooks/target/bench.classpath):bench/notebooks/target/classes" \
  dev.dmsmlflow.bench.notebooks.NotebookBenchmark "$@"
echo "load after the run: $(uptime)"
