#!/usr/bin/env bash
# bench/audit/gateway_latency.sh — what a sync audit log adds to a tools/call through the gateway: the same echo
# upstream behind two gateways, [audit] off and [audit] durability = "sync" (log on AUDIT_DIR, the real disk), at
# one connection (p50/p99) and at CONNECTIONS (throughput, group commit). Rounds alternate so drift hits both.
# Servers on SERVER_CPU (default 0), load client on LOAD_CPU (default 1). Prints the load client's JSON lines.
# KEEP_BUSY=1 runs a nice-19 busy loop on SERVER_CPU meanwhile: on this VM an idle vCPU halts (haltpoll with
# guest_halt_poll_ns = 0) and waking it after an fdatasync costs up to a scheduler tick on a busy host; the busy
# loop yields at once to any real work but keeps the vCPU awake (docs/benchmarks.md "Audit log").
#   flock /work/.bench.lock bash bench/audit/gateway_latency.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$root/build}/bin
AUDIT_DIR=${AUDIT_DIR:-/work/scratch/audit-bench/gateway}
REQUESTS=${REQUESTS:-5000}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
SECONDS_SAT=${SECONDS_SAT:-3}
SERVER_CPU=${SERVER_CPU:-0}
KEEP_BUSY=${KEEP_BUSY:-0}
LOAD_CPU=${LOAD_CPU:-1}
work=$(mktemp -d /tmp/bulkhead-audit-gw.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$KEEP_BUSY" = 1 ]; then
  setsid nice -n 19 taskset -c "$SERVER_CPU" sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
  pids+=("$!")
fi

start() {  # start NAME CMD...
  local name=$1
  shift
  setsid taskset -c "$SERVER_CPU" "$@" >"$work/$name.out" 2>"$work/$name.log" </dev/null &
  pids+=("$!")
  for _ in $(seq 1 200); do [ -s "$work/$name.ready.json" ] && return 0; sleep 0.05; done
  echo "$name did not start:" >&2
  tail -20 "$work/$name.log" >&2
  exit 1
}
start echo "$BIN/bulkhead-echo" --http 127.0.0.1:0 --ready-file "$work/echo.ready.json"
echo_url=$(jq -r .url "$work/echo.ready.json")
gateway() {  # gateway NAME EXTRA-CONFIG
  cat >"$work/$1.toml" <<CONF
[server]
listen = "127.0.0.1:0"
request_timeout_ms = 30000
[auth]
mode = "none"
[[upstream]]
name = "echo"
transport = "http"
url = "$echo_url"
$2
CONF
  start "$1" "$BIN/bulkhead" serve --config "$work/$1.toml" --ready-file "$work/$1.ready.json"
}
rm -rf "$AUDIT_DIR" && mkdir -p "$AUDIT_DIR"
gateway gw-off ""
gateway gw-sync "[audit]
dir = \"$AUDIT_DIR/log\"
durability = \"sync\""
off_url=$(jq -r .url "$work/gw-off.ready.json")
sync_url=$(jq -r .url "$work/gw-sync.ready.json")
load() { taskset -c "$LOAD_CPU" "$BIN/bulkhead-load" --busy-poll --tool echo__echo "$@"; }
echo "# $(date -u +'%Y-%m-%d %H:%M UTC') load $(cut -d' ' -f1-3 /proc/loadavg); audit dir $(stat -f -c %T "$AUDIT_DIR"); keep_busy $KEEP_BUSY"
for r in $(seq 1 "$ROUNDS"); do
  load --label "off-low-r$r" --url "$off_url" --connections 1 --requests "$REQUESTS" --warmup 500
  load --label "sync-low-r$r" --url "$sync_url" --connections 1 --requests "$REQUESTS" --warmup 500
done
load --label "off-sat-$CONNECTIONS" --url "$off_url" --connections "$CONNECTIONS" --duration "$SECONDS_SAT" --warmup 500
load --label "sync-sat-$CONNECTIONS" --url "$sync_url" --connections "$CONNECTIONS" --duration "$SECONDS_SAT" --warmup 500
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
