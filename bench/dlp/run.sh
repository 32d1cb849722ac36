#!/usr/bin/env bash
# bench/dlp/run.sh — what response DLP adds through the gateway, in ONE run: the echo upstream direct, the gateway
# with DLP off, and the same gateway config with DLP on (1,000 tenants' markers + 8 custom patterns + the 42
# credential patterns = the BM_Dlp_Scan rule set), low load (1 connection), rounds alternating so machine drift
# hits all three. Prints p50/p99 per variant and the added latency; docs/benchmarks.md "Response DLP".
#
# Expects build/bin/{bulkhead,bulkhead-echo,bulkhead-load}. Servers (echo, both gateways) on SERVER_CPU (default 0),
# the load client on LOAD_CPU (default 1). Run under `flock /work/.bench.lock`. Overrides: BUILD_DIR, REQUESTS
# (default 20000), WARMUP (2000), ROUNDS (3), MESSAGE_BYTES (size of the echoed text; default 0 = the client's
# default message). PREWARM_SECONDS (3: the wait after a first DLP-on run, for the tenant databases).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$root/build}
BIN=$BUILD_DIR/bin
REQUESTS=${REQUESTS:-20000}
WARMUP=${WARMUP:-2000}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
MESSAGE_BYTES=${MESSAGE_BYTES:-0}

work=$(mktemp -d /tmp/bulkhead-dlp-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT

start() {  # start NAME CMD...
  local name=$1
  shift
  setsid taskset -c "$SERVER_CPU" "$@" >"$work/$name.out" 2>"$work/$name.log" </dev/null &
  pids+=("$!")
}
wait_file() {
  for _ in $(seq 1 300); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "not ready: $1" >&2; tail -20 "$work"/*.log >&2; exit 1
}

start echo "$BIN/bulkhead-echo" --http 127.0.0.1:0 --ready-file "$work/echo.ready.json"
wait_file "$work/echo.ready.json"
echo_url=$(jq -r .url "$work/echo.ready.json")

common="[server]
listen = \"127.0.0.1:0\"
request_timeout_ms = 30000
[auth]
mode = \"none\"
[[upstream]]
name = \"echo\"
transport = \"http\"
url = \"$echo_url\""
{ echo "$common"; echo '[[tenant]]'; echo 'id = "acme"'; } >"$work/off.toml"
{
  echo "$common"
  python3 - <<'PY'
def name(i):
    x = (2654435761 * (i + 1)) & 0xffffffff
    out = ''
    for _ in range(6):
        out += chr(ord('a') + x % 26)
        x = (x * 1103515245 + 12345) & 0xffffffff
    return out + str(i)
print('[[tenant]]\nid = "acme"\ncanaries = ["ACME-CANARY-7f3a"]\nmarkers = [\'acme-\\d{3}\']')
for i in range(1, 1000):
    print(f'[[tenant]]\nid = "{name(i)}"\nmarkers = [\'{name(i)}-\\d{{3}}\']')
print('[dlp]\non_other_tenant_marker = "block"\non_secret = "redact"')
for n, rx in enumerate([r'\d{3}-\d{2}-\d{4}', r'DE\d{2}[ ]?\d{4}[ ]?\d{4}[ ]?\d{4}[ ]?\d{4}[ ]?\d{2}', r'project-nightjar',
                        r'CONFIDENTIAL//[A-Z]{2,8}', r'4\d{3}[ -]\d{4}[ -]\d{4}[ -]\d{4}', r'salary band \d{1,2}',
                        r'passport no\. [A-Z0-9]{9}', r'internal-only-[a-f0-9]{8}']):
    print(f"[[dlp.pattern]]\nid = \"custom-{n}\"\nregex = '{rx}'\nclassification = \"restricted\"")
PY
} >"$work/on.toml"
for v in off on; do
  start "gw-$v" "$BIN/bulkhead" serve --config "$work/$v.toml" --ready-file "$work/gw-$v.ready.json"
  wait_file "$work/gw-$v.ready.json"
done
off_url=$(jq -r .url "$work/gw-off.ready.json")
on_url=$(jq -r .url "$work/gw-on.ready.json")
grep -h "response DLP" "$work"/gw-*.log >&2 || true

msg_args=()
if [ "$MESSAGE_BYTES" -gt 0 ]; then
  msg_args=(--message "$(python3 -c "import sys; n=int(sys.argv[1]); s='customer acme-101 renewal due; '; print((s * (n // len(s) + 1))[:n])" "$MESSAGE_BYTES")")
fi
load() {  # load LABEL URL [TOOL]
  local label=$1 url=$2 tool=${3:-}
  local extra=()
  [ -n "$tool" ] && extra=(--tool "$tool" --header "Bulkhead-Tenant: acme")
  taskset -c "$LOAD_CPU" "$BIN/bulkhead-load" --label "$label" --busy-poll --url "$url" --connections 1 \
    --requests "$REQUESTS" --warmup "$WARMUP" "${extra[@]}" "${msg_args[@]}" >>"$work/results.jsonl"
}
# acme's first scan starts compiling its own DLP databases (without its own markers) in the background, ≈ 0.5 s
# for 1,000 tenants; until then its scans use the shared database. Measure the steady state: trigger, then wait.
load "dlp-on-prewarm" "$on_url" echo__echo
sleep "${PREWARM_SECONDS:-3}"
for r in $(seq 1 "$ROUNDS"); do
  load "direct-r$r" "$echo_url"
  load "dlp-off-r$r" "$off_url" echo__echo
  load "dlp-on-r$r" "$on_url" echo__echo
done
python3 - "$work/results.jsonl" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r['label'].rsplit('-r', 1)[0], []).append(r)
med = lambda v, k: statistics.median(x[k] for x in by[v])
for v in ('direct', 'dlp-off', 'dlp-on'):
    errs = sum(x.get('errors', 0) for x in by[v])
    print(f"{v:8} p50 {med(v,'p50_us'):7.1f} us  p99 {med(v,'p99_us'):7.1f} us  (median of {len(by[v])} rounds; errors {errs}; per round p50 {[x['p50_us'] for x in by[v]]})")
for k in ('p50_us', 'p99_us'):
    off = med('dlp-off', k) - med('direct', k); on = med('dlp-on', k) - med('direct', k)
    print(f"added {k[:3]}: DLP off {off:.1f} us, DLP on {on:.1f} us, DLP itself {on - off:+.1f} us")
PY
