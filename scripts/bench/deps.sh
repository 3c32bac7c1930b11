#!/usr/bin/env bash
# Installs what only the benchmark needs, once: MirrorMaker 2 (connect-mirror 4.1.1 and the Connect
# runtime) into .cache/kafka/mm2-4.1.1/libs. Kept apart from scripts/stack/deps.sh, which resolves
# every POM under scripts/stack/maven for the test suite. Idempotent and offline after the first run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"
BENCH_SCRIPTS="$ROOT/scripts/bench"

command -v java >/dev/null || die "java not found: install a JDK 17 (Kafka 4 needs Java 17+)"

# Same scheme as the stack: one folder per POM, a marker with the POM's hash.
for pom in "$BENCH_SCRIPTS"/maven/pom-*.xml; do
  v="$(basename "$pom" .xml)"; v="${v#pom-}"
  dir="$CACHE/kafka/$v"; hash="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ "$(cat "$dir/.complete" 2>/dev/null)" == "$hash" && -d "$dir/libs" ]]; then
    say "bench deps: $v jars cached ($(ls "$dir/libs" | wc -l) jars)"; continue
  fi
  command -v mvn >/dev/null || die "mvn not found: needed once to download the $v jars"
  mkdir -p "$dir"; rm -rf "$dir/libs.tmp" "$dir/.complete"
  if ! mvn -B -q -ntp -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$dir/libs.tmp" >"$dir/mvn.log" 2>&1; then
    tail -n 30 "$dir/mvn.log" >&2; die "maven failed for $v, full log: $dir/mvn.log"
  fi
  rm -rf "$dir/libs"; mv "$dir/libs.tmp" "$dir/libs"; printf '%s' "$hash" >"$dir/.complete"
  say "bench deps: $v jars resolved ($(ls "$dir/libs" | wc -l) jars)"
done

# The Kafka tools (ProducerPerformance) come with the stack's 4.1.1 libs.
ls "$CACHE/kafka/4.1.1/libs"/kafka-tools-4.1.1.jar >/dev/null 2>&1 ||
  die "kafka-tools 4.1.1 missing from $CACHE/kafka/4.1.1/libs: run scripts/stack/deps.sh"
