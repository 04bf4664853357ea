#!/usr/bin/env bash
# One server per address: a second `serve` on a port a caseledger already serves exits non-zero
# at once, naming the address and what to do, and the first still answers every new connection
# (had the second bound beside it, it would take a share of them and answer none).
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
first=""
. "$(dirname "$0")/lib.sh"  # stop, free_port
trap 'stop "$first"; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

port=$(free_port)
url="http://127.0.0.1:$port/healthz"
"$bin" --log-level warn --data "$work/first" serve --listen "127.0.0.1:$port" \
  > "$work/first.log" 2>&1 &
first=$!
for _ in $(seq 150); do
  kill -0 "$first" 2>/dev/null || fail "the first server exited: $(tail -n 5 "$work/first.log")"
  curl -sf --max-time 2 "$url" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -sf --max-time 2 "$url" > /dev/null || fail "the first server does not answer $url"

# The second on a ledger of its own (a ledger's folder is locked by the server that opened it).
status=0
timeout 30 "$bin" --log-level warn --data "$work/second" serve --listen "127.0.0.1:$port" \
  > "$work/second.out" 2>&1 || status=$?
[ "$status" -ne 124 ] || fail "the second server on port $port was still serving after 30 s"
[ "$status" -ne 0 ] || fail "the second server on port $port exited 0: $(cat "$work/second.out")"
for expected in '"code":"unavailable"' "cannot listen on 127.0.0.1:$port" \
  "another caseledger, or another process, is serving it" "--listen"; do
  grep -qF -- "$expected" "$work/second.out" \
    || fail "the second server's message lacks '$expected': $(cat "$work/second.out")"
done

for i in $(seq 16); do
  curl -sf --max-time 5 "$url" > /dev/null \
    || fail "connection $i to the first server was not answered"
done
kill -0 "$first" 2>/dev/null || fail "the first server exited: $(tail -n 5 "$work/first.log")"
echo "ok: the second server exited $status: $(cat "$work/second.out")"
