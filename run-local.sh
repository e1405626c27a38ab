#!/usr/bin/env bash
# Runs the whole odds pipeline locally on embedded defaults (no AWS, no setup): three Kafka clusters, a Connect worker
# with the bundle ZIP and every connector of connector-configs/ (local overlay), PostgreSQL, Redis, an S3 store and a
# vendor simulator; prints progress, then a reconciled summary.
# Options: --duration=SECONDS (60) --rate=EVENTS_PER_S (40) --events-per-game=N (1500) --malformed=RATIO (0.02) --oversized
#          --drain=SECONDS (60) --warmup=SECONDS (0) --keep-running (until Ctrl-C) --help. Logs: tests/target/local-pipeline.log
# Benchmark: --bench[=500,2000,5000] runs a fresh pipeline per rate (15 s warm-up, 30 s measured) and prints a table.
# ODDSUPDATE_PLUGINS=/path/odds-update-bundle-X.zip,... replaces the ZIP of the same name (try a build before it lands).
set -euo pipefail
cd "$(dirname "$0")"
echo "building the plugin ZIPs and the runner (mvn package)..."
mvn -B -q package -DskipTests
exec java -Xmx3g \
  -Dlog4j.configuration="file:$PWD/tests/src/test/resources/local-pipeline-log4j.properties" \
  -Doddsupdate.log.file="$PWD/tests/target/local-pipeline.log" \
  -Doddsupdate.root="$PWD" \
  -Doddsupdate.plugins="${ODDSUPDATE_PLUGINS:-}" \
  -cp "tests/target/test-classes:$(cat tests/target/runner-classpath.txt)" \
  io.oddsupdate.connect.tests.LocalPipeline "$@"
