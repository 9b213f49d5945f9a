#!/usr/bin/env bash
# Builds and runs the outbox benchmark; extra arguments go to OutboxBenchmark (see its doc comment).
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -B -pl bench/outbox -am install -DskipTests
exec java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.io.debezium.metrics=error \
  -cp "$(cat bench/outbox/target/bench.classpath):bench/outbox/target/classes" dev.dmsmlflow.bench.OutboxBenchmark "$@"
