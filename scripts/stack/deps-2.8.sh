#!/usr/bin/env bash
# Resolves the Kafka 2.8.2 jars (Maven Central, once; cached in .cache/kafka/2.8.2/libs) for the
# 2.8 source test (test/it/kafka-2.8.test.ts), which starts its own broker. Not part of the
# always-running stack (deps.sh / up.sh). Prints the libs folder on its last line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || die "java not found: install a JDK 17"
resolve_poms "$STACK_SCRIPTS/maven/kafka-2.8" "deps: kafka"
printf '%s\n' "$CACHE/kafka/2.8.2/libs"
