#!/usr/bin/env bash
# Tests of the Helm chart deploy/helm/dms-mlflow, run by `./dms test` after the Python suite (and alone: bash deploy/helm/test.sh).
#
#  - helm is built from its Go module (helm.sh/helm/v3) and the manifest validator from deploy/helm/validate; both are
#    cached under ${XDG_CACHE_HOME:-~/.cache}/dms-mlflow/tools, so only the first run pays the builds
#  - helm lint --strict and helm template with the default values and with ci/replicated-aliyun-values.yaml
#  - the rendered manifests decoded strictly into the Kubernetes API's types (k8s.io/api) plus the house rules
#  - values the schema must refuse, and broken manifests the validator must refuse (so that both can fail)
#  - a server-side dry run of the renderings on a real Kubernetes API server (kube-apiserver and etcd of deploy/kube, built
#    and cached like helm by deploy/kube/build.sh), and a manifest only the server refuses
#
# Needs Go (PATH, or /usr/local/go/bin) and, on the first run, the Go module proxy. Prints "N passed, N failed" last.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHART="$HERE/dms-mlflow"
SECOND_VALUES="$CHART/ci/replicated-aliyun-values.yaml"
HELM_VERSION=v3.22.0
# the Kubernetes version helm renders for (.Capabilities.KubeVersion): the one of its client-go, k8s.io/* v0.37
KUBE_MINOR=37
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/dms-mlflow/tools"
START=$SECONDS
passed=0
failed=0

