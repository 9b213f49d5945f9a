#!/usr/bin/env bash
# tracking-server benchmark: our server vs upstream `mlflow server` (from PyPI) on the same PostgreSQL.
# Not a test. Usage: bench/tracking/run.sh [--runs 5000] [--duration 5] [--only ours] ... (see bench.py --help)
#   bench/tracking/run.sh --walls   the hardening's cost: log-metric and search through the load balancer before/after
#   BENCH_NO_BUILD=1 skips the Maven build (uses the existing jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
MLFLOW_VERSION=3.12.0
VENV=bench/tracking/.venv
if [[ "${BENCH_NO_BUILD:-}" != 1 || ! -f tracking-server/target/quarkus-app/quarkus-run.jar ]]; then
  echo "building tracking-server (mvn -q -pl tracking-server -am package -DskipTests)"
  mvn -q -B -pl tracking-server -am package -DskipTests
fi
if [[ " $* " == *" --walls "* ]]; then
  # network-service's load balancer alone (BenchProxy, in its test classes) and its classpath; this worktree's own
  # platform and contracts classes stand in for their jars
  if [[ "${BENCH_NO_BUILD:-}" != 1 || ! -f network-service/target/test-classes/dev/dmsmlflow/network/provider/local/BenchProxy.class ]]; then
    echo "building network-service's test classes (mvn -q -pl network-service -am test-compile)"
    mvn -q -B -pl network-service -am test-compile
  fi
  if [[ ! -s network-service/target/bench.classpath || network-service/pom.xml -nt network-service/target/bench.classpath ]]; then
    mvn -q -B -pl network-service dependency:build-classpath -Dmdep.outputFile=target/bench.classpath.raw
    tr ':' '\n' < network-service/target/bench.classpath.raw | while read -r jar; do
      case "$jar" in
        */dev/dmsmlflow/*/0.1.0-SNAPSHOT/*.jar) mod="$(basename "$(dirname "$(dirname "$jar")")")"
          if [[ -d "$mod/target/classes" ]]; then echo "$PWD/$mod/target/classes"; else echo "$jar"; fi ;;
        *) echo "$jar" ;;
      esac
    done | paste -sd: - > network-service/target/bench.classpath
  fi
fi
if [[ ! -f local-infra/target/local-infra.classpath ]]; then
  mvn -q -B -pl local-infra -am install -DskipTests
fi
if [[ " $* " == *" --walls "* ]]; then
  # our server only: the client needs psycopg2 (search data loaded with SQL), not mlflow
  if ! "$VENV/bin/python" -c "import psycopg2" 2>/dev/null; then
    echo "installing psycopg2-binary into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q psycopg2-binary
  fi
elif ! "$VENV/bin/python" -c "import mlflow, psycopg2, sys; sys.exit(mlflow.__version__ != '$MLFLOW_VERSION')" 2>/dev/null; then
  echo "installing mlflow==$MLFLOW_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "mlflow==$MLFLOW_VERSION" psycopg2-binary
fi
exec "$VENV/bin/python" bench/tracking/bench.py "$@"
