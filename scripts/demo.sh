#!/usr/bin/env bash
# npm run demo: the local end-to-end demonstration on a fresh machine. Installs what it needs,
# starts the local stack (Kafka 3.9 ZooKeeper mode, Kafka 4.1 KRaft, moto S3), fills the source
# with realistic topics and consumer groups, and drives kraft-migrate against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-npm.sh
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/stack/up.sh
exec node scripts/demo/main.ts "$@"
