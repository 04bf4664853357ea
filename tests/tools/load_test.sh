#!/usr/bin/env bash
# Load (issue 8): `serve --demo`, then wrk for SECONDS (default 60) with 16 connections: 80%
# family reads (chronology and state) and 20% case notes appended to the families with an open
# episode (tests/tools/load_mix.lua). Passes only with zero errors (every answer 200 or 201,
# no socket error), memory that does not keep growing (the server's RSS sampled every 2 s: the
# last third's peak within 25% or 64 MiB of the middle third's), a log that still verifies,
# and every acknowledged append in it. Prints the figures.
#
# With FAMILIES (default 60) the demo has that many synthetic families, read and appended to
# alike: with many, each family grows slowly, so the answers' sizes stay level through a long
# run; with few, each family's chronology grows by thousands of notes and every read with it.
#
#   tests/tools/load_test.sh CASELEDGER_BINARY SOURCE_DIR [SECONDS] [FAMILIES]
set -euo pipefail
bin=$1
top=$2
seconds=${3:-60}
families=${4:-60}
work=$(mktemp -d)
server=""
sampler=""
. "$(dirname "$0")/lib.sh"  # stop, free_port
trap 'stop "$sampler"; stop "$server"; rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -s "$work/server.log" ] && { echo "--- last lines of the server's log:" >&2; tail -n 15 "$work/server.log" >&2; }
  exit 1
}
command -v wrk > /dev/null || fail "wrk is not installed (tools/setup installs it)"

port=$(free_port)
"$bin" --data "$work/data" serve --demo --demo-families "$families" --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 200); do
  [ -f "$work/data/demo-tokens.env" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 "$server" 2> /dev/null || fail "the server exited"
  sleep 0.1
done
. "$work/data/demo-tokens.env"
url=$CASELEDGER_URL
token=$CASELEDGER_TRIAGE_MANAGER_TOKEN
auth="Authorization: Bearer $token"

# The families with an open episode take the appends.
open=""
for n in $(seq "$families"); do
  episode=$(curl -sf -H "$auth" "$url/v1/families/G$n" | jq -r '.openEpisodeId // empty')
  [ -n "$episode" ] && open="$open G$n:$episode"
done
[ -n "$open" ] || fail "no demo family has an open episode"
size_before=$(curl -sf "$url/healthz" | jq .size)

# The server's resident memory, every 2 s, in KiB.
(
  while kill -0 "$server" 2> /dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$server/status" 2> /dev/null || true
    sleep 2
  done
) > "$work/rss" &
sampler=$!

TOKEN=$token OPEN=$open FAMILIES=$families wrk -t2 -c16 -d"${seconds}s" --timeout 10s \
  -s "$(dirname "$0")/load_mix.lua" "$url" > "$work/wrk.out" 2>&1 || fail "wrk failed: $(cat "$work/wrk.out")"
stop "$sampler"
sampler=""
line=$(grep '^load:' "$work/wrk.out") || fail "no summary from wrk: $(cat "$work/wrk.out")"
echo "$line"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$line"; }
[ "$(field errors)" = 0 ] || fail "errors under load: $line"
[ "$(field socket_errors)" = 0 ] || fail "socket errors under load: $line"
[ "$(field appends)" -gt 0 ] && [ "$(field reads)" -gt 0 ] || fail "the mix did not run: $line"

# Memory: the last third's peak against the middle third's.
mapfile -t rss < "$work/rss"
n=${#rss[@]}
[ "$n" -ge 6 ] || fail "too few memory samples ($n)"
peak() { printf '%s\n' "${rss[@]:$1:$2}" | sort -n | tail -1; }
middle=$(peak $((n / 3)) $((n / 3)))
last=$(peak $((2 * n / 3)) $((n - 2 * n / 3)))
echo "load: rss_kib first=${rss[0]} middle_peak=$middle last_peak=$last samples=$n"
# What the storage holds (RocksDB's memtables, block cache, table readers; the read cache).
parts=$(curl -sf "$url/metrics" | sed -n 's/^caseledger_memory_bytes{part="\([a-z_]*\)"} \([0-9]*\)$/\1=\2/p' | tr '\n' ' ') || parts="(no /metrics answer)"
echo "load: memory_bytes ${parts% }"
limit=$((middle + middle / 4 > middle + 65536 ? middle + middle / 4 : middle + 65536))
[ "$last" -le "$limit" ] || fail "memory keeps growing: the middle third peaked at $middle KiB, the last at $last KiB"

# Everything acknowledged is in the log: each answered read appended its access record and
# each answered append its note, so the log grew by the answers counted, plus at most one
# per connection whose answer came after wrk stopped counting.
size_after=$(curl -sf "$url/healthz" | jq .size)
grown=$((size_after - size_before))
[ "$grown" -ge "$(field ok)" ] && [ "$grown" -le $(($(field ok) + 16)) ] \
  || fail "the log grew by $grown events for $(field ok) answers"
"$bin" --log-level warn --data "$work/data" verify > "$work/verify.out" || fail "verify after load: $(cat "$work/verify.out")"
echo "load test passed: $grown events appended (notes and access records) in ${seconds}s"
