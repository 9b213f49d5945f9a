#!/usr/bin/env bash
# Builds the Kubernetes API server and etcd of deploy/kube/go.mod (k8s.io/kubernetes v1.37.2) from their Go modules, for the
# tests of the Kubernetes providers (local-infra's LocalKubernetes runs this when it has no binaries).
#
# The binaries are cached under ${XDG_CACHE_HOME:-~/.cache}/dms-mlflow/tools/kube-<hash>/ (kube-apiserver, etcd), the hash
# taken over go.mod, go.sum and the sources here: only the first run on a machine (and the first after a change) pays the
# build. Progress goes to stderr; the last line on stdout is that directory. Needs Go (PATH, or /usr/local/go/bin) and, on
# the first run, the Go module proxy. A lock keeps two test JVMs from building at once.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBE_VERSION=v1.37.2
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/dms-mlflow/tools"

hash="$(cd "$HERE" && cat go.mod go.sum $(find . -name '*.go' | LC_ALL=C sort) | sha256sum | cut -c1-16)"
OUT="$TOOLS/kube-$KUBE_VERSION-$hash"

if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" ]]; then
  echo "kube-apiserver $KUBE_VERSION and etcd: cached ($OUT)" >&2
  echo "$OUT"
  exit 0
fi

GO="$(command -v go || true)"
[[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
if [[ -z "$GO" ]]; then
  echo "kube-apiserver: Go is needed to build it and was not found on PATH or in /usr/local/go/bin" >&2
  exit 1
fi

mkdir -p "$TOOLS"
exec 9> "$TOOLS/kube-build.lock"
flock 9
if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" ]]; then # built by another caller while this one waited
  echo "kube-apiserver $KUBE_VERSION and etcd: cached ($OUT)" >&2
  echo "$OUT"
  exit 0
fi

echo "kube-apiserver $KUBE_VERSION and etcd: building from deploy/kube (first run on this machine, or after a change: minutes)" >&2
WORK="$(mktemp -d "$TOOLS/kube-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
VERSION_PKG=k8s.io/component-base/version
TIMEFORMAT="kube-apiserver and etcd built in %R s (CPU: %U s user, %S s system)"
time (cd "$HERE" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly" "$GO" build -trimpath -ldflags "-s -w \
      -X $VERSION_PKG.gitVersion=$KUBE_VERSION -X $VERSION_PKG.gitMajor=1 -X $VERSION_PKG.gitMinor=37 \
      -X $VERSION_PKG.gitTreeState=clean" \
      -o "$WORK/" ./cmd/kube-apiserver ./cmd/etcd >&2)
mkdir -p "$OUT"
mv -f "$WORK/kube-apiserver" "$WORK/etcd" "$OUT/"
echo "$OUT"
