#!/usr/bin/env bash
# npm run bench [-- --records N --value-bytes B --partitions P …]: kraft-migrate's copier against
# MirrorMaker 2 and the target's ingest ceiling, plus tail latency, on the local stack.
# Installs what is missing (npm packages, Kafka jars, moto, MirrorMaker 2 jars), starts the stack
# (left running, like npm run stack:up), then runs scripts/bench/main.ts. docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/ensure-npm.sh
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/stack/up.sh
bash scripts/bench/deps.sh
exec node scripts/bench/main.ts "$@"
