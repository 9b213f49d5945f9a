#!/usr/bin/env bash
# Provisioning benchmark (not a test): starts PostgreSQL, Kafka, network-service and instance-service (the packaged
# jars, local provider), creates N instances (default 20), times create -> RUNNING for each, releases them and times
# release -> RELEASED, then prints p50/p99/max, creates per minute and where the CPU went during the creates. Extra
# arguments go to ProvisioningBenchmark (--instances N, --concurrency C, --dir D, --throwaway, --cluster for the 3-broker
# Kafka cluster, --replicas N for N replicas of each service). MVN selects the Maven command (default: mvn).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ${MVN:-mvn} -q -B -pl bench/provisioning -am install -DskipTests
fi
echo "load before the run: $(uptime)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Ddms.e2e.root="$PWD" \
  -cp "$(cat bench/provisioning/target/bench.classpath):bench/provisioning/target/classes" \
  dev.dmsmlflow.bench.provisioning.ProvisioningBenchmark "$@"
echo "load after the run: $(uptime)"
