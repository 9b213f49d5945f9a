#!/usr/bin/env bash
# Runs the Python client suite (pytest) against the packaged tracking server on a fresh embedded
# PostgreSQL. The venv lives in tracking-server/target/pyenv and is reused while requirements.txt
# is unchanged (pip's own cache is reused too).
#   SKIP_BUILD=1  reuse target/quarkus-app and target/test-classes as they are
#   extra arguments go to pytest (e.g. -k artifacts -x)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(cd "$HERE/../../.." && pwd)"
ROOT="$(cd "$MODULE/.." && pwd)"
VENV="$MODULE/target/pyenv"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$HERE/requirements.txt" "$VENV/.dms-requirements"; then
  echo "== creating venv $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/.dms-requirements"
fi

if [ "${SKIP_BUILD:-0}" != "1" ] || [ ! -f "$MODULE/target/quarkus-app/quarkus-run.jar" ]; then
  echo "== building tracking-server (package, tests compiled, not run)"
  (cd "$ROOT" && ./mvnw -B -q -pl tracking-server -am package -DskipTests)
fi
CP_FILE="$MODULE/target/python-suite-classpath.txt"
if [ ! -s "$CP_FILE" ] || [ "$MODULE/pom.xml" -nt "$CP_FILE" ]; then
  (cd "$ROOT" && ./mvnw -B -q -pl tracking-server dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE")
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
export DMS_WORK_DIR="$MODULE/target/python-suite"
export MLFLOW_DISABLE_TELEMETRY=true
export DO_NOT_TRACK=true
mkdir -p "$DMS_WORK_DIR"
cd "$HERE"
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$MODULE/target/python-suite/junit.xml" "$@" .
