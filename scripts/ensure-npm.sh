#!/usr/bin/env bash
# Installs the npm packages (Node 22 among them) when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (Node 22, TypeScript, Kafka and AWS clients)…"
  npm ci --no-audit --no-fund --loglevel=error
fi
