#!/usr/bin/env bash
# Runs the whole odds pipeline locally on embedded defaults (no AWS, no setup): three Kafka clusters, a Connect worker
# with the bundle ZIP and every connector of connector-configs/ (local overlay), PostgreSQL, Redis, an S3 store and a
# vendor simulator; prints progress, then a reconciled summary. ./run-local.sh --help lists the options; docs/local-run.md
# says what runs and what it prints.
#
# The command line is checked before the build, so --help and a bad option answer at once: by the runner's own option
# class (tests/src/main/java/.../LocalPipelineOptions.java, picocli), compiled alone into tests/target/cli the first time
# and whenever it changed (javac, ~2 s; picocli is copied once into the same folder, from the local Maven repository or
# by Maven). Then the build, then the runner, which parses the same command line with the same class.
set -euo pipefail
CALLER_DIR="$PWD" # relative paths on the command line (--keep-data) are relative to it
cd "$(dirname "$0")"
ROOT="$PWD"
OPTIONS_SRC=tests/src/main/java/io/oddsupdate/connect/tests/LocalPipelineOptions.java
OPTIONS_CLASS=io.oddsupdate.connect.tests.LocalPipelineOptions
CLI=tests/target/cli
PICOCLI_VERSION="$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml)"
PICOCLI="$CLI/picocli-$PICOCLI_VERSION.jar"

check_command_line() {
  local cached="${HOME}/.m2/repository/info/picocli/picocli/$PICOCLI_VERSION/picocli-$PICOCLI_VERSION.jar"
  if [[ ! -f "$PICOCLI" && -f "$cached" ]]; then
    mkdir -p "$CLI" && cp "$cached" "$PICOCLI"
  fi
  if [[ ! -f "$PICOCLI" ]]; then
    local log
    if ! log="$(mvn -B -q -N dependency:copy -Dartifact="info.picocli:picocli:$PICOCLI_VERSION" -DoutputDirectory="$ROOT/$CLI" 2>&1)"; then
      echo "$log" >&2
      echo "./run-local.sh: cannot fetch picocli $PICOCLI_VERSION to check the command line (Maven's output above)" >&2
      exit 1
    fi
  fi
  local class="$CLI/classes/${OPTIONS_CLASS//.//}.class"
  if [[ ! -f "$class" || "$OPTIONS_SRC" -nt "$class" ]]; then
    rm -rf "$CLI/classes"
    javac -nowarn -d "$CLI/classes" -cp "$PICOCLI" "$OPTIONS_SRC"
  fi
  local status=0
  java -XX:TieredStopAtLevel=1 -Doddsupdate.cwd="$CALLER_DIR" -cp "$CLI/classes:$PICOCLI" "$OPTIONS_CLASS" "$@" || status=$?
  # PROCEED (10): a run to start; anything else was printed (the usage, or an error and the usage) and is the status
  if [[ $status -ne 10 ]]; then
    exit "$status"
  fi
}

check_command_line "$@"
echo "building the plugin ZIPs and the runner (mvn package)..."
# (Maven 3.8 writes colour resets even in batch mode: dropped, so a log or a pipe gets plain text)
mvn -B -q package -DskipTests 2>&1 | sed -u $'s/\e\\[[0-9;]*m//g'
exec java -Xmx3g \
  -Dlog4j.configuration="file:$ROOT/tests/src/main/resources/local-pipeline-log4j.properties" \
  -Doddsupdate.log.file="$ROOT/tests/target/local-pipeline.log" \
  -Doddsupdate.root="$ROOT" \
  -Doddsupdate.cwd="$CALLER_DIR" \
  -Doddsupdate.plugins="${ODDSUPDATE_PLUGINS:-}" \
  -cp "tests/target/classes:$(cat tests/target/runner-classpath.txt)" \
  io.oddsupdate.connect.tests.LocalPipeline "$@"
