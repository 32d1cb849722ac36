#!/usr/bin/env bash
# bench/profile.sh — instructions per request of `bulkhead serve` under callgrind (repeatable on a noisy machine,
# unlike wall-clock figures). The gateway fronts the HTTP echo upstream (or the stdio echo with UPSTREAM=stdio);
# bulkhead-load sends tools/call echo__echo over CONNECTIONS keep-alive sessions, twice (SMALL, then LARGE
# requests). Instructions per request = (Ir after LARGE − Ir after SMALL) / (LARGE − SMALL): start-up, handshakes
# and the first listing cancel out. Prints one line, and keeps callgrind.out of the LARGE run in OUT_DIR for
# callgrind_annotate.
#
#   bash bench/profile.sh                      # BUILD_DIR=build CONNECTIONS=4 SMALL=1000 LARGE=6000
#   callgrind_annotate --inclusive=yes "$OUT_DIR"/callgrind.out.large | head -60
#
# Environment: BUILD_DIR, BULKHEAD, CONNECTIONS, SMALL, LARGE, UPSTREAM (http|stdio|everything), OUT_DIR (default a temp
# dir that is kept), CALLGRIND_ARGS (extra valgrind options, e.g. --dump-instr=yes).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$root/build}
BULKHEAD=${BULKHEAD:-$BUILD_DIR/bin/bulkhead}
ECHO=$BUILD_DIR/bin/bulkhead-echo
LOAD=$BUILD_DIR/bin/bulkhead-load
CONNECTIONS=${CONNECTIONS:-4}
SMALL=${SMALL:-1000}
LARGE=${LARGE:-6000}
UPSTREAM=${UPSTREAM:-http}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/bulkhead-profile.XXXXXX)}
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/echo.json "$OUT_DIR"/gw.json "$OUT_DIR"/callgrind.out.*

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_file() {
  for _ in $(seq 1 600); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "profile.sh: $1 did not appear" >&2
  exit 1
}

if [ "$UPSTREAM" = everything ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PORT=$port node "$root/test/peers/node_modules/@modelcontextprotocol/server-everything/dist/index.js" streamableHttp \
    >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/mcp" && break; sleep 0.1; done
  upstream_section="[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"http://127.0.0.1:$port/mcp\""
elif [ "$UPSTREAM" = stdio ]; then
  upstream_section="[[upstream]]
name = \"echo\"
transport = \"stdio\"
command = \"$ECHO\"
args = [\"--stdio\"]"
else
  "$ECHO" --http 127.0.0.1:0 --ready-file "$OUT_DIR/echo.json" >/dev/null 2>&1 &
  pids+=($!)
  wait_file "$OUT_DIR/echo.json"
  upstream_section="[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"$(jq -r .url "$OUT_DIR/echo.json")\""
fi
cat >"$OUT_DIR/gw.toml" <<EOF
[server]
listen = "127.0.0.1:0"
max_sessions = 100000
[auth]
mode = "none"
$upstream_section
EOF

# shellcheck disable=SC2086
valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$OUT_DIR/callgrind.out.%p" ${CALLGRIND_ARGS:-} \
  "$BULKHEAD" serve --config "$OUT_DIR/gw.toml" --ready-file "$OUT_DIR/gw.json" >"$OUT_DIR/gw.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)
wait_file "$OUT_DIR/gw.json"
url=$(jq -r .url "$OUT_DIR/gw.json")

total_ir() {  # total_ir FILE: the "totals:" (or "summary:") Ir of one callgrind dump
  awk '/^(totals|summary):/ { print $2; exit }' "$1"
}
run() {  # run NAME REQUESTS: one load run, then a dump named NAME
  "$LOAD" --url "$url" --tool echo__echo --connections "$CONNECTIONS" --requests "$2" --warmup 0 \
    --timeout-ms 60000 >"$OUT_DIR/load-$1.json"
  callgrind_control --dump="$1" "$gw_pid" >/dev/null 2>&1
  local file
  for _ in $(seq 1 100); do
    file=$(grep -l "^desc: Trigger: dump $1\$" "$OUT_DIR"/callgrind.out.* 2>/dev/null | head -1 || true)
    [ -n "$file" ] && break
    sleep 0.1
  done
  [ -n "$file" ] || { echo "profile.sh: no dump for $1" >&2; exit 1; }
  mv "$file" "$OUT_DIR/callgrind.out.$1"
}

# Each dump counts from the previous one, so the LARGE dump holds only the LARGE run.
run warm 200
run small "$SMALL"
run large "$LARGE"
small_ir=$(total_ir "$OUT_DIR/callgrind.out.small")
large_ir=$(total_ir "$OUT_DIR/callgrind.out.large")
errors=$(jq -s 'map(.errors) | add' "$OUT_DIR"/load-small.json "$OUT_DIR"/load-large.json)
per_request=$(( (large_ir - small_ir) / (LARGE - SMALL) ))
echo "{\"upstream\":\"$UPSTREAM\",\"connections\":$CONNECTIONS,\"small\":$SMALL,\"large\":$LARGE,\"ir_small\":$small_ir,\"ir_large\":$large_ir,\"ir_per_request\":$per_request,\"errors\":$errors,\"out_dir\":\"$OUT_DIR\"}"
