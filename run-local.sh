#!/usr/bin/env bash
# Runs the odds pipeline locally on embedded defaults. (Until issue 8 lands: builds the plugin ZIPs and lists them.)
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q package -DskipTests
ls -l */target/*-plugin.zip
