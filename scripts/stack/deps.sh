#!/usr/bin/env bash
# Installs what the local stack needs, once: Kafka jars per version (Maven) and moto (PyPI venv).
# Idempotent and offline after the first run: each step is skipped when its cache is complete.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MOTO_SPEC='moto[server]==5.1.*'

command -v java >/dev/null || die "java not found: install a JDK 17 (Kafka 4 needs Java 17+)"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
((${java_major:-0} >= 17)) || die "java $java_major found; Kafka 4 needs Java 17 or newer"

# Jars: one folder per POM, resolved once (resolve_poms in lib.sh).
resolve_poms "$STACK_SCRIPTS/maven" "deps: kafka"

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
