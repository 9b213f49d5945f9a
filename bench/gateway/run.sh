#!/usr/bin/env bash
# Gateway benchmark (not a test): starts PostgreSQL, Kafka, network-service, instance-service and the api-gateway (the
# packaged jars), creates one instance, then measures with wrk an authenticated GET of it straight to instance-service
# (service token) and through the gateway (API key): latency with one connection, throughput with many.
# Extra arguments go to GatewayBenchmark (--duration S, --connections C, --dir D). Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ./mvnw -q -B -pl bench/gateway -am install -DskipTests
fi
echo "load before the run: $(uptime)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Ddms.e2e.root="$PWD" -Ddms.e2e.production-jvm=true \
  -cp "$(cat bench/gateway/target/bench.classpath):bench/gateway/target/classes" \
  dev.dmsmlflow.bench.gateway.GatewayBenchmark "$@"
echo "load after the run: $(uptime)"
