#!/usr/bin/env bash
# Installs everything Bulkhead needs to build, test and run its demo on a fresh Debian 12 machine (as root).
# Idempotent: skips apt when every package is present, and npm ci when node_modules matches the lockfile.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(build-essential cmake ninja-build pkg-config libboost1.81-dev libssl-dev libsimdjson-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libsqlite3-dev libpq-dev libhyperscan-dev
  libsodium-dev libgtest-dev libgmock-dev libbenchmark-dev clang-19 libclang-rt-19-dev wrk python3 curl procps openssl
  chromium)  # chromium: headless rendering check of the HTML report (test/e2e/report.test.mjs)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
  echo "install-deps: node (>= 20) is required for the test peers" >&2
  exit 1
fi

# npm test peers (pinned in package-lock.json files).
for dir in test/peers test/scan/peers bench/peers; do
  [ -f "$here/$dir/package-lock.json" ] || continue
  stamp="$here/$dir/node_modules/.bulkhead-lock.sha256"
  sum=$(sha256sum "$here/$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$sum" > "$stamp"
  fi
done
