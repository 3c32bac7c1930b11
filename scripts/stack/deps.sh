#!/usr/bin/env bash
# Installs what the local stack needs, once: Kafka jars per version (Maven) and moto (PyPI venv).
# Idempotent and offline after the first run: each step is skipped when its cache is complete.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MOTO_SPEC='moto[server]==5.1.*'

command -v java >/dev/null || die "java not found: install a JDK 17 (Kafka 4 needs Java 17+)"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
((${java_major:-0} >= 17)) || die "java $java_major found; Kafka 4 needs Java 17 or newer"

# Jars: one folder per Kafka version, never mixed. The marker holds the hash of the POM that
# produced the folder, so editing a POM re-resolves exactly that version.
for pom in "$STACK_SCRIPTS"/maven/pom-*.xml; do
  v="$(basename "$pom" .xml)"; v="${v#pom-}"
  dir="$CACHE/kafka/$v"; hash="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ "$(cat "$dir/.complete" 2>/dev/null)" == "$hash" && -d "$dir/libs" ]]; then
    say "deps: kafka $v jars cached ($(ls "$dir/libs" | wc -l) jars)"; continue
  fi
  command -v mvn >/dev/null || die "mvn not found: needed once to download the Kafka $v jars"
  mkdir -p "$dir"; rm -rf "$dir/libs.tmp" "$dir/.complete"
  if ! mvn -B -q -ntp -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$dir/libs.tmp" >"$dir/mvn.log" 2>&1; then
    tail -n 30 "$dir/mvn.log" >&2; die "maven failed for Kafka $v, full log: $dir/mvn.log"
  fi
  rm -rf "$dir/libs"; mv "$dir/libs.tmp" "$dir/libs"; printf '%s' "$hash" >"$dir/.complete"
  say "deps: kafka $v jars resolved ($(ls "$dir/libs" | wc -l) jars)"
done

# moto: S3 API with Object Lock, in a project-local virtualenv.
if "$VENV/bin/python" -c 'import moto, moto.server, flask; assert moto.__version__.startswith("5.1.")' 2>/dev/null; then
  say "deps: moto $("$VENV/bin/python" -c 'import moto; print(moto.__version__)') cached"
else
  command -v python3 >/dev/null || die "python3 not found: needed once to create $VENV"
  python3 -m venv "$VENV"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "$MOTO_SPEC" >"$CACHE/pip.log" 2>&1; then
    tail -n 30 "$CACHE/pip.log" >&2; die "pip install $MOTO_SPEC failed, full log: $CACHE/pip.log"
  fi
  say "deps: moto $("$VENV/bin/python" -c 'import moto; print(moto.__version__)') installed"
fi
