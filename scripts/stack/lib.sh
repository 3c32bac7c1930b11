# Shared by the stack scripts (sourced, not run). Paths, ports and PID helpers.
# Ports are the contract in test/it/stack.ts: change them there and here together.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_SCRIPTS="$ROOT/scripts/stack"
STACK_DIR="${KRAFT_MIGRATE_STACK_DIR:-$ROOT/.local/stack}"
LOGS="$STACK_DIR/logs"
PIDS="$STACK_DIR/pids"
CACHE="$ROOT/.cache"
VENV="$CACHE/venv"
READY_TIMEOUT="${KRAFT_MIGRATE_STACK_TIMEOUT:-90}" # seconds per service
# Maximum JVM heap of each broker (ZooKeeper keeps 256m). 512m holds the tests and the benches up to
# a few thousand partitions; the 10,000-partition scale bench starts the stack with 2g
# (docs/performance.md, "Scale").
BROKER_HEAP="${KRAFT_MIGRATE_BROKER_HEAP:-512m}"
[[ "$BROKER_HEAP" =~ ^[0-9]+[mMgG]$ ]] ||
  { printf 'stack: KRAFT_MIGRATE_BROKER_HEAP=%s is not a JVM heap size: give e.g. 512m or 2g\n' "$BROKER_HEAP" >&2; exit 2; }

ZK_PORT=12181
SOURCE_PORT=19092
TARGET_PORT=29092
TARGET_CONTROLLER_PORT=29093
S3_PORT=24566
SOURCE_VERSION=3.9.2 # Kafka in ZooKeeper mode; ZooKeeper's classes come from the same libs
TARGET_VERSION=4.1.1 # Kafka in KRaft mode

NODE="${NODE:-$ROOT/node_modules/.bin/node}"
[[ -x "$NODE" ]] || NODE=node

say() { printf '%s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# A service is "ours" when its PID file names a live process whose command line carries the
# service's marker: a stale PID file whose number was reused by another process never counts.
marker() {
  case "$1" in
    s3) printf 'moto_server' ;;
    *) printf -- '-Dkraft.migrate.stack=%s' "$1" ;;
  esac
}

pid_of() { # prints the PID of a running service, or fails
  local file="$PIDS/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(marker "$1")" || return 1
  printf '%s' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts a command detached from this shell (own session, no stdin, output to a log) and
# records its PID: the inner bash writes its own PID, then execs the command in place.
spawn() {
  local svc="$1"; shift
  mkdir -p "$LOGS" "$PIDS"; rm -f "$PIDS/$svc.pid"
  if port_open "$(port_of "$svc")"; then
    die "$svc: port $(port_of "$svc") is already taken by a process this stack did not start (see: ss -ltnp)"
  fi
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$svc.pid" "$@" \
    </dev/null >>"$LOGS/$svc.out" 2>&1 &
  for _ in $(seq 50); do [[ -s "$PIDS/$svc.pid" ]] && return 0; sleep 0.1; done
  die "$svc: did not start, see $LOGS/$svc.out"
}

port_of() {
  case "$1" in
    zookeeper) echo "$ZK_PORT" ;; source) echo "$SOURCE_PORT" ;;
    target) echo "$TARGET_PORT" ;; s3) echo "$S3_PORT" ;;
  esac
}

# Stops one service by its own PID: TERM, then KILL after a grace period. Never by name.
stop_service() {
  local svc="$1" grace="${2:-30}" pid
  if pid="$(pid_of "$svc")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$svc: still running after ${grace}s, sending KILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    say "$svc: stopped (pid $pid)"
  fi
  rm -f "$PIDS/$svc.pid"
}

# Resolves every scripts/*/maven/pom-<name>.xml of a folder into .cache/kafka/<name>/libs, once:
# one folder per POM (never mixed versions), a marker with the POM's hash so editing a POM
# re-resolves exactly that one. Usage: resolve_poms <folder of POMs> <label for messages>
resolve_poms() {
  local pom v dir hash
  for pom in "$1"/pom-*.xml; do
    v="$(basename "$pom" .xml)"; v="${v#pom-}"
    dir="$CACHE/kafka/$v"; hash="$(sha256sum "$pom" | cut -d' ' -f1)"
    if [[ "$(cat "$dir/.complete" 2>/dev/null)" == "$hash" && -d "$dir/libs" ]]; then
      say "$2 $v jars cached ($(ls "$dir/libs" | wc -l) jars)"; continue
    fi
    command -v mvn >/dev/null || die "mvn not found: needed once to download the $v jars"
    mkdir -p "$dir"; rm -rf "$dir/libs.tmp" "$dir/.complete"
    if ! mvn -B -q -ntp -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$dir/libs.tmp" >"$dir/mvn.log" 2>&1; then
      tail -n 30 "$dir/mvn.log" >&2; die "maven failed for $v, full log: $dir/mvn.log"
    fi
    rm -rf "$dir/libs"; mv "$dir/libs.tmp" "$dir/libs"; printf '%s' "$hash" >"$dir/.complete"
    say "$2 $v jars resolved ($(ls "$dir/libs" | wc -l) jars)"
  done
}
