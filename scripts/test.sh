#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs npm packages, Kafka jars and the S3 emulator,
# lints, type-checks, runs the unit tests, starts the local stack and runs the integration tests.
# With CI=true (or KRAFT_MIGRATE_STACK_DOWN=1) the stack is stopped again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-npm.sh
export PATH="$PWD/node_modules/.bin:$PATH"
if [ "${CI:-}" = "true" ]; then export KRAFT_MIGRATE_STACK_DOWN="${KRAFT_MIGRATE_STACK_DOWN:-1}"; fi

echo "== lint (biome) and types (tsc)"
biome check .
tsc -p tsconfig.json --noEmit

echo "== unit tests"
vitest run --project unit

echo "== integration tests (real Kafka 3.9 ZooKeeper source, Kafka 4.1 KRaft target, moto S3)"
vitest run --project it
