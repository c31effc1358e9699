#!/usr/bin/env bash
# Build-time benchmark: cold builds (every key generated) and warm builds (keys reused from
# the previous bundle's pki/) of the example profiles, with peak memory when GNU time exists.
# Usage: scripts/bench.sh [runs]   (default 3 runs each)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build --release --quiet
bin=target/release/kmgen
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
measure() { # label, then the command
  local label="$1"; shift
  local start end rss=""
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    rss=$(/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
  else
    "$@" >/dev/null 2>&1
  fi
  end=$(date +%s%N)
  printf '%-45s %7d ms %s\n' "$label" $(( (end - start) / 1000000 )) "${rss:+ peak RSS ${rss} KiB}"
}
for profile in profiles/hybrid-active-active.toml profiles/distributed-ha.toml; do
  for i in $(seq "$runs"); do
    rm -rf "$out"/*
    measure "$(basename "$profile") cold #$i" "$bin" build "$profile" -o "$out"
    measure "$(basename "$profile") keys reused #$i" "$bin" build "$profile" -o "$out"
  done
done
