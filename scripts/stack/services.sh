# How each service of the local stack starts and how we know it is ready (sourced, after lib.sh).
# Every start_* is a no-op when the service already runs; readiness is asked through the protocol.

render() { # conf/<name>.properties -> $STACK_DIR/conf/<name>.properties with absolute paths
  mkdir -p "$STACK_DIR/conf"
  sed "s|@STACK_DIR@|$STACK_DIR|g" "$STACK_SCRIPTS/conf/$1.properties" >"$STACK_DIR/conf/$1.properties"
  printf '%s' "$STACK_DIR/conf/$1.properties"
}

java_opts() { # <service> <kafka version> <max heap>: heap, marker, logging to .local/stack/logs/<service>.log
  local logging="-Dlog4j.configuration=file:$STACK_SCRIPTS/conf/log4j.properties"
  [[ "$2" == 3.* ]] || logging="-Dlog4j2.configurationFile=$STACK_SCRIPTS/conf/log4j2.properties"
  printf '%s\n' "-Xmx$3" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "-Dkraft.migrate.stack=$1" "-Dkraft.migrate.log=$1" \
    "-Dkafka.logs.dir=$LOGS" "$logging" -cp "$CACHE/kafka/$2/libs/*"
}

# Polls <check> until it succeeds; fails early with the log's tail when the process has died.
wait_for() {
  local svc="$1" check="$2" deadline=$((SECONDS + READY_TIMEOUT))
  until "$check"; do
    pid_of "$svc" >/dev/null || { tail -n 20 "$LOGS/$svc.log" "$LOGS/$svc.out" 2>/dev/null >&2
      die "$svc exited during start-up, see $LOGS/$svc.log"; }
    ((SECONDS < deadline)) || die "$svc not ready after ${READY_TIMEOUT}s, see $LOGS/$svc.log"
    sleep 0.2
  done
}

zk_cmd() { (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf '%s' "$1" >&3 && timeout 2 cat <&3) 2>/dev/null; }
zk_ready() { [[ "$(zk_cmd ruok)" == imok ]]; }
# After a hard kill, the old session's /brokers/ids/1 lives on until the session expires, and a
# new broker with the same id would exit with NodeExists: wait for it to go (ephemerals `dump`).
zk_broker_gone() { ! zk_cmd dump | grep -qE '^\s*/brokers/ids/1$'; }
s3_ready() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$S3_PORT/moto-api/"; }

# Kafka readiness through the protocol: metadata, a controller and a group coordinator.
wait_kafka() { # <service>...
  local args=() svc
  for svc in "$@"; do args+=("$svc=127.0.0.1:$(port_of "$svc")"); done
  STACK_DIR="$STACK_DIR" READY_TIMEOUT="$READY_TIMEOUT" "$NODE" "$STACK_SCRIPTS/wait-ready.mjs" "${args[@]}"
}

start_zookeeper() {
  pid_of zookeeper >/dev/null && return 0
  local conf; conf="$(render zookeeper)"; mkdir -p "$STACK_DIR/zookeeper"
  mapfile -t opts < <(java_opts zookeeper "$SOURCE_VERSION" 256m)
  spawn zookeeper java "${opts[@]}" org.apache.zookeeper.server.quorum.QuorumPeerMain "$conf"
}

start_source() { # needs a ready ZooKeeper
  pid_of source >/dev/null && return 0
  zk_ready || die "source: ZooKeeper does not answer on 127.0.0.1:$ZK_PORT (run scripts/stack/up.sh)"
  local conf deadline=$((SECONDS + READY_TIMEOUT)); conf="$(render source)"
  until zk_broker_gone; do
    ((SECONDS < deadline)) || die "source: ZooKeeper still holds /brokers/ids/1 of a killed broker"
    sleep 0.2
  done
  mapfile -t opts < <(java_opts source "$SOURCE_VERSION" "$BROKER_HEAP")
  spawn source java "${opts[@]}" kafka.Kafka "$conf"
}

start_target() { # formats the KRaft storage on first start, with a fresh random cluster id
  pid_of target >/dev/null && return 0
  local conf; conf="$(render target)"
  mapfile -t opts < <(java_opts target "$TARGET_VERSION" "$BROKER_HEAP")
  if [[ ! -f "$STACK_DIR/target/data/meta.properties" ]]; then
    local id; id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    java "${opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$conf" >"$LOGS/target-format.out" 2>&1 ||
      die "target: formatting storage failed, see $LOGS/target-format.out"
  fi
  spawn target java "${opts[@]}" kafka.Kafka "$conf"
}

start_s3() {
  pid_of s3 >/dev/null && return 0
  # Objects up to 64 MiB stay in moto's memory: by default it spills anything over 5 MiB to a temp
  # file and reads it back for the ETag, which costs the seed's segment uploads CPU on shared cores.
  # moto_server.py: moto's server, minus the dashboard's tracking that keeps every deleted object.
  spawn s3 env MOTO_S3_DEFAULT_KEY_BUFFER_SIZE=67108864 "$VENV/bin/python" "$ROOT/scripts/stack/moto_server.py" -H 127.0.0.1 -p "$S3_PORT"
}

describe() { # one line per service: name, address, PID
  local svc="$1" addr="$2" pid
  pid="$(pid_of "$svc")" || die "$svc is not running"
  printf '%-10s pid %-7s %s\n' "$svc" "$pid" "$addr"
}