GO="$(command -v go || true)"
[[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
if [[ -z "$GO" ]]; then
  echo "helm chart tests: Go is needed (to build helm and the validator) and was not found on PATH or in /usr/local/go/bin" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

WORK="$(mktemp -d)"
# shellcheck source=../kube/apiserver.sh
source "$HERE/../kube/apiserver.sh"
trap 'kube_stop; rm -rf "$WORK"' EXIT

say() { printf '== %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; [[ -f "${2:-}" ]] && sed 's/^/     /' "$2" | tail -n 30; }

# helm from its Go module, with the Kubernetes version it renders for set as its release build does
HELM="$TOOLS/helm-$HELM_VERSION/helm"
if [[ -x "$HELM" ]]; then
  say "helm $HELM_VERSION: cached ($HELM)"
else
  say "helm $HELM_VERSION: building from helm.sh/helm/v3@$HELM_VERSION (first run only)"
  t=$SECONDS
  mkdir -p "$TOOLS"
  if ! GOBIN="$WORK/bin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$GO" install -trimpath -ldflags "-s -w \
        -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
        -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR" \
        "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" > "$WORK/helm-build.log" 2>&1; then
    fail "build helm $HELM_VERSION" "$WORK/helm-build.log"
    echo "$passed passed, $failed failed"
    exit 1
  fi
  mkdir -p "$(dirname "$HELM")" && mv -f "$WORK/bin/helm" "$HELM"
  say "helm built in $((SECONDS - t)) s"
fi

# the validator, cached under a hash of its sources so that a change rebuilds it
hash="$(cat "$HERE/validate/go.mod" "$HERE/validate/go.sum" "$HERE"/validate/*.go | sha256sum | cut -c1-16)"
VALIDATE="$TOOLS/dms-validate-$hash/validate"
if [[ -x "$VALIDATE" ]]; then
  say "manifest validator: cached ($VALIDATE)"
else
  say "manifest validator: building deploy/helm/validate (first run after a change only)"
  t=$SECONDS
  if ! (cd "$HERE/validate" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$GO" build -trimpath -ldflags "-s -w" -o "$WORK/validate" .) \
       > "$WORK/validate-build.log" 2>&1; then
    fail "build the manifest validator" "$WORK/validate-build.log"
    echo "$passed passed, $failed failed"
    exit 1
  fi
  mkdir -p "$(dirname "$VALIDATE")" && mv -f "$WORK/validate" "$VALIDATE"
  say "validator built in $((SECONDS - t)) s"
fi

# expect_ok NAME COMMAND...: the command succeeds
expect_ok() {
  local name="$1"; shift
  if "$@" > "$WORK/out" 2>&1; then pass "$name"; else fail "$name" "$WORK/out"; fi
}

# expect_refused NAME PATTERN COMMAND...: the command fails and says PATTERN (an extended regular expression)
expect_refused() {
  local name="$1" pattern="$2"; shift 2
  if "$@" > "$WORK/out" 2>&1; then
    fail "$name (accepted, but must be refused)" "$WORK/out"
  elif grep -Eq -- "$pattern" "$WORK/out"; then
    pass "$name: $(grep -Eo -m1 -- "$pattern" "$WORK/out" | head -n 1)"
  else
    fail "$name (refused, but without /$pattern/)" "$WORK/out"
  fi
}

# expect_in NAME FILE PATTERN / expect_not_in: the rendered FILE has (or has not) a line matching PATTERN
expect_in() { if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1 (no /$3/ in $(basename "$2"))"; fi; }
expect_not_in() { if grep -Eq -- "$3" "$2"; then fail "$1 (/$3/ in $(basename "$2"))"; else pass "$1"; fi; }

say "lint (--strict: warnings fail too)"
expect_ok "helm lint --strict, default values" "$HELM" lint --strict "$CHART"
expect_ok "helm lint --strict, replicated-aliyun values" "$HELM" lint --strict "$CHART" -f "$SECOND_VALUES"

say "render and validate against the Kubernetes API's types and the house rules"
DEFAULT="$WORK/default.yaml"
SECOND="$WORK/replicated-aliyun.yaml"
expect_ok "helm template, default values" "$HELM" template dms "$CHART" --namespace dms --output-dir "$WORK/render-default"
"$HELM" template dms "$CHART" --namespace dms > "$DEFAULT" 2>/dev/null
expect_ok "helm template, replicated-aliyun values" "$HELM" template dms "$CHART" --namespace dms -f "$SECOND_VALUES"
"$HELM" template dms "$CHART" --namespace dms -f "$SECOND_VALUES" > "$SECOND" 2>/dev/null
for rendered in "$DEFAULT" "$SECOND"; do
  if "$VALIDATE" "$rendered" > "$WORK/validation" 2>&1; then
    pass "validate $(basename "$rendered"): $(grep '^decoded' "$WORK/validation")"
    grep '^house rules' "$WORK/validation" | sed 's/^/     /'
  else
    fail "validate $(basename "$rendered")" "$WORK/validation"
  fi
done

say "the values reach the manifests"
expect_in "default: one replica each" "$DEFAULT" '^  replicas: 1$'
expect_not_in "default: no PodDisruptionBudget for single replicas" "$DEFAULT" '^kind: PodDisruptionBudget$'
expect_not_in "default: no Ingress" "$DEFAULT" '^kind: Ingress$'
expect_in "default: kubernetes compute with its Role" "$DEFAULT" '^kind: Role$'
expect_in "default: the tracking servers fetch credentials from this release's instance-service" "$DEFAULT" \
  '^    dms.compute.kubernetes.credentials-url=http://dms-dms-mlflow-instance-service.dms.svc:8080$'
# token mode on kubernetes compute: the tracking servers fetch their MLflow token list from network-service
doc_of() { # FILE KIND NAME: the rendered object KIND/NAME alone
  awk -v kind="kind: $2" -v name="  name: $3" '
    /^---/ { if (hit) printf "%s", doc; doc = ""; k = 0; n = 0; hit = 0; next }
    { doc = doc $0 "\n" } $0 == kind { k = 1 } $0 == name { n = 1 } k && n { hit = 1 }
    END { if (hit) printf "%s", doc }' "$1"
}
# what instance-service reads: its ConfigMap, mounted by its Deployment as config/application.properties
tokens_conf() { doc_of "$1" ConfigMap dms-dms-mlflow-instance-service | grep -- 'dms.compute.kubernetes.tokens-url=' > "$2"; }
doc_of "$DEFAULT" Deployment dms-dms-mlflow-instance-service | grep -A1 -- '- name: config$' > "$WORK/config-volume.txt"
expect_in "default: instance-service's Deployment mounts its own ConfigMap" "$WORK/config-volume.txt" '^ +configMap:$'
doc_of "$DEFAULT" Deployment dms-dms-mlflow-instance-service | grep -A2 -- '- name: config$' | grep -q '^ *name: dms-dms-mlflow-instance-service$' \
  && pass "default: that is the ConfigMap dms-dms-mlflow-instance-service" || fail "default: that is the ConfigMap dms-dms-mlflow-instance-service"
tokens_conf "$DEFAULT" "$WORK/tokens-default.txt"
expect_in "default: instance-service names this release's network-service as the tracking servers' token list" \
  "$WORK/tokens-default.txt" '^    dms.compute.kubernetes.tokens-url=http://dms-dms-mlflow-network-service\.dms\.svc:8080$'
doc_of "$DEFAULT" Service dms-dms-mlflow-network-service > "$WORK/network-service.yaml"
expect_in "default: that Service exists and listens on 8080" "$WORK/network-service.yaml" '^      port: 8080$'
"$HELM" template dms "$CHART" --namespace dms --set compute.kubernetes.tokensUrl=http://tokens.example:8082 > "$WORK/tokensurl.yaml" 2>/dev/null
tokens_conf "$WORK/tokensurl.yaml" "$WORK/tokens-set.txt"
expect_in "compute.kubernetes.tokensUrl set: instance-service gets it" "$WORK/tokens-set.txt" '^    dms.compute.kubernetes.tokens-url=http://tokens\.example:8082$'
expect_in "default: the tracking servers' egress peer is this release's network-service" "$DEFAULT" \
  '^    dms.compute.kubernetes.egress.network-service.pod-selector=app.kubernetes.io/name=dms-mlflow,app.kubernetes.io/instance=dms,app.kubernetes.io/component=network-service$'
expect_in "default: and their credentials peer this release's instance-service" "$DEFAULT" \
  '^    dms.compute.kubernetes.egress.control-plane.pod-selector=app.kubernetes.io/name=dms-mlflow,app.kubernetes.io/instance=dms,app.kubernetes.io/component=instance-service$'
expect_in "default: both in the release's namespace" "$DEFAULT" '^    dms.compute.kubernetes.egress.network-service.namespace-selector=kubernetes.io/metadata.name=dms$'
doc_of "$DEFAULT" NetworkPolicy dms-dms-mlflow-network-service > "$WORK/network-policy.yaml"
expect_in "default: network-service's NetworkPolicy admits the tracking servers" "$WORK/network-policy.yaml" '^              app.kubernetes.io/name: mlflow-tracking-server$'
"$HELM" template dms "$CHART" --namespace dms --set compute.kubernetes.namespace=mlflow-instances > "$WORK/computens-np.yaml" 2>/dev/null
doc_of "$WORK/computens-np.yaml" NetworkPolicy dms-dms-mlflow-network-service > "$WORK/network-policy-ns.yaml"
expect_in "kubernetes compute in its own namespace: network-service admits the tracking servers from there" "$WORK/network-policy-ns.yaml" \
  '^              kubernetes.io/metadata.name: mlflow-instances$'
expect_not_in "second: no kubernetes tokens URL with aliyun compute" "$SECOND" 'dms.compute.kubernetes.tokens-url'
doc_of "$SECOND" NetworkPolicy dms-dms-mlflow-network-service > "$WORK/network-policy-second.yaml"
expect_not_in "second: network-service admits no tracking-server pods with aliyun compute" "$WORK/network-policy-second.yaml" 'mlflow-tracking-server'
expect_in "default: one tracking-server replica per instance" "$DEFAULT" '^    dms.compute.kubernetes.tracking-server-replicas=1$'
"$HELM" template dms "$CHART" --namespace dms --set compute.kubernetes.trackingServerReplicas=3 > "$WORK/trackrep.yaml" 2>/dev/null
expect_in "compute.kubernetes.trackingServerReplicas=3: instance-service gets it" "$WORK/trackrep.yaml" \
  '^    dms.compute.kubernetes.tracking-server-replicas=3$'
doc_of "$DEFAULT" Role dms-dms-mlflow-compute > "$WORK/compute-role.yaml"
expect_in "default: the compute Role covers the instances' PodDisruptionBudgets" "$WORK/compute-role.yaml" 'resources: \["poddisruptionbudgets"\]'
expect_refused "schema: a tokensUrl that is no URL" "at '/compute/kubernetes/tokensUrl'" \
  "$HELM" template dms "$CHART" --set compute.kubernetes.tokensUrl=network-service:8080
expect_not_in "default: no Secret rendered" "$DEFAULT" '^kind: Secret$'
"$HELM" template dms "$CHART" --namespace dms --set compute.kubernetes.namespace=mlflow-instances > "$WORK/computens.yaml" 2>/dev/null
[[ "$(grep -c '^  namespace: mlflow-instances$' "$WORK/computens.yaml")" == 2 ]] \
  && pass "kubernetes compute in its own namespace: the Role and RoleBinding are made there" \
  || fail "kubernetes compute in its own namespace: the Role and RoleBinding are made there" "$WORK/computens.yaml"
expect_in "default: upgrades start the successor first (standby relays are ready)" "$DEFAULT" '^      maxSurge: 1$'
expect_in "default: and stop no pod before it is ready" "$DEFAULT" '^      maxUnavailable: 0$'
expect_not_in "default: no strategy that stops a pod first" "$DEFAULT" '^      maxSurge: 0$'
expect_not_in "default: no load balancer Role with the aliyun network provider" "$DEFAULT" 'name: dms-dms-mlflow-network$'
NETK8S="$WORK/network-kubernetes.yaml"
"$HELM" template dms "$CHART" --namespace dms --set networkService.provider=kubernetes \
  --set-string 'networkService.kubernetes.serviceAnnotations.service\.beta\.kubernetes\.io/alibaba-cloud-loadbalancer-address-type=intranet' \
  > "$NETK8S" 2>"$WORK/network-kubernetes.err" || fail "helm template, kubernetes network provider" "$WORK/network-kubernetes.err"
if "$VALIDATE" "$NETK8S" > "$WORK/validation" 2>&1; then
  pass "validate $(basename "$NETK8S"): $(grep '^decoded' "$WORK/validation")"
else
  fail "validate $(basename "$NETK8S")" "$WORK/validation"
fi
expect_in "kubernetes network provider: network-service's Role" "$NETK8S" '^  name: dms-dms-mlflow-network$'
expect_in "kubernetes network provider: the Role covers configmaps" "$NETK8S" 'resources: \["services", "configmaps"\]'
expect_in "kubernetes network provider: load balancers beside the tracking servers" "$NETK8S" '^    dms.network.kubernetes.namespace=dms$'
expect_in "kubernetes network and compute: token mode offered (the tracking servers check tokens)" "$NETK8S" \
  '^    dms.network.kubernetes.tracking-servers-check-tokens=true$'
NETK8S_ALIYUN="$WORK/network-kubernetes-compute-aliyun.yaml"
"$HELM" template dms "$CHART" --namespace dms --set networkService.provider=kubernetes --set compute.provider=aliyun \
  > "$NETK8S_ALIYUN" 2>"$WORK/network-kubernetes-aliyun.err" \
  || fail "helm template, kubernetes network provider with aliyun compute" "$WORK/network-kubernetes-aliyun.err"
expect_not_in "kubernetes network with another compute: no token mode claimed" "$NETK8S_ALIYUN" 'tracking-servers-check-tokens'
expect_in "kubernetes network provider: the pinned proxy image" "$NETK8S" '^    dms.network.kubernetes.image=nginxinc/nginx-unprivileged:1\.27\.4-alpine$'
expect_in "kubernetes network provider: the Service annotations" "$NETK8S" \
  '^    dms.network.kubernetes.service-annotations."service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"=intranet$'
[[ "$(grep -c '^      automountServiceAccountToken: true$' "$NETK8S")" == 3 ]] \
  && pass "kubernetes network provider: instance-service, network-service (and notebook-service, sessions as Pods) mount their token, nobody else" \
  || fail "kubernetes network provider: instance-service, network-service (and notebook-service, sessions as Pods) mount their token, nobody else" "$NETK8S"
expect_in "kubernetes network provider: notebook sessions reach the nginx pods" "$NETK8S" '^        - port: 8080$'
expect_in "kubernetes network provider: the sessions' Pods may reach the nginx pods" "$NETK8S" \
  '^    dms.notebook.kubernetes.egress.load-balancer-pod-selector=app.kubernetes.io/part-of=dms-mlflow,app.kubernetes.io/component=load-balancer$'
expect_not_in "aliyun network provider: no load-balancer pods for the sessions" "$SECOND" 'load-balancer-pod-selector'
"$HELM" template dms "$CHART" --namespace dms --set networkService.provider=kubernetes --set networkService.kubernetes.namespace=mlflow-lb \
  > "$WORK/networkns.yaml" 2>/dev/null
[[ "$(grep -c '^  namespace: mlflow-lb$' "$WORK/networkns.yaml")" == 2 ]] \
  && pass "kubernetes network provider in its own namespace: the Role and RoleBinding are made there" \
  || fail "kubernetes network provider in its own namespace: the Role and RoleBinding are made there" "$WORK/networkns.yaml"
expect_in "second: two replicas" "$SECOND" '^  replicas: 2$'
[[ "$(grep -c '^kind: PodDisruptionBudget$' "$SECOND")" == 5 ]] && pass "second: 5 PodDisruptionBudgets" \
  || fail "second: 5 PodDisruptionBudgets (found $(grep -c '^kind: PodDisruptionBudget$' "$SECOND"))"
expect_in "second: the gateway's Ingress" "$SECOND" '^kind: Ingress$'
expect_in "second: aliyun compute" "$SECOND" 'value: "aliyun"'
expect_not_in "second: no compute Role without kubernetes compute" "$SECOND" '^  name: dms-dms-mlflow-compute$'
expect_in "second: the sessions' Role (notebook sessions as Pods by default)" "$SECOND" '^  name: dms-dms-mlflow-notebooks$'
expect_not_in "second: no Secret rendered" "$SECOND" '^kind: Secret$'

say "notebook sessions as Pods (notebookService.runtime)"
expect_in "default: notebook-service runs the sessions as Pods" "$DEFAULT" '^    dms.notebook.runtime=kubernetes$'
expect_in "default: notebook-service's Role for the sessions' objects" "$DEFAULT" '^  name: dms-dms-mlflow-notebooks$'
[[ "$(grep -c 'automountServiceAccountToken: true' "$DEFAULT")" == 2 ]] \
  && pass "default: instance-service and notebook-service (only) mount the service-account token" \
  || fail "default: instance-service and notebook-service (only) mount the service-account token (found $(grep -c 'automountServiceAccountToken: true' "$DEFAULT"))"
"$HELM" template dms "$CHART" --namespace dms --set notebookService.kubernetes.namespace=notebooks \
  --set 'notebookService.kubernetes.loadBalancerCidrs={10.0.8.0/24}' --set 'notebookService.kubernetes.httpsCidrs={100.100.0.0/16,10.9.0.0/16}' \
  > "$WORK/notebookns.yaml" 2>/dev/null
[[ "$(grep -c '^  namespace: notebooks$' "$WORK/notebookns.yaml")" == 2 ]] \
  && pass "sessions in their own namespace: the Role and RoleBinding are made there" \
  || fail "sessions in their own namespace: the Role and RoleBinding are made there" "$WORK/notebookns.yaml"
expect_in "sessions in their own namespace: notebook-service is told" "$WORK/notebookns.yaml" '^    dms.notebook.kubernetes.namespace=notebooks$'
expect_in "sessions in their own namespace: notebook-service may reach their Jupyter port there" "$WORK/notebookns.yaml" \
  '^              kubernetes.io/metadata.name: notebooks$'
expect_in "the sessions' egress to the load balancers" "$WORK/notebookns.yaml" '^    dms.notebook.kubernetes.egress.load-balancer-cidrs=10.0.8.0/24$'
expect_in "the sessions' HTTPS egress" "$WORK/notebookns.yaml" '^    dms.notebook.kubernetes.egress.https-cidrs=100.100.0.0/16,10.9.0.0/16$'
expect_in "only notebook-service's pods reach the sessions" "$WORK/notebookns.yaml" \
  '^    dms.notebook.kubernetes.service-pod-selector=app.kubernetes.io/name=dms-mlflow,app.kubernetes.io/instance=dms,app.kubernetes.io/component=notebook-service$'
if "$VALIDATE" "$WORK/notebookns.yaml" > "$WORK/validation" 2>&1; then pass "validate notebookns.yaml: $(grep '^decoded' "$WORK/validation")"
else fail "validate notebookns.yaml" "$WORK/validation"; fi
"$HELM" template dms "$CHART" --namespace dms --set notebookService.runtime=local > "$WORK/notebooklocal.yaml" 2>/dev/null
expect_in "local runtime: told" "$WORK/notebooklocal.yaml" '^    dms.notebook.runtime=local$'
expect_not_in "local runtime: no Role for sessions" "$WORK/notebooklocal.yaml" '^  name: dms-dms-mlflow-notebooks$'
[[ "$(grep -c 'automountServiceAccountToken: true' "$WORK/notebooklocal.yaml")" == 1 ]] \
  && pass "local runtime: notebook-service does not mount the token" || fail "local runtime: notebook-service does not mount the token"

say "values the schema refuses"
expect_refused "schema: replicas 0" "at '/apiGateway/replicas': minimum: got 0, want 1" "$HELM" template dms "$CHART" --set apiGateway.replicas=0
expect_refused "schema: tracking-server replicas 0" "at '/compute/kubernetes/trackingServerReplicas': minimum: got 0, want 1" \
  "$HELM" template dms "$CHART" --set compute.kubernetes.trackingServerReplicas=0
expect_refused "schema: unknown compute provider" "at '/compute/provider': value must be one of .*" "$HELM" template dms "$CHART" --set compute.provider=gcp
expect_refused "schema: unknown network provider" "at '/networkService/provider': value must be one of .*" "$HELM" template dms "$CHART" --set networkService.provider=gcp
expect_refused "schema: a proxy image without a tag" "at '/networkService/kubernetes/image': .*" "$HELM" template dms "$CHART" --set networkService.kubernetes.image=nginx
expect_refused "schema: an inline database password" "at '/instanceService/database': additional properties 'password' not allowed" \
  "$HELM" template dms "$CHART" --set instanceService.database.password=hunter2
expect_refused "schema: a misspelled key" "at '/billingService': additional properties 'replica' not allowed" "$HELM" template dms "$CHART" --set billingService.replica=2
expect_refused "schema: unknown notebook runtime" "at '/notebookService/runtime': value must be one of .*" "$HELM" template dms "$CHART" --set notebookService.runtime=docker
expect_refused "schema: runAsNonRoot false" "at '/podSecurityContext/runAsNonRoot': value must be true" "$HELM" template dms "$CHART" --set podSecurityContext.runAsNonRoot=false

say "broken manifests the validator refuses"
# each case changes one thing in the default rendering (the first match only)
mutate() { # name sed-expression
  sed -E "0,/$2/s/$2/$3/" "$DEFAULT" > "$WORK/$1.yaml"
  cmp -s "$DEFAULT" "$WORK/$1.yaml" || return 0
  echo "mutation $1 changed nothing" >&2; return 1
}
mutate misspelled 'readinessProbe:' 'readinesProbe:' \
  && expect_refused "validator: a misspelled field" 'unknown field "[^"]*readinesProbe"' "$VALIDATE" "$WORK/misspelled.yaml"
mutate wrongtype '^  replicas: 1$' '  replicas: one' \
  && expect_refused "validator: a wrong type" 'cannot unmarshal string into Go struct field [A-Za-z.]*replicas of type int32' "$VALIDATE" "$WORK/wrongtype.yaml"
mutate unknownkind '^kind: Deployment$' 'kind: Deploymnt' \
  && expect_refused "validator: an unknown kind" 'no kind "Deploymnt"' "$VALIDATE" "$WORK/unknownkind.yaml"
mutate writable 'readOnlyRootFilesystem: true' 'readOnlyRootFilesystem: false' \
  && expect_refused "validator: a writable root filesystem" 'readOnlyRootFilesystem is not true' "$VALIDATE" "$WORK/writable.yaml"
{ cat "$DEFAULT"; printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: inline\nstringData:\n  password: hunter2\n'; } > "$WORK/secret.yaml"
expect_refused "validator: a Secret with inline data" 'Secret/inline carries inline data' "$VALIDATE" "$WORK/secret.yaml"
"$HELM" template dms "$CHART" -f "$SECOND_VALUES" --set podDisruptionBudget.enabled=false > "$WORK/nopdb.yaml" 2>/dev/null
expect_refused "validator: replicas 2 without a PodDisruptionBudget" 'has 2 replicas but no PodDisruptionBudget' "$VALIDATE" "$WORK/nopdb.yaml"
"$HELM" template dms "$CHART" --set 'apiGateway.extraEnv[0].name=DMS_DB_PASSWORD' --set 'apiGateway.extraEnv[0].value=hunter2' \
  > "$WORK/literal.yaml" 2>/dev/null
expect_refused "validator: a password as a literal env value" 'sets DMS_DB_PASSWORD to a literal value' "$VALIDATE" "$WORK/literal.yaml"
# the house rule on probes, with the field removed rather than misspelled
awk '/^ +readinessProbe:$/ && !done { skip = 1; indent = match($0, /[^ ]/); done = 1; next }
     skip && match($0, /[^ ]/) > indent { next } { skip = 0; print }' "$DEFAULT" > "$WORK/noreadiness.yaml"
expect_refused "validator: a container without readinessProbe" 'has no readinessProbe' "$VALIDATE" "$WORK/noreadiness.yaml"

say "server-side dry run on a real Kubernetes API server (deploy/kube: kube-apiserver and etcd)"
t=$SECONDS
if kube_start "$WORK/kube" 2> "$WORK/kube-start.log"; then
  say "API server ready in $((SECONDS - t)) s (including the build check)"
  dry_run() { "$VALIDATE" -dry-run-server "$KUBE_URL" -token-file "$KUBE_TOKEN_FILE" -ca-file "$KUBE_CA" -namespace dms "$@"; }
  for rendered in "$DEFAULT" "$SECOND" "$NETK8S" "$WORK/notebookns.yaml" "$WORK/computens.yaml"; do
    if dry_run "$rendered" > "$WORK/dryrun" 2>&1; then
      pass "dry run $(basename "$rendered"): $(grep '^dry run on' "$WORK/dryrun" | sed 's/^dry run on [^:]*: //')"
    else
      fail "dry run $(basename "$rendered")" "$WORK/dryrun"
    fi
  done
  # what the typed decoding takes and only the API server's validation refuses: a Service port out of range
  mutate badport '^      port: 8080$' '      port: 80800' \
    && expect_ok "validator without the API server: takes port 80800" "$VALIDATE" "$WORK/badport.yaml" \
    && expect_refused "dry run: a Service port out of range" 'spec.ports\[0\].port: Invalid value: 80800' dry_run "$WORK/badport.yaml"
  kube_stop
else
  fail "start the Kubernetes API server" "$WORK/kube-start.log"
fi

echo "helm chart tests took $((SECONDS - START)) s"
echo "$passed passed, $failed failed"
(( failed == 0 ))
