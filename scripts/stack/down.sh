#!/usr/bin/env bash
# Stops the local stack, each service by its own PID file (TERM, then KILL after a grace period).
# --purge also deletes all data under .local/stack (topics, ZooKeeper state, the KRaft cluster id).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=false
case "${1:-}" in
  --purge) purge=true ;; "") ;; *) die "usage: down.sh [--purge]" ;;
esac

# Brokers before ZooKeeper, so the source deregisters cleanly.
for svc in s3 target source zookeeper; do stop_service "$svc"; done
if $purge; then rm -rf "$STACK_DIR"; say "purged $STACK_DIR"; fi
