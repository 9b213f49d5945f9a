#!/usr/bin/env bash
# Runs the Python client suite (pytest) against the packaged tracking server on a fresh embedded
# PostgreSQL, once per mlflow client version: MLFLOW_VERSIONS (default "3.12.0 3.17.2": the version the
# seed's example runs verbatim on, and the newest that installs here). One venv per version,
# tracking-server/target/pyenv-<version>, reused while requirements.txt and the version are unchanged
# (pip's own cache is reused too).
#   SKIP_BUILD=1      reuse target/quarkus-app and target/test-classes as they are
#   MLFLOW_VERSIONS   e.g. "3.17.2" to run one version only
#   extra arguments go to pytest (e.g. -k artifacts -x)
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(cd "$HERE/../../.." && pwd)"
ROOT="$(cd "$MODULE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VERSIONS="${MLFLOW_VERSIONS:-3.12.0 3.17.2}"
MVN="mvn"
[ -x "$ROOT/mvnw" ] && MVN="$ROOT/mvnw"

venv_for() { # version -> path of a ready venv
  local v="$1" venv="$MODULE/target/pyenv-$1" stamp
  stamp="$(cat "$HERE/requirements.txt"; echo "mlflow==$v")"
  if [ ! -x "$venv/bin/python" ] || [ "$stamp" != "$(cat "$venv/.dms-requirements" 2>/dev/null)" ]; then
    echo "== creating venv $venv (mlflow $v)" >&2
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv" || return 1
    "$venv/bin/pip" install -q --disable-pip-version-check "mlflow==$v" -r "$HERE/requirements.txt" >&2 || return 1
    printf '%s' "$stamp" > "$venv/.dms-requirements"
  fi
  echo "$venv"
}

if [ "${SKIP_BUILD:-0}" != "1" ] || [ ! -f "$MODULE/target/quarkus-app/quarkus-run.jar" ]; then
  echo "== building tracking-server (package, tests compiled, not run)"
  (cd "$ROOT" && "$MVN" -B -q -pl tracking-server -am package -DskipTests) || exit 1
fi
CP_FILE="$MODULE/target/python-suite-classpath.txt"
if [ ! -s "$CP_FILE" ] || [ "$MODULE/pom.xml" -nt "$CP_FILE" ]; then
  (cd "$ROOT" && "$MVN" -B -q -pl tracking-server dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE") || exit 1
fi
# this worktree's reactor modules (built above) rather than snapshots installed in ~/.m2
REACTOR_CP="$(tr ':' '\n' < "$CP_FILE" | while read -r jar || [ -n "$jar" ]; do
  case "$jar" in
    */dev/dmsmlflow/*/0.1.0-SNAPSHOT/*.jar) mod="$(basename "$(dirname "$(dirname "$jar")")")"
      if [ -d "$ROOT/$mod/target/classes" ]; then echo "$ROOT/$mod/target/classes"; else echo "$jar"; fi ;;
    *) echo "$jar" ;;
  esac
done | paste -sd: -)"

export DMS_TRACKING_JAR="$MODULE/target/quarkus-app/quarkus-run.jar"
export DMS_PG_CLASSPATH="$MODULE/target/test-classes:$REACTOR_CP"
export MLFLOW_DISABLE_TELEMETRY=true
export DO_NOT_TRACK=true
status=0
for v in $VERSIONS; do
  venv="$(venv_for "$v")" || { echo "== mlflow $v: could not create its venv" >&2; status=1; continue; }
  export DMS_WORK_DIR="$MODULE/target/python-suite/mlflow-$v"
  mkdir -p "$DMS_WORK_DIR"
  echo "== Python client suite with mlflow $v"
  (cd "$HERE" && "$venv/bin/python" -m pytest -q -p no:cacheprovider \
      --junitxml="$DMS_WORK_DIR/junit.xml" -o junit_suite_name="mlflow-$v" "$@" .) || status=1
done
exit $status
