#!/usr/bin/env bash
# Hostile input through `caseledger import` (issue 8): the demo fixtures imported into a new
# ledger, its checkpoint (size and root) kept, then one bad import line at a time. Each must
# exit non-zero, say on stderr which line and what is wrong with it (the field, the rule or
# the kind of mistake), and leave the checkpoint's size and root as they were. A good line at
# the end is taken, so the refusals were for the lines. The same inputs over HTTP:
# tests/api/hostile_input_test.cc.
set -euo pipefail
bin=$1
top=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cl() { "$bin" --log-level warn --data "$work/data" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cl import --fixture "$top/fixtures/demo/01-practitioners.jsonl" 2> /dev/null
cl import --fixture "$top/fixtures/demo/02-families.jsonl" 2> /dev/null
# The checkpoint's body: origin, size, root (the signature lines after it are not compared).
head_of() { cl checkpoint | sed -n 2,3p; }
before=$(head_of)
[ "$(echo "$before" | sed -n 1p)" -gt 0 ] || fail "the fixtures were not imported: $before"

# A good line, as a template: P1 (F1's keyworker) records a case note on E1.
uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
actor='{"id":"P1","role":"practitioner"}'
note_data='{"episodeId":"E1","noteId":"NH1","category":"contact","text":"a visit","significant":false}'
event() {  # event TYPE DATA [OCCURRED_AT] [EVENT_ID]
  printf '{"eventId":"%s","type":"%s","occurredAt":"%s","data":%s}' \
    "${4:-$(uuid)}" "$1" "${3:-2026-03-05T10:00:00Z}" "$2"
}
line() {  # line STREAM ACTOR EVENTS...
  local stream=$1 who=$2
  shift 2
  local IFS=,
  printf '{"stream":"%s","expectedVersion":"any","actor":%s,"events":[%s]}\n' \
    "$stream" "$who" "$*"
}

count=0
# bad NAME EXPECTED FILE: importing FILE fails, stderr names line 1 and holds EXPECTED (a fixed
# string), and the checkpoint is unchanged.
bad() {
  local name=$1 expected=$2 file=$3
  count=$((count + 1))
  if cl import "$file" > "$work/out" 2> "$work/err"; then
    fail "$name: imported ($(tail -c 300 "$work/err"))"
  fi
  grep -qF -- "$expected" "$work/err" || fail "$name: stderr lacks '$expected': $(head -c 600 "$work/err")"
  grep -qF "line 1" "$work/err" || fail "$name: stderr does not name the line: $(head -c 600 "$work/err")"
  [ "$(head_of)" = "$before" ] || fail "$name: the checkpoint changed (was: $before, now: $(head_of))"
}
# bad_line NAME EXPECTED TEXT: the same, for a line given as text.
bad_line() {
  printf '%s\n' "$3" > "$work/line.jsonl"
  bad "$1" "$2" "$work/line.jsonl"
}

bad_line "malformed JSON: a truncated line" "not valid JSON" '{"stream":"family/F1","events":['
bad_line "malformed JSON: not JSON at all" "not valid JSON" 'hello, ledger'
bad_line "malformed JSON: garbage after the object" "not valid JSON" \
  "$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data")") x"
bad_line "stream: path traversal in the id" '"field":"stream"' \
  "$(line 'family/../etc' "$actor" "$(event caseNoteAdded "$note_data")")"
bad_line "stream: path traversal as the whole name" '"field":"stream"' \
  "$(line '../../etc/passwd' "$actor" "$(event caseNoteAdded "$note_data")")"
bad_line "stream: an empty id" '"field":"stream"' \
  "$(line 'family/' "$actor" "$(event caseNoteAdded "$note_data")")"
bad_line "stream: an id of 65 characters" '"field":"stream"' \
  "$(line "family/$(printf 'F%.0s' $(seq 65))" "$actor" "$(event caseNoteAdded "$note_data")")"
bad_line "actor: an unknown role" '"field":"actor.role"' \
  "$(line family/F1 '{"id":"P1","role":"wizard"}' "$(event caseNoteAdded "$note_data")")"
bad_line "actor: a role in the wrong case (would skip the practitioner's rules)" \
  '"field":"actor.role"' \
  "$(line family/F1 '{"id":"P1","role":"Practitioner"}' "$(event caseNoteAdded "$note_data")")"
bad_line "actor: path traversal as the id" '"field":"actor.id"' \
  "$(line family/F1 '{"id":"../etc","role":"practitioner"}' "$(event caseNoteAdded "$note_data")")"
bad_line "actor: missing" '"field":"actor"' \
  '{"stream":"family/F1","expectedVersion":"any","events":['"$(event caseNoteAdded "$note_data")"']}'
