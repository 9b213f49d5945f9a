#!/usr/bin/env bash
# tracking-server benchmark: our server vs upstream `mlflow server` (from PyPI) on the same PostgreSQL.
# Not a test. Usage: bench/tracking/run.sh [--runs 5000] [--duration 5] [--only ours] ... (see bench.py --help)
#   BENCH_NO_BUILD=1 skips the Maven build (uses the existing jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
MLFLOW_VERSION=3.12.0
VENV=bench/tracking/.venv
if [[ "${BENCH_NO_BUILD:-}" != 1 || ! -f tracking-server/target/quarkus-app/quarkus-run.jar ]]; then
  echo "building tracking-server (mvn -q -pl tracking-server -am package -DskipTests)"
  mvn -q -B -pl tracking-server -am package -DskipTests
fi
if [[ ! -f local-infra/target/local-infra.classpath ]]; then
  mvn -q -B -pl local-infra -am install -DskipTests
fi
if ! "$VENV/bin/python" -c "import mlflow, psycopg2, sys; sys.exit(mlflow.__version__ != '$MLFLOW_VERSION')" 2>/dev/null; then
  echo "installing mlflow==$MLFLOW_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "mlflow==$MLFLOW_VERSION" psycopg2-binary
fi
exec "$VENV/bin/python" bench/tracking/bench.py "$@"
