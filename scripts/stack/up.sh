#!/usr/bin/env bash
# Starts the local stack (ZooKeeper, Kafka 3.9 source, Kafka 4.1 KRaft target, moto S3) and waits
# until each answers. Running it again is harmless: running services are left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$STACK_SCRIPTS/services.sh"

bash "$STACK_SCRIPTS/deps.sh"
mkdir -p "$LOGS" "$PIDS"

# JVM start-ups overlap: the target and moto do not need ZooKeeper, only the source does.
start_zookeeper
start_s3
start_target
wait_for zookeeper zk_ready
start_source
wait_for s3 s3_ready
wait_kafka source target

describe zookeeper "127.0.0.1:$ZK_PORT"
describe source "127.0.0.1:$SOURCE_PORT (Kafka $SOURCE_VERSION, ZooKeeper mode)"
describe target "127.0.0.1:$TARGET_PORT (Kafka $TARGET_VERSION, KRaft)"
describe s3 "http://127.0.0.1:$S3_PORT (moto)"
