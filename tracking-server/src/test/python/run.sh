#!/usr/bin/env bash
# Runs the Python client suite (pytest) against the packaged tracking server on a fresh embedded
# PostgreSQL, once per mlflow client version: MLFLOW_VERSIONS (default "3.12.0 3.18.0 2.22.5": the version the
# seed's example runs verbatim on, the newest release, and the newest 2.x; the 2.x suite runs in under a minute here).
# One venv per version and
# requirements, ${XDG_CACHE_HOME:-~/.cache}/dms-mlflow/pyenv/mlflow-<version>-<hash> (DMS_PYENV_DIR moves it), reused
# by every checkout while requirements.txt, the version and its pins are unchanged (pip's own cache is reused too).
#   SKIP_BUILD=1      reuse target/quarkus-app and target/test-classes as they are
#   MLFLOW_VERSIONS   e.g. "3.17.2" to run one version only
#   MAVEN_ARGS=-o     keep the Maven calls offline
#   extra arguments go to pytest (e.g. -k artifacts -x)
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(cd "$HERE/../../.." && pwd)"
ROOT="$(cd "$MODULE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VERSIONS="${MLFLOW_VERSIONS:-3.12.0 3.18.0 2.22.5}"
MVN="mvn"
[ -x "$ROOT/mvnw" ] && MVN="$ROOT/mvnw"

# PyPI can serve a release's full `mlflow` wheel before its companion wheels `mlflow-skinny` and `mlflow-tracing` (so
# it was with 3.18.0), and then `pip install mlflow==V` fails. The full wheel carries every module of both companions,
# so the client is complete without them: install that wheel as it is (no dependencies), then what it requires besides
# the companions, plus what the newest served companions require (their own modules are not installed).
install_without_companions() { # venv version
  local venv="$1" v="$2" dl
  dl="$(mktemp -d)"
  echo "== mlflow $v: its companion wheels are not served; installing the full wheel without them" >&2
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$dl" "mlflow==$v" mlflow-skinny mlflow-tracing \
    || return 1
  "$venv/bin/python" - "$dl" > "$dl/requirements.txt" <<'PY' || return 1
import pathlib, re, sys, zipfile
for wheel in sorted(pathlib.Path(sys.argv[1]).glob("*.whl")):
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        for line in z.read(meta).decode().splitlines():
            if line.startswith("Requires-Dist: ") and "extra ==" not in line:
                req = line[len("Requires-Dist: "):]
                name = re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0].lower().replace("_", "-")
                if name not in ("mlflow-skinny", "mlflow-tracing"):
                    print(req)
PY
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "$dl"/mlflow-"$v"-*.whl || return 1
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$dl/requirements.txt" -r "$HERE/requirements.txt" || return 1
  rm -rf "$dl"
}

client_pins() { # version -> what that client line needs beside it, one requirement a line
  case "$1" in
    # mlflow 2.x's span processor skips SimpleSpanProcessor.__init__, and opentelemetry-sdk from 1.41 on uses what that
    # sets: the processor fails silently and no trace is ever exported, whatever the server. The SDK of 2.x's time works.
    2.*) echo "opentelemetry-sdk<1.41" ;;
  esac
}

# venvs live in the tool cache, named by a hash of what they hold, so that a fresh clone (CI's) reuses them
PYENV_DIR="${DMS_PYENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dms-mlflow/pyenv}"

venv_for() { # version -> path of a ready venv
  local v="$1" venv stamp pins
  pins="$(client_pins "$v")"
  stamp="$(cat "$HERE/requirements.txt"; echo "mlflow==$v"; echo "$pins")"
  venv="$PYENV_DIR/mlflow-$v-$(printf '%s' "$stamp" | sha256sum | cut -c1-12)"
  mkdir -p "$PYENV_DIR"
  # one creator at a time (two checkouts may run the suite at once); the others wait and reuse it
  exec 9> "$venv.lock"
  flock 9
  if [ ! -x "$venv/bin/python" ] || [ "$stamp" != "$(cat "$venv/.dms-requirements" 2>/dev/null)" ]; then
    echo "== creating venv $venv (mlflow $v)" >&2
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv" || return 1
    if ! "$venv/bin/pip" install -q --disable-pip-version-check "mlflow==$v" $pins -r "$HERE/requirements.txt" >&2; then
      "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$venv/.probe" "mlflow==$v" >/dev/null 2>&1 \
        && ! "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$venv/.probe" "mlflow-skinny==$v" \
          >/dev/null 2>&1 || return 1
      install_without_companions "$venv" "$v" >&2 || return 1
    fi
    rm -rf "$venv/.probe"
    printf '%s' "$stamp" > "$venv/.dms-requirements"
  fi
  exec 9>&-
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
