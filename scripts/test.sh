#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs npm packages, Kafka jars and the S3 emulator,
# lints, type-checks, runs the unit tests, starts the local stack and runs the integration tests.
# With CI=true (or KRAFT_MIGRATE_STACK_DOWN=1) the stack is stopped again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-npm.sh
export PATH="$PWD/node_modules/.bin:$PATH"
if [ "${CI:-}" = "true" ]; then export KRAFT_MIGRATE_STACK_DOWN="${KRAFT_MIGRATE_STACK_DOWN:-1}"; fi

# The evidence report test opens evidence.html in headless Chromium (Debian package `chromium`).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing chromium (evidence.html report test)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; } ||
    echo "warning: could not install chromium (apt-get install -y chromium); the evidence.html test will fail"
fi

echo "== lint (biome) and types (tsc)"
biome check .
tsc -p tsconfig.json --noEmit

results=.local/test-results
rm -rf "$results" && mkdir -p "$results"

echo "== unit tests"
vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json"

echo "== integration tests (real Kafka 3.9 ZooKeeper source, Kafka 4.1 KRaft target, moto S3)"
vitest run --project it --reporter=default --reporter=json --outputFile.json="$results/it.json"

# One closing line for both projects: "N passed, N failed".
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const f of process.argv.slice(1)) {
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$results/unit.json" "$results/it.json"
