#!/usr/bin/env bash
# A read replica and backups beside a running server, as an operator runs them: `serve
# --demo` on a free port, `serve --replica-of` its folder on another, appends to the primary
# read back from the replica (checkpoint, feed, proofs, the access log), the replica's 503s
# for family reads and appends, then `backup --to` while the primary serves, `restore
# --from` into a new folder, and that folder's checkpoint and verify.
set -euo pipefail
bin=$(realpath "$1")
top=$2
work=$(mktemp -d)
primary=""
replica=""
. "$(dirname "$0")/lib.sh"  # stop, free_port
trap 'stop "$replica"; stop "$primary"; rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do
    [ -s "$log" ] && { echo "--- last lines of $log:" >&2; tail -n 15 "$log" >&2; }
  done
  exit 1
}
# wait_up PID URL LOG: until URL answers 200, or fail if the server died.
wait_up() {
  local pid=$1 u=$2 log=$3
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || fail "the server exited before answering $u: $(tail -n 5 "$log")"
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$u" 2>/dev/null)" = 200 ] && return 0
    sleep 0.1
  done
  fail "$u did not answer 200 within 15 s"
}
# req NAME BASE-URL METHOD PATH [curl args...]: body to $work/NAME.body, status to $code.
code=""
req() {
  local name=$1 base=$2 method=$3 path=$4
  shift 4
  code=$(curl -sS --max-time 10 -o "$work/$name.body" -w '%{http_code}' -X "$method" "$@" \
    "$base$path" 2> "$work/$name.curl") || code=000
}
shown() { { head -c 800 "$work/$1.body"; cat "$work/$1.curl"; } 2>/dev/null | tr -d '\r'; }
expect_status() { [ "$code" = "$2" ] || fail "$1: expected HTTP $2, got $code: $(shown "$1")"; }
expect_jq() {
  jq -e "$2" "$work/$1.body" > /dev/null 2>&1 \
    || fail "$1: expected the body to satisfy jq '$2', got: $(shown "$1")"
}
bearer() { echo "Authorization: Bearer $1"; }
size_of() { # base-url: the log's size as /healthz gives it
  curl -sS --max-time 5 "$1/healthz" | jq -e '.size'
}
field() { # file name: the value of a "name: value" line
  sed -n "s/^$2: //p" "$1" | head -n 1
}
b64_to_hex() { base64 -d | od -An -v -tx1 | tr -d ' \n'; }

# ---------------------------------------------------------------- the primary and its replica
port=$(free_port)
p_url="http://127.0.0.1:$port"
"$bin" --data "$work/data" serve --demo --demo-families 5 --fixtures "$top/fixtures" \
  --listen "127.0.0.1:$port" > "$work/primary.log" 2>&1 &
primary=$!
wait_up "$primary" "$p_url/healthz" "$work/primary.log"
# shellcheck disable=SC1091
. "$work/data/demo-tokens.env"
tm=$(bearer "$CASELEDGER_TRIAGE_MANAGER_TOKEN")
p1=$(bearer "$CASELEDGER_PRACTITIONER_TOKEN")
dash=$(bearer "$CASELEDGER_DASHBOARD_TOKEN")
auditor=$(bearer "$CASELEDGER_AUDITOR_TOKEN")

# The replica's own folder must not be the primary's.
if "$bin" --data "$work/data" serve --replica-of "$work/data" --listen "127.0.0.1:$(free_port)" \
  > "$work/same.out" 2>&1; then
  fail "serve --replica-of with --data the primary's folder started; expected a refusal"
fi
grep -q "replica's own folder" "$work/same.out" \
  || fail "serve --replica-of its own folder: expected a clear refusal, got: $(cat "$work/same.out")"

rport=$(free_port)
r_url="http://127.0.0.1:$rport"
"$bin" --data "$work/replica" serve --replica-of "$work/data" --listen "127.0.0.1:$rport" \
  > "$work/replica.log" 2>&1 &
replica=$!
wait_up "$replica" "$r_url/healthz" "$work/replica.log"
start_size=$(size_of "$p_url")
[ "$(size_of "$r_url")" = "$start_size" ] \
  || fail "the replica started at size $(size_of "$r_url"), the primary is at $start_size"

