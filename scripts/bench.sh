#!/usr/bin/env bash
# Build-time benchmark: cold builds (every key generated) and warm builds (keys reused from
# the previous bundle's pki/) of the example profiles, with peak memory when GNU time exists;
# then the three speed goals, as plain numbers and ratios (no pass/fail):
#   1. a cold build against its key-generation bound, max(sum / cores, longest key), from
#      `examples/keygen_bound.rs`, and against the same PKI work done with keytool
#      (scripts/keytool-pki.sh, run once per profile); beside them, kmgen's key step alone
#      (every key on every core, every certificate issued), which splits the ratio into what
#      the keys themselves take and what the rest of the build adds;
#   2. an unchanged rebuild of distributed-ha;
#   3. build time per node of distributed profiles of 50, 100, 200 and 400 nodes.
# Usage: scripts/bench.sh [runs] (default 3 runs each; SKIP_KEYTOOL=1 leaves keytool out)
#   Goal 1 takes COLD_RUNS cold builds per profile (default 100), each after one round of the
#   bound and one run of the key step alone, so the three see the same host: a key's time is
#   a random prime search (a build's time has a standard deviation of about 40 ms; 100 builds put
#   the mean within about 4 ms), and the host's speed drifts.
# Every cold build writes into a folder of its own, and nothing is deleted until the cold
# builds are done: ext4 skips the inodes of files deleted in the last minutes (up to 6:
# RECENTCY_DIRTY, torvalds/linux:fs/ext4/ialloc.c) when it allocates new ones, which makes
# creating files after a mass deletion (a test run, an earlier bench) several times slower;
# that is the benchmark's doing, not kmgen's. Run it on a quiet machine, 6 minutes or more
# after the last test run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cold_runs="${COLD_RUNS:-100}"
cargo build --release --quiet
cargo build --release --quiet --example keygen_bound
bin=target/release/kmgen
bound_bin=target/release/examples/keygen_bound
out="$(mktemp -d)"
# Goal 1 also builds into memory (tmpfs), when there is one, to tell the disk's share apart.
mem=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then mem="$(mktemp -d -p /dev/shm)"; fi
trap 'rm -rf "$out" ${mem:+"$mem"}' EXIT
# The clock in microseconds, into $now: bash's own clock (bash 5) takes no process, where
# `date` would put a fork and an exec (about 1 ms) inside every interval it times.
clock() {
  if [ -n "${EPOCHREALTIME:-}" ]; then now=${EPOCHREALTIME/[.,]/}; else now=$(date +%s%6N); fi
}
measure() { # label, then the command; prints the line, sets $ms
  local label="$1"; shift
  local start rss=""
  clock; start=$now
  if [ -x /usr/bin/time ]; then
    rss=$(/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
  else
    "$@" >/dev/null 2>&1
  fi
  clock
  ms=$(( (now - start + 500) / 1000 ))
  printf '%-45s %7d ms %s\n' "$label" "$ms" "${rss:+ peak RSS ${rss} KiB}"
}
quiet_ms() { # the command's wall time in ms, output discarded
  local start
  clock; start=$now
  "$@" >/dev/null 2>&1
  clock
  echo $(( (now - start + 500) / 1000 ))
}
mean() { awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3g", a / b }'; }

declare -A cold_mean cold_median
for profile in profiles/hybrid-active-active.toml profiles/distributed-ha.toml; do
  name=$(basename "$profile" .toml)
  : >"$out/cold-$name"
  : >"$out/bound-$name"
  : >"$out/keys-$name"
  for i in $(seq "$cold_runs"); do
    "$bound_bin" "$profile" --round >>"$out/bound-$name"
    "$bound_bin" "$profile" --kmgen-keys >>"$out/keys-$name"
    ms=$(quiet_ms "$bin" build "$profile" -o "$out/cold-$name-$i")
    printf '%-45s %7d ms\n' "$name.toml cold #$i" "$ms"
    echo "$ms" >>"$out/cold-$name"
    if [ -n "$mem" ]; then
      quiet_ms "$bin" build "$profile" -o "$mem/cold-$name-$i" >>"$out/mem-$name"
    fi
  done
  measure "$name.toml cold (for its peak memory)" "$bin" build "$profile" -o "$out/cold-$name-rss"
  cold_mean[$name]=$(mean <"$out/cold-$name")
  cold_median[$name]=$(median <"$out/cold-$name")
done
# After every cold build: a rebuild that changes the bundle removes the old one.
for profile in profiles/hybrid-active-active.toml profiles/distributed-ha.toml; do
  name=$(basename "$profile" .toml)
  for i in $(seq "$runs"); do
    measure "$name.toml keys reused #$i" "$bin" build "$profile" -o "$out/cold-$name-$i"
  done
done

echo
echo "Goal 1: cold build <= 1.25 x key-generation bound; keytool script for the same PKI work"
for profile in profiles/hybrid-active-active.toml profiles/distributed-ha.toml; do
  name=$(basename "$profile" .toml)
  sum=$(awk '{ print $2 }' "$out/bound-$name" | mean)
  longest=$(awk '{ print $4 }' "$out/bound-$name" | mean)
  cores=$(nproc)
  bound=$(awk -v s="$sum" -v l="$longest" -v c="$cores" 'BEGIN { b = s / c; if (l > b) b = l; printf "%.1f", b }')
  keys=$(awk '{ print $2 }' "$out/keys-$name" | mean)
  nkeys=$("$bound_bin" "$profile" --work | grep -c '^key ')
  echo "$name: keys $nkeys sum_ms $sum longest_ms $longest cores $cores bound_ms $bound rounds $cold_runs"
  echo "$name: $("$bound_bin" "$profile" 10 | tail -1) (10 rounds)"
  echo "$name: kmgen's key step alone mean $keys ms = $(ratio "$keys" "$bound") x bound"
  echo "$name: cold build mean ${cold_mean[$name]} ms = $(ratio "${cold_mean[$name]}" "$bound") x bound (median ${cold_median[$name]} ms, $cold_runs builds)"
  if [ -n "$mem" ]; then
    m=$(mean <"$out/mem-$name")
    echo "$name: cold build into tmpfs mean $m ms = $(ratio "$m" "$bound") x bound (median $(median <"$out/mem-$name") ms)"
  fi
  if [ -z "${SKIP_KEYTOOL:-}" ]; then
    "$bound_bin" "$profile" --work >"$out/work-$name"
    rm -rf "${out:?}"/keytool
    keytool_ms=$(quiet_ms scripts/keytool-pki.sh "$out/work-$name" "$out/keytool")
    echo "$name: keytool script $keytool_ms ms; kmgen/keytool $(ratio "${cold_mean[$name]}" "$keytool_ms") (keytool $(ratio "$keytool_ms" "${cold_mean[$name]}") x slower)"
  fi
done

echo
echo "Goal 2: unchanged rebuild of distributed-ha <= 20 ms"
"$bin" build profiles/distributed-ha.toml -o "$out/warm-bundle" >/dev/null
: >"$out/warm"
for _ in $(seq $((runs * 5))); do
  quiet_ms "$bin" build profiles/distributed-ha.toml -o "$out/warm-bundle" >>"$out/warm"
done
echo "distributed-ha unchanged rebuild: mean $(mean <"$out/warm") ms, median $(median <"$out/warm") ms, min $(sort -n "$out/warm" | head -1) ms over $((runs * 5)) runs"

echo
echo "Goal 3: build time linear in nodes (distributed-ha plus gateway workers; self-signed:"
echo "every node's truststore holds every node's certificate, so its bytes grow with nodes^2)"
mkdir -p "$out/scale"
cp -r profiles/secrets "$out/scale/"
printf '%6s %10s %12s %12s %14s %14s\n' nodes cold_ms cold_ms/node rebuild_ms rebuild_ms/node bundle_MB
for nodes in 50 100 200 400; do
  profile="$out/scale/n$nodes.toml"
  cp profiles/distributed-ha.toml "$profile"
  for k in $(seq 3 $((nodes - 8))); do
    printf '\n[[node]]\nname = "gw-worker-%d"\nrole = "gateway-worker"\nhost = "gw%d.acme.example"\n' "$k" "$k" >>"$profile"
  done
  cold=$(quiet_ms "$bin" build "$profile" -o "$out/scale-$nodes")
  rebuild=$(quiet_ms "$bin" build "$profile" -o "$out/scale-$nodes")
  mb=$(du -sm "$out/scale-$nodes" | cut -f1)
  printf '%6d %10d %12s %12d %14s %14d\n' "$nodes" "$cold" "$(ratio "$cold" "$nodes")" \
    "$rebuild" "$(ratio "$rebuild" "$nodes")" "$mb"
done
