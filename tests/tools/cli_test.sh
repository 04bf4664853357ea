#!/usr/bin/env bash
# End to end, as a user runs it: import the demo fixtures, read a history, prove, verify,
# serve /healthz to curl, then flip one byte of a stored event with RocksDB's own ldb and
# check that verify exits non-zero naming that seq.
set -euo pipefail
# grep that reads its whole input: grep -q exits at the first match, and a command still
# writing then dies of SIGPIPE, which pipefail reports as the step failing.
has() { grep "$@" > /dev/null; }
bin=$1
top=$2
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=""
cl() { "$bin" --log-level warn --data "$work/data" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"  # free_port

cl --help | has "import" || fail "--help does not list import"
# Exit codes as the README says: 0 for --help, 2 for a usage error (not CLI11's 100s), and a
# misspelled command names the nearest one.
exit_of() { set +e; "$@" > "$work/out" 2> "$work/err"; echo $?; set -e; }
[ "$(exit_of cl chronology --help)" = 0 ] || fail "chronology --help did not exit 0"
[ "$(exit_of cl chronolgy --family F1)" = 2 ] || fail "a misspelled command did not exit 2"
has 'there is no command "chronolgy": did you mean "chronology"' < "$work/err" \
  || fail "a misspelled command: $(cat "$work/err")"
[ "$(exit_of cl token craete --role auditor --actor A1)" = 2 ] || fail "a misspelled subcommand"
has 'did you mean "create"' < "$work/err" || fail "a misspelled subcommand: $(cat "$work/err")"
[ "$(exit_of cl state --family F1 --colour red)" = 2 ] || fail "an unknown option did not exit 2"
[ "$(exit_of cl)" = 2 ] || fail "no command did not exit 2"
# Every command's --help (and every subcommand's) ends with an example.
commands() { "$bin" "$@" --help | sed -n '/^Subcommands:/,/^$/p' | awk '/^  [a-z]/ {print $1}'; }
[ "$(commands | wc -l)" -ge 20 ] || fail "caseledger --help lists $(commands | wc -l) commands"
for c in $(commands); do
  "$bin" "$c" --help | has -A1 '^Example:' || fail "caseledger $c --help shows no example"
  for s in $(commands "$c"); do
    "$bin" "$c" "$s" --help | has '^Example:' || fail "caseledger $c $s --help shows no example"
  done
done

cl import --fixture "$top/fixtures/demo/01-practitioners.jsonl"
cl import --fixture "$top/fixtures/demo/02-families.jsonl"
# Importing again is a retry of every line: nothing new.
cl import --fixture "$top/fixtures/demo/02-families.jsonl" 2>&1 | has "0 new events" || fail "re-import appended"

cl history --family F1 > "$work/history"
[ "$(wc -l < "$work/history")" -eq 10 ] || fail "family F1 should have 10 events"
grep -q '"type":"tafMeetingHeld"' "$work/history" || fail "history lacks the TAF meeting"

# The family reads, now and as of a recorded time.
cl state --family F1 | has '"status": "assessmentFinalised"' || fail "state of F1"
cl chronology --family F1 | has 'Initial TAF meeting held: continue; next review 2026-04-13' \
  || fail "chronology summary of the TAF meeting"
cl chronology --family F1 --format csv | head -1 | has 'seq,occurredAt,recordedAt' \
  || fail "chronology as CSV"
cl chronology --family F1 --format html | has '<table>' || fail "chronology as HTML"
cl chronology --family F1 --as-of 2026-02-02T12:00:00Z | has 'Initial TAF' \
  && fail "the chronology as of 2 February shows a meeting recorded in March"
cl timescales --family F1 --on 2026-03-04 | has '"id": "assessment-3-weeks"' \
  || fail "timescales"
if cl state --family F404 2> "$work/err"; then fail "an unknown family has a state"; fi
grep -q '"code":"notFound"' "$work/err" || fail "unknown family: $(cat "$work/err")"
# Synthetic histories: deterministic for a seed, valid under every rule, replayable.
cl gen --families 40 --seed 3 > "$work/gen.jsonl"
cl gen --families 40 --seed 3 | cmp -s - "$work/gen.jsonl" || fail "gen is not deterministic"
cl gen --families 40 --seed 4 | cmp -s - "$work/gen.jsonl" && fail "gen ignores the seed"
"$bin" --log-level warn --data "$work/gen-data" import "$work/gen.jsonl" \
  || fail "generated histories were refused"
"$bin" --log-level warn --data "$work/gen-data" replay | has '^replayed [0-9]* events' \
  || fail "replay did not report"

# Subject access and erasure on the command line (docs/DATA-PROTECTION.md), on the generated
# ledger: G1's export holds every event of its stream; as of a time before the first event
# it is refused, not answered with today's record; --to writes a new file, mode 0600, never
# over another. Then G1 is erased: its state shows [erased], verify passes, and erasing it
# again only says so.
gl() { "$bin" --log-level warn --data "$work/gen-data" "$@"; }
gl export-family --family G1 --format json > "$work/sa.json" 2> "$work/sa.err"
events=$(gl history --family G1 | wc -l)
[ "$(jq '.events' "$work/sa.json")" = "$events" ] && [ "$(jq '.entries | length' "$work/sa.json")" = "$events" ] \
  || fail "export-family is not complete: $(jq -c '{events, n: (.entries | length)}' "$work/sa.json") vs $events"
grep -q "marked for review before disclosure" "$work/sa.err" || fail "export-family said nothing"
if gl export-family --family G1 --as-of 2000-01-01T00:00:00Z > "$work/sa-early" 2> "$work/err"; then
  fail "an export as of before the first event was answered"
fi
grep -q "no record at that time" "$work/err" || fail "early export: $(cat "$work/err")"
gl export-family --family G1 --to "$work/sa.html" 2> /dev/null
[ "$(stat -c %a "$work/sa.html")" = 600 ] || fail "the export file is not mode 0600"
grep -q "<h1>Subject access export: family G1</h1>" "$work/sa.html" || fail "the HTML export"
if gl export-family --family G1 --to "$work/sa.html" 2> /dev/null; then fail "an export overwrote a file"; fi
gl checkpoint > "$work/gen-cp.txt"
gl erase --family G1 --reason "retention ended" --authorised-by DPO1 | has "^erased family G1" \
  || fail "erase did not report"
gl state --family G1 > "$work/g1-state.json"
grep -q '"erased": true' "$work/g1-state.json" || fail "G1 is not shown erased"
grep -q '"name": "\[erased\]"' "$work/g1-state.json" || fail "G1's personal fields do not read [erased]"
gl verify --checkpoint "$work/gen-cp.txt" > /dev/null || fail "verify failed after an erasure"
gl erase --family G1 --reason "retention ended" --authorised-by DPO1 | has "already recorded" \
  || fail "a second erase did not say it was done"

cl report inbox | has '"concernId": "C1"' || fail "the triage inbox lacks F2's police concern"
cl report counts --on 2026-03-20 | has '"assessment-3-weeks"' || fail "timescale counts"
cl report overdue --on 2026-12-01 | has '"timescale": "initial-taf-6-weeks"' \
  || fail "overdue list"

# A rule refuses a line: a second episode while one is open, named with its rule.
printf '%s\n' '{"stream":"family/F1","expectedVersion":"any","actor":{"id":"helpdesk1","role":"helpdesk"},"events":[{"eventId":"00000000-0000-4000-8000-0000000000e2","type":"episodeOpened","occurredAt":"2026-03-02T10:00:00Z","data":{"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-03-02"}}]}' > "$work/second.jsonl"
if cl import "$work/second.jsonl" 2> "$work/err"; then fail "a second open episode was accepted"; fi
grep -q '"rule":"one-open-episode"' "$work/err" || fail "the rule is not named: $(cat "$work/err")"

# A refused line stops the import and is named: the lines before it are appended, it and
# the lines after it are not.
size_before=$(cl checkpoint | sed -n 2p)
line() { # stream expectedVersion eventId-suffix data: registers a family and opens an episode
  printf '{"stream":"%s","expectedVersion":%s,"actor":{"id":"x","role":"helpdesk"},"events":[{"eventId":"00000000-0000-4000-9000-%012d","type":"familyRegistered","occurredAt":"2026-03-02T10:00:00Z","data":{"members":[]}},{"eventId":"00000000-0000-4000-8000-%012d","type":"episodeOpened","occurredAt":"2026-03-02T10:00:00Z","data":%s}]}\n' "$1" "$2" "$3" "$3" "$4"
}
{
  line family/F8 0 1 '{"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-03-02"}'
  echo
  line family/F9 0 2 '{"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-03-02"}'
  line family/F10 0 3 '{"episodeId":"E1"}'
  line family/F11 0 4 '{"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-03-02"}'
} > "$work/bad.jsonl"
if cl import "$work/bad.jsonl" 2> "$work/err"; then fail "a bad line was accepted"; fi
grep -q 'line 4' "$work/err" || fail "the refused line is not named: $(cat "$work/err")"
grep -q '"field":"events\[1\].data.keyworkerId"' "$work/err" || fail "the missing field is not named"
[ "$(cl checkpoint | sed -n 2p)" = "$((size_before + 4))" ] || fail "not exactly the 2 lines before the refused one were appended"
# A version conflict in the middle of a chain stops it there too.
{
  line family/F12 0 5 '{"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-03-02"}'
  line family/F8 0 6 '{"episodeId":"E2","keyworkerId":"P1","registrationCompletedOn":"2026-03-02"}'
  line family/F13 0 7 '{"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-03-02"}'
} > "$work/conflict.jsonl"
if cl import "$work/conflict.jsonl" 2> "$work/err"; then fail "a conflicting line was accepted"; fi
grep -q 'line 2' "$work/err" && grep -q '"currentVersion":2' "$work/err" || fail "the conflict is not named: $(cat "$work/err")"
[ "$(cl checkpoint | sed -n 2p)" = "$((size_before + 6))" ] || fail "the chain did not stop at the conflict"

cl checkpoint > "$work/cp-old.txt"
# The checkpoint is a signed note (C2SP): text, a blank line, "— origin <base64>", by the
# key whose verifier `key public` prints; the key file is readable by its owner only.
sed -n 4p "$work/cp-old.txt" | has '^$' || fail "no blank line after the checkpoint body"
sed -n 5p "$work/cp-old.txt" | has '^— caseledger [A-Za-z0-9+/=]\{90,\}$' || fail "no signature line"
cl key public | has '^caseledger+[0-9a-f]\{8\}+A[A-Za-z0-9+/=]\{43\}$' || fail "key public"
[ "$(stat -c %a "$work/data/checkpoint.key")" = 600 ] || fail "the signing key is not mode 600"
pub=$(cl key public)
# The log grows after the auditor kept that checkpoint.
printf '%s\n' '{"stream":"family/F7","expectedVersion":0,"actor":{"id":"hd1","role":"helpdesk"},"events":[{"eventId":"00000000-0000-4000-8000-000000000007","type":"familyRegistered","occurredAt":"2026-03-02T10:00:00Z","data":{"members":[{"memberId":"C1","role":"child","name":"Sam"}]}}]}' > "$work/more.jsonl"
cl import "$work/more.jsonl"
[ "$(cl checkpoint | sed -n 2p)" -gt "$(sed -n 2p "$work/cp-old.txt")" ] || fail "the log did not grow"
cl prove inclusion --seq 5 | has '"leafIndex":4' || fail "inclusion proof"
cl prove consistency --from 3 | has '"hashes":\[' || fail "consistency proof"
cl verify --checkpoint "$work/cp-old.txt" | has 'consistent with the checkpoint' \
  || fail "verify against the older checkpoint"
signed=$(cl verify --checkpoint "$work/cp-old.txt" --key "$pub") \
  || fail "verify --key with the ledger's own key"
grep -q 'signed by' <<< "$signed" || fail "verify --key did not check the signature"
# --key also takes a file holding the key, as AUDIT.md saves it.
printf '%s\n' "$pub" > "$work/verifier.key"
cl verify --checkpoint "$work/cp-old.txt" --key "$work/verifier.key" | has 'signed by' \
  || fail "verify --key FILE"
echo "not a key" > "$work/not-a.key"
set +e
cl verify --checkpoint "$work/cp-old.txt" --key "$work/not-a.key" > /dev/null 2> "$work/key.err"
code=$?
set -e
[ "$code" = 1 ] && has 'does not hold a verifier key' < "$work/key.err" \
  || fail "verify --key with a file that holds no key: exit $code, $(cat "$work/key.err")"
# A checkpoint whose size line is altered no longer carries a valid signature.
sed '2s/.*/999/' "$work/cp-old.txt" > "$work/cp-resized.txt"
if cl verify --checkpoint "$work/cp-resized.txt" --key "$pub" > /dev/null 2>&1; then
  fail "an altered signed checkpoint passed verify --key"
fi
# A checkpoint of another history (root altered) is refused.
sed '3s/^./A/' "$work/cp-old.txt" > "$work/cp-forged.txt"
cmp -s "$work/cp-old.txt" "$work/cp-forged.txt" && sed -i '3s/^./B/' "$work/cp-forged.txt"
if cl verify --checkpoint "$work/cp-forged.txt" > /dev/null 2>&1; then fail "a forged checkpoint passed"; fi

# The stored event decodes with Cap'n Proto's own tool.
ldb --db="$work/data" --column_family=events --key_hex --value_hex get 0x0000000000000005 \
  > "$work/value.hex"
xxd -r -p "$work/value.hex" | capnp decode -I/usr/include "$top/ledger/event.capnp" Event \
  | has 'seq = 5' || fail "capnp decode cannot read the stored event"

# Export, then verify offline: the data folder is moved away, only the file and the key remain.
cl export --to "$work/ledger.export" > "$work/export-cp.txt" 2> "$work/export.err" \
  || fail "export: $(cat "$work/export.err")"
cmp -s <(sed -n 1,3p "$work/export-cp.txt") <(cl checkpoint | sed -n 1,3p) \
  || fail "export did not print the checkpoint of its size"
tar -tf "$work/ledger.export" > "$work/members"
[ "$(tr '\n' ' ' < "$work/members")" = "README.txt event.capnp checkpoint leaves events " ] \
  || fail "export members: $(cat "$work/members")"
events=$(sed -n 2p "$work/export-cp.txt")
(cd "$work" && tar -xf ledger.export event.capnp)
decoded=$(tar -xOf "$work/ledger.export" events | capnp decode --short -I/usr/include "$work/event.capnp" Event)
[ "$(grep -c '^(seq = ' <<< "$decoded")" = "$events" ] || fail "capnp decode did not read every exported event"
mv "$work/data" "$work/data-away"
offline=$("$bin" --log-level warn verify --export "$work/ledger.export" --key "$pub" \
  --checkpoint "$work/cp-old.txt") || fail "verify --export offline: $offline"
grep -q "ok: $events events" <<< "$offline" || fail "verify --export: $offline"
grep -q "consistent with the checkpoints of size $(sed -n 2p "$work/cp-old.txt") " <<< "$offline" \
  || fail "verify --export did not check the kept checkpoint: $offline"
# One byte of the events member flipped, in event 9's text: verify names seq 9.
python3 - "$work/ledger.export" "$work/tampered.export" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
events_at = data.index(b'events\0') + 512  # the member's data follows its 512-byte header
pos, seq = events_at, 1
while seq < 9:  # walk the Cap'n Proto stream: segment table, then the segments
    count = int.from_bytes(data[pos:pos + 4], 'little') + 1
    sizes = [int.from_bytes(data[pos + 4 + 4 * i:pos + 8 + 4 * i], 'little') for i in range(count)]
    pos += (4 + 4 * count + 7) // 8 * 8 + 8 * sum(sizes)
    seq += 1
data[pos + 64] ^= 0x20
open(sys.argv[2], 'wb').write(data)
PY
set +e
"$bin" --log-level warn verify --export "$work/tampered.export" --key "$pub" > "$work/tampered.out" 2>&1
code=$?
set -e
[ "$code" = 3 ] || fail "verify --export of a tampered export exited $code: $(cat "$work/tampered.out")"
grep -q 'FAILED at seq 9' "$work/tampered.out" || fail "tampered export: $(cat "$work/tampered.out")"
# Without the key there is nothing to trust: a clear usage error.
if "$bin" verify --export "$work/ledger.export" > "$work/nokey.out" 2>&1; then fail "verify --export without --key"; fi
grep -q 'needs --key' "$work/nokey.out" || fail "verify --export without --key: $(cat "$work/nokey.out")"
mv "$work/data-away" "$work/data"

# Serve and ask /healthz.
port=$(free_port)
"$bin" --log-level warn --data "$work/data" serve --listen "127.0.0.1:$port" &
server=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/healthz" > "$work/health" 2>/dev/null && break
  sleep 0.1
done
grep -q '"status":"ok"' "$work/health" || fail "/healthz did not answer ok"
kill "$server"; wait "$server" || true; server=""

# Flip one byte of event 7 directly in RocksDB.
hex=$(ldb --db="$work/data" --column_family=events --key_hex --value_hex get 0x0000000000000007)
last=${hex: -2}
flipped=$(printf '%02x' $(( 0x$last ^ 0x01 )))
ldb --db="$work/data" --column_family=events --key_hex --value_hex put 0x0000000000000007 \
  "${hex:0:${#hex}-2}$flipped" > /dev/null
set +e
cl verify > "$work/verify.out" 2> "$work/verify.err"
code=$?
set -e
[ "$code" -ne 0 ] || fail "verify passed a damaged log"
grep -q 'seq 7' "$work/verify.out" || fail "verify did not name seq 7: $(cat "$work/verify.out")"
# A damaged ledger is not exported: the export would not verify.
if cl export --to "$work/damaged.export" > /dev/null 2>&1; then fail "a damaged ledger was exported"; fi
[ ! -e "$work/damaged.export" ] || fail "a damaged export was left behind"
echo "cli test passed"