# The checkpoint on the replica, signed with the primary's key (the tokens are the primary's).
req r_cp "$r_url" GET /v1/ledger/checkpoint -H "$dash"
expect_status r_cp 200
[ "$(sed -n 2p "$work/r_cp.body")" = "$start_size" ] \
  || fail "the replica's checkpoint: expected size $start_size, got: $(shown r_cp)"

# ---------------------------------------------------------------- append to the primary
req state "$p_url" GET /v1/families/F1 -H "$p1"
expect_status state 200
version=$(jq -e '.version' "$work/state.body")
now=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
printf '{"expectedVersion":%s,"events":[{"eventId":"00000000-0000-4000-8000-0000000be001","type":"caseNoteAdded","occurredAt":"%s","data":{"episodeId":"E1","noteId":"N-replica-1","category":"contact","text":"Seen by the replica.","significant":false}}]}' \
  "$version" "$now" > "$work/note.json"
req append "$p_url" POST /v1/families/F1/events -H "$p1" -H 'Content-Type: application/json' \
  --data-binary "@$work/note.json"
expect_status append 201
seq=$(jq -e '.events[0].seq' "$work/append.body")
leaf=$(jq -r '.events[0].leafHash' "$work/append.body")
primary_size=$(size_of "$p_url")
[ "$primary_size" -gt "$start_size" ] || fail "the primary did not grow: $primary_size"

# The replica follows within ~200 ms; give it 5 s.
for _ in $(seq 50); do
  [ "$(size_of "$r_url")" = "$primary_size" ] && break
  sleep 0.1
done
[ "$(size_of "$r_url")" = "$primary_size" ] \
  || fail "the replica is at size $(size_of "$r_url") 5 s after the primary reached $primary_size"
req r_cp2 "$r_url" GET /v1/ledger/checkpoint -H "$dash"
expect_status r_cp2 200
req p_cp2 "$p_url" GET /v1/ledger/checkpoint -H "$dash"
[ "$(head -n 3 "$work/r_cp2.body")" = "$(head -n 3 "$work/p_cp2.body")" ] \
  || fail "the replica's checkpoint differs from the primary's: $(shown r_cp2) vs $(shown p_cp2)"

# The event feed (redacted for the dashboard: no read to record) shows the new event.
req feed "$r_url" GET "/v1/events?after=$((seq - 1))&limit=5" -H "$dash"
expect_status feed 200
expect_jq feed "any(.events[]; .seq == $seq and .type == \"caseNoteAdded\" and .leafHash == \"$leaf\")"

# Proofs answer the same on both.
req r_proof "$r_url" GET "/v1/ledger/proofs/inclusion?seq=$seq&size=$primary_size" -H "$tm"
expect_status r_proof 200
req p_proof "$p_url" GET "/v1/ledger/proofs/inclusion?seq=$seq&size=$primary_size" -H "$tm"
cmp -s "$work/r_proof.body" "$work/p_proof.body" \
  || fail "inclusion proofs differ: $(shown r_proof) vs $(shown p_proof)"

# The access log on the replica names P1's read of F1 made on the primary after it started.
req access "$r_url" GET '/v1/audit/access?familyId=F1' -H "$auditor"
expect_status access 200
expect_jq access 'any(.accesses[]; .actor.id == "P1" and .view == "state")'

# The reports need no write.
req counts "$r_url" GET /v1/reports/timescales -H "$dash"
expect_status counts 200
expect_jq counts '.families > 0'

# A family read must be recorded, which a replica cannot do: 503, saying so.
req r_family "$r_url" GET /v1/families/F1/chronology -H "$tm"
expect_status r_family 503
expect_jq r_family '.error.code == "unavailable" and (.error.message | test("read-only replica"))
  and (.error.message | test("primary"))'
# An append: 503, saying where appends go.
req r_append "$r_url" POST /v1/families/F1/events -H "$p1" -H 'Content-Type: application/json' \
  --data-binary "@$work/note.json"
