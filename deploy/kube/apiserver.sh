# Sourced by scripts that need a real Kubernetes API server for a while (deploy/helm/test.sh): kube_start DIR starts etcd and
# kube-apiserver (deploy/kube/build.sh's binaries) on free loopback ports with their data in DIR and sets KUBE_URL,
# KUBE_TOKEN_FILE (a static token of user admin, group system:masters) and KUBE_CA (the serving certificate and its CA, made
# by the API server); kube_stop ends both. The same flags as local-infra's LocalKubernetes. Both servers also end when the
# sourcing shell does, however it ends: their standard input is a FIFO whose only writer is that shell.

kube_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

kube_start() { # DIR
  local dir="$1" bin etcd_port peer_port port deadline
  bin="$(bash "$(dirname "${BASH_SOURCE[0]}")/build.sh")" || return 1
  mkdir -p "$dir/certs" && chmod 700 "$dir"
  etcd_port="$(kube_free_port)"; peer_port="$(kube_free_port)"; port="$(kube_free_port)"
  KUBE_TOKEN_FILE="$dir/token"
  (umask 077; head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$KUBE_TOKEN_FILE"
   printf '%s,admin,admin,"system:masters"\n' "$(cat "$KUBE_TOKEN_FILE")" > "$dir/tokens.csv"
   openssl genrsa -out "$dir/service-account.key" 2048 2>/dev/null
   openssl rsa -in "$dir/service-account.key" -pubout -out "$dir/service-account.pub" 2>/dev/null) || return 1
  mkfifo "$dir/stdin"
  exec {KUBE_STDIN_FD}<> "$dir/stdin"
  DMS_EXIT_WITH_STDIN=1 "$bin/etcd" --name=dms --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="dms=http://127.0.0.1:$peer_port" --unsafe-no-fsync=true --log-level=warn \
    < "$dir/stdin" {KUBE_STDIN_FD}>&- > "$dir/etcd.log" 2>&1 &
  KUBE_ETCD_PID=$!
  DMS_EXIT_WITH_STDIN=1 "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" --cert-dir="$dir/certs" \
    --token-auth-file="$dir/tokens.csv" --anonymous-auth=false --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$dir/service-account.pub" --service-account-signing-key-file="$dir/service-account.key" \
    --service-cluster-ip-range=10.96.0.0/16 --endpoint-reconciler-type=none \
    --enable-priority-and-fairness=false --profiling=false \
    < "$dir/stdin" {KUBE_STDIN_FD}>&- > "$dir/kube-apiserver.log" 2>&1 &
  KUBE_APISERVER_PID=$!
  KUBE_URL="https://127.0.0.1:$port"
  KUBE_CA="$dir/certs/apiserver.crt"
  deadline=$((SECONDS + 120))
  until [[ -f "$KUBE_CA" ]] && curl -sf --cacert "$KUBE_CA" -H "Authorization: Bearer $(cat "$KUBE_TOKEN_FILE")" \
        "$KUBE_URL/readyz" > /dev/null 2>&1; do
    if (( SECONDS > deadline )) || ! kill -0 "$KUBE_APISERVER_PID" 2>/dev/null || ! kill -0 "$KUBE_ETCD_PID" 2>/dev/null; then
      echo "the Kubernetes API server did not get ready:" >&2
      tail -n 20 "$dir/etcd.log" "$dir/kube-apiserver.log" >&2
      kube_stop
      return 1
    fi
    sleep 0.1
  done
}

kube_stop() {
  [[ -n "${KUBE_APISERVER_PID:-}" ]] && kill "$KUBE_APISERVER_PID" 2>/dev/null && wait "$KUBE_APISERVER_PID" 2>/dev/null
  [[ -n "${KUBE_ETCD_PID:-}" ]] && kill "$KUBE_ETCD_PID" 2>/dev/null && wait "$KUBE_ETCD_PID" 2>/dev/null
  KUBE_APISERVER_PID=; KUBE_ETCD_PID=
  return 0
}