bad_line "events: missing" '"field":"events"' \
  '{"stream":"family/F1","expectedVersion":"any","actor":'"$actor"'}'
bad_line "events: an object" '"field":"events"' \
  '{"stream":"family/F1","expectedVersion":"any","actor":'"$actor"',"events":{}}'
bad_line "unknown field: recordedAt (only fixtures may set it)" '"field":"recordedAt"' \
  '{"recordedAt":"2026-01-01T00:00:00Z",'"$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data")" | cut -c2-)"
bad_line "expectedVersion: -1" '"field":"expectedVersion"' \
  "$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data")" | sed 's/"expectedVersion":"any"/"expectedVersion":-1/')"
bad_line "expectedVersion: 1e400" '"field":"expectedVersion"' \
  "$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data")" | sed 's/"expectedVersion":"any"/"expectedVersion":1e400/')"
bad_line "type: unknown" '"field":"events[0].type"' \
  "$(line family/F1 "$actor" "$(event caseNoteDeleted '{"episodeId":"E1"}')")"
bad_line "type: a practitioner's event in a family stream" '"field":"events[0].type"' \
  "$(line family/F1 '{"id":"admin","role":"admin"}' "$(event practitionerDeactivated '{"reason":"r"}')")"

# Bytes that printf and the shell cannot hold are written by Python.
py_line() {  # py_line NAME EXPECTED PYTHON-EXPRESSION-OF-THE-TEXT-FIELD'S-JSON
  python3 - "$work/line.jsonl" "$(uuid)" "$3" <<'EOF'
import sys
path, event_id, text = sys.argv[1], sys.argv[2], eval(sys.argv[3])
line = (b'{"stream":"family/F1","expectedVersion":"any","actor":{"id":"P1","role":"practitioner"},'
        b'"events":[{"eventId":"' + event_id.encode() + b'","type":"caseNoteAdded",'
        b'"occurredAt":"2026-03-05T10:00:00Z","data":{"episodeId":"E1","noteId":"NH1",'
        b'"category":"contact","text":' + text + b',"significant":false}}]}\n')
open(path, 'wb').write(line)
EOF
  bad "$1" "$2" "$work/line.jsonl"
}
py_line "invalid UTF-8: a 0xff byte in a note's text" '"field":"events[0].data.text"' "b'\"a\\xffb\"'"
py_line "invalid UTF-8: a lone surrogate escape" '"field":"events[0].data.text"' "b'\"a\\\\ud800b\"'"
py_line "control character: an escaped NUL" '"field":"events[0].data.text"' "b'\"a\\\\u0000b\"'"
py_line "control character: a raw one inside a string" "unescaped control character" "b'\"a\\x01b\"'"
py_line "long line: a note's text of 2 MB (over the event size limit)" \
  '"field":"events[0].data"' "b'\"' + b'x' * (2 << 20) + b'\"'"
py_line "deep nesting: 10000 arrays as a note's text" "not valid JSON" "b'[' * 10000 + b']' * 10000"

for t in "2026-02-30T10:00:00Z" "2026-03-02T10:00:00" "2026-03-02T25:00:00Z" \
  "2026-03-02T10:00:00+14:30" "10000-03-02T10:00:00Z"; do
  bad_line "bad date: occurredAt $t" '"field":"events[0].occurredAt"' \
    "$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data" "$t")")"
done
bad_line "future date: occurredAt in 9999" '"rule":"no-future-events"' \
  "$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data" 9999-12-31T23:59:59Z)")"
id=$(uuid)
bad_line "duplicate: one eventId twice in the line" '"field":"events[1].eventId"' \
  "$(line family/F1 "$actor" "$(event caseNoteAdded "$note_data" "" "$id")" \
    "$(event caseNoteAdded "${note_data/NH1/NH2}" "" "$id")")"

[ "$count" -ge 15 ] || fail "only $count bad lines were tried"

# The good line itself is taken (one event more), so the lines above were refused for what
# was wrong with them.
line family/F1 "$actor" "$(event caseNoteAdded "$note_data")" > "$work/good.jsonl"
cl import "$work/good.jsonl" 2> "$work/err" || fail "the good line was refused: $(cat "$work/err")"
[ "$(head_of | sed -n 1p)" -eq $(( $(echo "$before" | sed -n 1p) + 1 )) ] \
  || fail "the good line did not append one event"
cl verify > "$work/verify" 2>&1 || fail "verify failed after the hostile lines: $(tail -n 3 "$work/verify")"
echo "hostile import: $count bad lines refused, the log unchanged after each"