expect_status r_append 503
expect_jq r_append '.error.code == "unavailable" and (.error.message | test("read-only replica"))'
[ "$(size_of "$p_url")" = "$primary_size" ] || fail "the replica's refusals changed the primary"

# ---------------------------------------------------------------- backup while serving
# Relative folders, as typed at a prompt.
(cd "$work" && "$bin" --log-level warn --data data backup --to backups) \
  > "$work/backup.out" 2> "$work/backup.log" \
  || fail "backup while the primary serves: $(cat "$work/backup.out" "$work/backup.log")"
backup_root=$(field "$work/backup.out" root)
backup_events=$(field "$work/backup.out" events)
[[ "$backup_root" =~ ^[0-9a-f]{64}$ ]] || fail "backup printed no root: $(cat "$work/backup.out")"
[ "$backup_events" -ge "$primary_size" ] \
  || fail "the backup holds $backup_events events, fewer than the $primary_size served"
grep -q '^taken: beside the process serving' "$work/backup.out" \
  || fail "backup did not say it ran beside the server: $(cat "$work/backup.out")"
grep -q '^not in the backup: the master key .*, the signing key' "$work/backup.out" \
  || fail "backup did not say the key is not in it: $(cat "$work/backup.out")"

# ---------------------------------------------------------------- restore, checkpoint, verify
(cd "$work" && "$bin" --log-level warn --data restored restore --from backups) \
  > "$work/restore.out" 2> "$work/restore.log" \
  || fail "restore: $(cat "$work/restore.out" "$work/restore.log")"
[ "$(field "$work/restore.out" root)" = "$backup_root" ] \
  || fail "restore: expected root $backup_root, got: $(cat "$work/restore.out")"
grep -q '^to do: copy the ledger.s signing key' "$work/restore.out" \
  || fail "restore did not say to copy the signing key back: $(cat "$work/restore.out")"
grep -q '^to do: copy the ledger.s master key' "$work/restore.out" \
  || fail "restore did not say to copy the master key back: $(cat "$work/restore.out")"
# The keys are kept apart from backups; put them back as the restore says.
install -m 600 "$work/data/checkpoint.key" "$work/restored/checkpoint.key"
install -m 600 "$work/data/master.key" "$work/restored/master.key"
"$bin" --log-level warn --data "$work/restored" checkpoint > "$work/checkpoint.out" 2>&1 \
  || fail "checkpoint of the restored ledger: $(cat "$work/checkpoint.out")"
[ "$(sed -n 2p "$work/checkpoint.out")" = "$backup_events" ] \
  || fail "the restored checkpoint's size is not $backup_events: $(cat "$work/checkpoint.out")"
[ "$(sed -n 3p "$work/checkpoint.out" | b64_to_hex)" = "$backup_root" ] \
  || fail "the restored checkpoint's root is not the backup's $backup_root: $(cat "$work/checkpoint.out")"
"$bin" --log-level warn --data "$work/restored" verify > "$work/verify.out" 2>&1 \
  || fail "verify of the restored ledger: $(cat "$work/verify.out")"
grep -q "root $backup_root" "$work/verify.out" \
  || fail "verify of the restored ledger did not give root $backup_root: $(cat "$work/verify.out")"

# A second restore into the same folder is refused, and the ledger there is untouched.
if "$bin" --log-level warn --data "$work/restored" restore --from "$work/backups" \
  > "$work/again.out" 2>&1; then
  fail "a restore over a ledger succeeded"
fi
grep -q 'never overwrites' "$work/again.out" || fail "restore over a ledger: $(cat "$work/again.out")"
"$bin" --log-level warn --data "$work/restored" verify > /dev/null 2>&1 \
  || fail "the refused restore damaged the ledger there"

# ---------------------------------------------------------------- both stop cleanly
stop_clean() { # pid name
  kill -TERM "$1"
  set +e
  wait "$1"
  local status=$?
  set -e
  [ "$status" -eq 0 ] || fail "the $2 exited $status on SIGTERM, expected 0"
}
stop_clean "$replica" replica
replica=""
stop_clean "$primary" primary
primary=""
echo "replica test passed"
