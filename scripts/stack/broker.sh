#!/usr/bin/env bash
# Stops or starts one Kafka broker of the local stack by its PID, keeping its data.
# Usage: broker.sh stop|start source|target   (start waits until the broker answers again)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$STACK_SCRIPTS/services.sh"

action="${1:-}" svc="${2:-}"
[[ "$svc" == source || "$svc" == target ]] || die "usage: broker.sh stop|start source|target"
case "$action" in
  stop) stop_service "$svc" ;;
  start) "start_$svc"; wait_kafka "$svc"; describe "$svc" "127.0.0.1:$(port_of "$svc")" ;;
  *) die "usage: broker.sh stop|start source|target" ;;
esac
