#!/usr/bin/env bash
# bench/run.sh — Bulkhead's end-to-end benchmark, all scenarios in ONE run, results into docs/benchmarks.md.
#
#   (1) direct to the echo upstream over HTTP  vs  (2) through bulkhead fronting the same echo upstream:
#       low load (1 connection, >= 10,000 requests: p50/p99, added latency) and saturated (32/64 connections):
#       throughput ratio, and CPU time per request of the gateway and of the echo upstream (/proc/PID/stat).
#   (3) supergateway and mcp-proxy each fronting the stdio echo server vs bulkhead fronting the same stdio server.
#   (2b) upstream-bound: server-everything (test/peers) over HTTP, direct vs through bulkhead: throughput ratio.
#   (2c) the same with the gateway on the load client's core instead of the upstream's (node alone on its core).
#   (4) RSS of the gateway idle and with 1,000 open sessions.
#
# Builds nothing: expects build/bin/bulkhead, build/bin/bulkhead-echo, build/bin/bulkhead-load (configure with
# -DBULKHEAD_BENCH=ON) and bench/peers/node_modules (scripts/install-deps.sh). Servers are pinned to one core
# (SERVER_CPU, default 0) and the load client to the other (LOAD_CPU, default 1). Loopback only; every process it
# starts is stopped on exit. Environment overrides: BUILD_DIR, BULKHEAD, BENCH_BIN, BENCH_OUT, LOW_REQUESTS,
# LOW_ROUNDS, SAT_SECONDS, SAT_CONNECTIONS, PEER_CONNECTIONS, PEER_SECONDS, SESSIONS, SKIP_PEERS=1, SKIP_GATEWAY=1,
# SKIP_EVERYTHING=1, EVERYTHING (path of server-everything's dist/index.js), EVERYTHING_ROUNDS, EVERYTHING_SECONDS,
# EVERYTHING_WARMUP_SECONDS, EVERYTHING_SPLIT=0 (skip 2c), BENCH_NOTE (a line for the report).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$root/build}
BULKHEAD=${BULKHEAD:-$BUILD_DIR/bin/bulkhead}
BENCH_BIN=${BENCH_BIN:-$BUILD_DIR/bin}
BENCH_OUT=${BENCH_OUT:-$root/docs/benchmarks.md}
LOW_REQUESTS=${LOW_REQUESTS:-20000}
LOW_WARMUP=${LOW_WARMUP:-2000}
LOW_ROUNDS=${LOW_ROUNDS:-3}
SAT_SECONDS=${SAT_SECONDS:-5}
SAT_CONNECTIONS=${SAT_CONNECTIONS:-"32 64"}
PEER_CONNECTIONS=${PEER_CONNECTIONS:-16}
PEER_SECONDS=${PEER_SECONDS:-5}
PEER_LOW_REQUESTS=${PEER_LOW_REQUESTS:-2000}
SESSIONS=${SESSIONS:-1000}
EVERYTHING_ROUNDS=${EVERYTHING_ROUNDS:-5}
EVERYTHING_SECONDS=${EVERYTHING_SECONDS:-10}
EVERYTHING_WARMUP_SECONDS=${EVERYTHING_WARMUP_SECONDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
SKIP_PEERS=${SKIP_PEERS:-0}
SKIP_GATEWAY=${SKIP_GATEWAY:-0}
SKIP_EVERYTHING=${SKIP_EVERYTHING:-0}
EVERYTHING_SPLIT=${EVERYTHING_SPLIT:-1}

ECHO=$BENCH_BIN/bulkhead-echo
LOAD=$BENCH_BIN/bulkhead-load
PEERS=$root/bench/peers/node_modules
EVERYTHING=${EVERYTHING:-$root/test/peers/node_modules/@modelcontextprotocol/server-everything/dist/index.js}
for bin in "$ECHO" "$LOAD"; do
  [ -x "$bin" ] || { echo "run.sh: missing $bin (cmake -DBULKHEAD_BENCH=ON, then build)" >&2; exit 2; }
done
if [ "$SKIP_GATEWAY" != 1 ] && [ ! -x "$BULKHEAD" ]; then
  echo "run.sh: missing $BULKHEAD (or set SKIP_GATEWAY=1)" >&2
  exit 2
fi
if [ "$SKIP_PEERS" != 1 ] && [ ! -f "$PEERS/supergateway/dist/index.js" ]; then
  echo "run.sh: missing bench/peers/node_modules (bash scripts/install-deps.sh, or set SKIP_PEERS=1)" >&2
  exit 2
fi

work=$(mktemp -d /tmp/bulkhead-bench.XXXXXX)
results=$work/results
mkdir -p "$results"
groups=()  # process-group ids of everything started here (each server runs in its own session)

stop_group() {
  local pgid=$1
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 -- "-$pgid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}
cleanup() {
  local pgid
  for pgid in "${groups[@]}"; do stop_group "$pgid"; done
  groups=()
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# start NAME CMD... : runs CMD pinned to SERVER_CPU in a new session; sets $started_pid.
start() {
  local name=$1
  shift
  setsid taskset -c "${START_CPU:-$SERVER_CPU}" "$@" >"$work/$name.out" 2>"$work/$name.log" </dev/null &
  started_pid=$!
  groups+=("$started_pid")
}
stop_last() {  # stops the process group started last
  local last=$((${#groups[@]} - 1))
  stop_group "${groups[$last]}"
  unset "groups[$last]"
  groups=("${groups[@]}")
}

wait_file() {  # wait_file FILE NAME
  for _ in $(seq 1 200); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  echo "run.sh: $2 did not become ready; its log:" >&2
  tail -20 "$work/$2.log" >&2 || true
  exit 1
}
wait_http() {  # wait_http URL NAME : until the port answers HTTP at all
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
    sleep 0.1
  done
  echo "run.sh: $2 did not answer on $1; its log:" >&2
  tail -20 "$work/$2.log" >&2 || true
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cpu_ticks PID : utime+stime of PID (clock ticks).
# These print -1 when the process is gone (a crashed gateway shows up as "n/a" in the report, not as a hang).
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo -1; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -1; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -1; }
alive() { kill -0 "$1" 2>/dev/null; }

# load NAME ARGS... : runs the load client pinned to LOAD_CPU, result JSON into results/NAME.json.
load() {
  local name=$1
  shift
  log "load $name: $*"
  local poll=--busy-poll
  [ "${NO_BUSY_POLL:-0}" = 1 ] && poll=""
  if ! timeout 300 taskset -c "$LOAD_CPU" "$LOAD" --label "$name" $poll "$@" >"$results/$name.json" \
    2>"$work/load-$name.log"; then
    log "load $name reported errors: $(tail -1 "$work/load-$name.log")"
  fi
  [ -s "$results/$name.json" ] || echo "{\"label\":\"$name\",\"failed\":true}" >"$results/$name.json"
}

# measure_cpu NAME PIDS -- LOAD-ARGS : a load run with the CPU time of each PID recorded around it.
measure_cpu() {
  local name=$1
  shift
  local pids=()
  while [ "$1" != "--" ]; do pids+=("$1"); shift; done
  shift
  local before=() pid i=0
  for pid in "${pids[@]}"; do before+=("$(cpu_ticks "$pid")"); done
  load "$name" "$@"
  local ticks="" after
  for pid in "${pids[@]}"; do
    after=$(cpu_ticks "$pid")
    if [ "$after" -lt 0 ] || [ "${before[$i]}" -lt 0 ]; then ticks+="-1 "; else ticks+="$((after - before[i])) "; fi
    i=$((i + 1))
  done
  for pid in "${pids[@]}"; do
    alive "$pid" || log "process $pid died during $name (see $work/*.log with KEEP_WORK=1)"
  done
  echo "$ticks" >"$results/$name.cpu"
}

# gateway NAME CONFIG-BODY : starts bulkhead with [server]/[auth] plus the given upstream section.
gateway() {  # gateway NAME UPSTREAMS [AUTH]: AUTH replaces the default [auth] mode = "none"
  local name=$1 upstreams=$2 auth=${3:-'[auth]
mode = "none"'}
  cat >"$work/$name.toml" <<EOF
[server]
listen = "127.0.0.1:0"
request_timeout_ms = 30000
max_sessions = 100000
$auth
$upstreams
EOF
  rm -f "$work/$name.ready.json"
  start "$name" "$BULKHEAD" serve --config "$work/$name.toml" --ready-file "$work/$name.ready.json"
  wait_file "$work/$name.ready.json" "$name"
  gateway_url=$(jq -r .url "$work/$name.ready.json")
  gateway_pid=$started_pid
}

clk_tck=$(getconf CLK_TCK)
started_at=$(date -u +"%Y-%m-%d %H:%M UTC")
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "work dir $work; servers on CPU $SERVER_CPU, load client on CPU $LOAD_CPU"

# --- (1) + (2): HTTP echo, direct vs through the gateway -------------------------------------------------------
start echo-http "$ECHO" --http 127.0.0.1:0 --ready-file "$work/echo-http.ready.json"
wait_file "$work/echo-http.ready.json" echo-http
echo_pid=$started_pid
echo_url=$(jq -r .url "$work/echo-http.ready.json")

if [ "$SKIP_GATEWAY" != 1 ]; then
  gateway gw-http "[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"$echo_url\""
  gw_http_pid=$gateway_pid
  gw_http_url=$gateway_url
  # The same gateway with workload identity: every request carries a JWT-SVID (EdDSA, minted by jose), verified
  # by the gateway (cached after the first request, as in real use).
  auth_header=""
  if command -v node >/dev/null && [ -d "$root/test/peers/node_modules/jose" ]; then
    mkdir -p "$work/jwt"
    node "$root/bench/identity/jose_bench.mjs" "$work/jwt" 10
    auth_header="Authorization: Bearer $(jq -r .EdDSA "$work/jwt/tokens.json")"
    gateway gw-auth "[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"$echo_url\"" "[auth]
mode = \"workload\"
[[trust_domain]]
name = \"bench.test\"
jwks_file = \"$work/jwt/jwks.json\"
[[tenant]]
id = \"bench\"
agents = [\"spiffe://bench.test/agent/support\"]"
    gw_auth_url=$gateway_url
  fi
  # The same gateway with a sync audit log on this machine's disk: every tools/call waits for two durable records
  # (the decision before forwarding, the outcome before answering).
  mkdir -p "$root/build/bench-audit" && rm -rf "$root/build/bench-audit/"*
  gateway gw-audit "[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"$echo_url\"
[audit]
dir = \"$root/build/bench-audit\"
durability = \"sync\""
  gw_audit_url=$gateway_url
fi

# Low load alternates direct and gateway runs (LOW_ROUNDS rounds) so drift in the machine's load hits both.
for round in $(seq 1 "$LOW_ROUNDS"); do
  load "direct-low-r$round" --url "$echo_url" --connections 1 --requests "$LOW_REQUESTS" --warmup "$LOW_WARMUP"
  if [ "$SKIP_GATEWAY" != 1 ]; then
    load "gateway-low-r$round" --url "$gw_http_url" --tool echo__echo --connections 1 --requests "$LOW_REQUESTS" \
      --warmup "$LOW_WARMUP"
    load "gateway-audit-low-r$round" --url "$gw_audit_url" --tool echo__echo --connections 1 \
      --requests "$LOW_REQUESTS" --warmup "$LOW_WARMUP"
    if [ -n "$auth_header" ]; then
      load "gateway-auth-low-r$round" --url "$gw_auth_url" --tool echo__echo --connections 1 \
        --requests "$LOW_REQUESTS" --warmup "$LOW_WARMUP" --header "$auth_header"
    fi
  fi
done
for c in $SAT_CONNECTIONS; do
  measure_cpu "direct-sat-$c" "$echo_pid" -- --url "$echo_url" --connections "$c" --duration "$SAT_SECONDS" \
    --warmup 2000
  if [ "$SKIP_GATEWAY" != 1 ]; then
    measure_cpu "gateway-sat-$c" "$gw_http_pid" "$echo_pid" -- --url "$gw_http_url" --tool echo__echo \
      --connections "$c" --duration "$SAT_SECONDS" --warmup 2000
  fi
done
if [ "$SKIP_GATEWAY" != 1 ]; then
  # gw-audit (and gw-auth) were started after gw-http; stop_last stops the most recent process group first.
  stop_last  # gw-audit
  if [ -n "$auth_header" ]; then stop_last; fi  # gw-auth
fi
if [ "$SKIP_GATEWAY" != 1 ]; then stop_last; fi  # gw-http

# --- (2b): upstream-bound: server-everything over HTTP, direct vs through the gateway (the ≥ 0.8× goal) ---------
if [ "$SKIP_GATEWAY" != 1 ] && [ "$SKIP_EVERYTHING" != 1 ] && [ -f "$EVERYTHING" ]; then
  port=$(free_port)
  start everything env PORT="$port" node "$EVERYTHING" streamableHttp
  wait_http "http://127.0.0.1:$port/mcp" everything
  everything_pid=$started_pid
  gateway gw-everything "[[upstream]]
name = \"everything\"
transport = \"http\"
url = \"http://127.0.0.1:$port/mcp\""
  # node's JIT first: both paths are warmed up before anything is measured (a cold direct run would flatter the
  # gateway), then direct and gateway rounds alternate so drift in the machine's load hits both alike.
  load everything-warmup-direct --url "http://127.0.0.1:$port/mcp" --connections "$PEER_CONNECTIONS" \
    --duration "$EVERYTHING_WARMUP_SECONDS" --warmup 100
  load everything-warmup-gateway --url "$gateway_url" --tool everything__echo --connections "$PEER_CONNECTIONS" \
    --duration "$EVERYTHING_WARMUP_SECONDS" --warmup 100
  # Rounds alternate the order (direct first in odd rounds, the gateway first in even ones) so a drift of the node
  # server's speed over the run does not always favour the same variant.
  in_order() {  # in_order ROUND A B: A then B in odd rounds, B then A in even ones
    if [ $(($1 % 2)) = 1 ]; then "$2" "$1"; "$3" "$1"; else "$3" "$1"; "$2" "$1"; fi
  }
  everything_direct() {
    measure_cpu "everything-direct-r$1" "$everything_pid" -- --url "http://127.0.0.1:$port/mcp" \
      --connections "$PEER_CONNECTIONS" --duration "$EVERYTHING_SECONDS" --warmup 100
  }
  everything_gateway() {
    measure_cpu "everything-gateway-r$1" "$gateway_pid" "$everything_pid" -- --url "$gateway_url" \
      --tool everything__echo --connections "$PEER_CONNECTIONS" --duration "$EVERYTHING_SECONDS" --warmup 100
  }
  for round in $(seq 1 "$EVERYTHING_ROUNDS"); do
    in_order "$round" everything_direct everything_gateway
  done
  stop_last  # gw-everything
  # (2c) The same upstream with the gateway off its core: node alone on SERVER_CPU as in the direct runs, the
  # gateway on LOAD_CPU beside the load client (which then sleeps instead of busy-polling, both paths alike). This
  # is how a deployment runs (a gateway does not share a core with the server it fronts); 2b is the worst case.
  if [ "$EVERYTHING_SPLIT" = 1 ]; then
    START_CPU=$LOAD_CPU gateway gw-everything-split "[[upstream]]
name = \"everything\"
transport = \"http\"
url = \"http://127.0.0.1:$port/mcp\""
    NO_BUSY_POLL=1 load everything-warmup-split --url "$gateway_url" --tool everything__echo \
      --connections "$PEER_CONNECTIONS" --duration "$EVERYTHING_WARMUP_SECONDS" --warmup 100
    split_direct() {
      NO_BUSY_POLL=1 measure_cpu "everything-split-direct-r$1" "$everything_pid" -- \
        --url "http://127.0.0.1:$port/mcp" --connections "$PEER_CONNECTIONS" --duration "$EVERYTHING_SECONDS" --warmup 100
    }
    split_gateway() {
      NO_BUSY_POLL=1 measure_cpu "everything-split-gateway-r$1" "$gateway_pid" "$everything_pid" -- \
        --url "$gateway_url" --tool everything__echo --connections "$PEER_CONNECTIONS" \
        --duration "$EVERYTHING_SECONDS" --warmup 100
    }
    for round in $(seq 1 "$EVERYTHING_ROUNDS"); do
      in_order "$round" split_direct split_gateway
    done
    stop_last  # gw-everything-split
  fi
  stop_last  # everything
fi

# --- (4): RSS idle and with SESSIONS open sessions (fresh gateway in front of the HTTP echo) --------------------
if [ "$SKIP_GATEWAY" != 1 ]; then
  gateway gw-rss "[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"$echo_url\""
  sleep 1
  rss_idle=$(rss_kb "$gateway_pid")
  log "load sessions: $SESSIONS sessions"
  timeout 300 taskset -c "$LOAD_CPU" "$LOAD" --url "$gateway_url" --sessions "$SESSIONS" --connections 16 \
    --hold-seconds 60 --label sessions >"$results/sessions.out" 2>"$work/load-sessions.log" &
  sessions_load=$!
  for _ in $(seq 1 600); do
    [ -s "$results/sessions.out" ] && break
    kill -0 "$sessions_load" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1
  rss_sessions=$(rss_kb "$gateway_pid")
  hwm_sessions=$(hwm_kb "$gateway_pid")
  kill "$sessions_load" 2>/dev/null || true
  wait "$sessions_load" 2>/dev/null || true
  sessions_line=$(head -1 "$results/sessions.out" 2>/dev/null || true)
  [ -n "$sessions_line" ] || sessions_line='{"mode":"sessions","opened":0,"failed":0}'
  echo "{\"rss_idle_kb\":$rss_idle,\"rss_sessions_kb\":$rss_sessions,\"hwm_sessions_kb\":$hwm_sessions,\"sessions\":$sessions_line}" \
    >"$results/rss.json"
  stop_last  # gw-rss
fi
stop_last  # echo-http

# --- (3): stdio echo behind supergateway, mcp-proxy and bulkhead -------------------------------------------------
stdio_scenario() {  # stdio_scenario NAME URL TOOL
  load "$1-low" --url "$2" --tool "$3" --connections 1 --requests "$PEER_LOW_REQUESTS" --warmup 200
  load "$1-sat" --url "$2" --tool "$3" --connections "$PEER_CONNECTIONS" --duration "$PEER_SECONDS" --warmup 500
}
if [ "$SKIP_GATEWAY" != 1 ]; then
  gateway gw-stdio "[[upstream]]
name = \"echo\"
transport = \"stdio\"
command = \"$ECHO\"
args = [\"--stdio\"]"
  stdio_scenario bulkhead-stdio "$gateway_url" echo__echo
  stop_last
fi
if [ "$SKIP_PEERS" != 1 ]; then
  port=$(free_port)
  start supergateway node "$PEERS/supergateway/dist/index.js" --stdio "$ECHO --stdio" \
    --outputTransport streamableHttp --stateful --port "$port" --logLevel none
  wait_http "http://127.0.0.1:$port/mcp" supergateway
  stdio_scenario supergateway "http://127.0.0.1:$port/mcp" echo
  stop_last
  port=$(free_port)
  start mcp-proxy node "$PEERS/mcp-proxy/dist/bin/mcp-proxy.mjs" --host 127.0.0.1 --port "$port" --server stream \
    -- "$ECHO" --stdio
  wait_http "http://127.0.0.1:$port/mcp" mcp-proxy
  stdio_scenario mcp-proxy "http://127.0.0.1:$port/mcp" echo
  stop_last
fi

gateway_desc=""
if [ "$SKIP_GATEWAY" != 1 ]; then
  gateway_desc="$BULKHEAD ($("$BULKHEAD" --version 2>/dev/null | head -1 || true), built $(date -u -r "$BULKHEAD" +%H:%M) UTC)"
fi

# --- Report -------------------------------------------------------------------------------------------------------
peer_versions=""
if [ "$SKIP_PEERS" != 1 ]; then
  peer_versions="supergateway $(jq -r .version "$PEERS/supergateway/package.json"), mcp-proxy $(jq -r .version "$PEERS/mcp-proxy/package.json"), node $(node --version)"
fi
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- src bench 2>/dev/null)" ]; then commit="$commit+dirty"; fi
python3 "$root/bench/report.py" --results "$results" --out "$BENCH_OUT" --started "$started_at" \
  --clk-tck "$clk_tck" --server-cpu "$SERVER_CPU" --load-cpu "$LOAD_CPU" --commit "$commit" \
  --peers "$peer_versions" --loadavg "$loadavg_start $(cut -d' ' -f1-3 /proc/loadavg)" \
  --sat-connections "$SAT_CONNECTIONS" --peer-connections "$PEER_CONNECTIONS" --note "${BENCH_NOTE:-}" \
  --gateway "$gateway_desc"
log "wrote $BENCH_OUT"
