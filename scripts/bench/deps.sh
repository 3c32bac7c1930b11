#!/usr/bin/env bash
# Installs what only the benchmark needs, once: MirrorMaker 2 (connect-mirror 4.1.1 and the Connect
# runtime) into .cache/kafka/mm2-4.1.1/libs. Kept apart from scripts/stack/deps.sh, which resolves
# every POM under scripts/stack/maven for the test suite. Idempotent and offline after the first run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"
BENCH_SCRIPTS="$ROOT/scripts/bench"

command -v java >/dev/null || die "java not found: install a JDK 17 (Kafka 4 needs Java 17+)"

# Jars: one folder per POM, resolved once (resolve_poms in lib.sh).
resolve_poms "$BENCH_SCRIPTS/maven" "bench deps"

# The Kafka tools (ProducerPerformance) come with the stack's 4.1.1 libs.
ls "$CACHE/kafka/4.1.1/libs"/kafka-tools-4.1.1.jar >/dev/null 2>&1 ||
  die "kafka-tools 4.1.1 missing from $CACHE/kafka/4.1.1/libs: run scripts/stack/deps.sh"
