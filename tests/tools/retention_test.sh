#!/usr/bin/env bash
# caseledger retention, as a data protection officer runs it: import the demo, list the
# families due far in the future (ids, classes, rules and end days only, nothing personal),
# hold one, print the rules to a file, and refuse a rules file with a bad line by its number.
set -euo pipefail
# grep that reads its whole input: grep -q exits at the first match, and a command still
# writing then dies of SIGPIPE, which pipefail reports as the step failing.
has() { grep "$@" > /dev/null; }
bin=$1
top=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cl() { "$bin" --log-level warn --data "$work/data" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cl import --fixture "$top/fixtures/demo/01-practitioners.jsonl"
cl import --fixture "$top/fixtures/demo/02-families.jsonl"
t=$'\t'  # the text output's columns are tab-separated
personal='Alex Example\|Jo Example\|Casey Sample\|Sample Street\|2015-06-01'

# F1's youngest child (born 2015-06-01) is 25 on 2040-06-01; F2 has no date of birth.
cl retention due --on 2100-01-01 > "$work/due" 2> "$work/due.err" \
  || fail "retention due: $(cat "$work/due.err")"
grep -q "^F1${t}earlyHelp${t}youngest-child-age 25${t}2040-06-01$" "$work/due" \
  || fail "F1 is not listed as due: $(cat "$work/due")"
grep -q "^F2${t}" "$work/due" && fail "F2 (no date of birth) is listed as due"
grep -q "1 due, 0 held, .* undetermined, 0 erased" "$work/due.err" \
  || fail "no counts on stderr: $(cat "$work/due.err")"
cl retention due --on 2040-05-31 > "$work/before" 2> /dev/null || fail "retention due failed"
grep -q "^F1" "$work/before" && fail "F1 due the day before"
cl retention due --on 2100-01-01 --all > "$work/all" 2> /dev/null
grep -q "^F2${t}earlyHelp${t}youngest-child-age 25${t}-${t}undetermined" "$work/all" \
  || fail "--all does not show F2 undetermined: $(cat "$work/all")"
cl retention due --on 2100-01-01 --format json --all > "$work/json" 2> /dev/null
grep -q '"familyId": "F1"' "$work/json" && grep -q '"endsOn": "2040-06-01"' "$work/json" \
  && grep -q '"status": "undetermined"' "$work/json" || fail "json: $(cat "$work/json")"
for f in due all json due.err; do
  grep -q "$personal" "$work/$f" && fail "personal data in retention's output ($f)"
done

# Under a legal hold F1 is held, not due.
printf '%s\n' '{"stream":"family/F1","expectedVersion":"any","actor":{"id":"admin1","role":"admin"},"events":[{"eventId":"00000000-0000-4000-8000-0000000000a1","type":"legalHoldApplied","occurredAt":"2026-03-02T10:00:00Z","data":{"reason":"court order"}}]}' > "$work/hold.jsonl"
cl import "$work/hold.jsonl"
cl retention due --on 2100-01-01 > "$work/due" 2> "$work/due.err"
grep -q "^F1" "$work/due" && fail "F1 is due under a legal hold"
grep -q "0 due, 1 held" "$work/due.err" || fail "hold not counted: $(cat "$work/due.err")"

# The rules in force, as a file to edit; a bad line is refused by its number.
cl retention rules > "$work/rules.txt"
grep -q "^earlyHelp youngest-child-age 25$" "$work/rules.txt" || fail "rules: $(cat "$work/rules.txt")"
sed -i 's/^steppedUp .*/steppedUp years-after-closure 75/' "$work/rules.txt"
cl retention rules --rules "$work/rules.txt" | has "^steppedUp years-after-closure 75$" \
  || fail "the edited rules are not in force"
cl retention due --on 2100-01-01 --rules "$work/rules.txt" > /dev/null 2>&1 \
  || fail "retention due with an edited rules file"
printf 'earlyHelp youngest-child-age 25\n\nearlyHelp until-forever 3\n' > "$work/bad.txt"
if cl retention due --rules "$work/bad.txt" > /dev/null 2> "$work/err"; then
  fail "a bad rules file was accepted"
fi
grep -q 'line 3' "$work/err" || fail "the bad line is not named: $(cat "$work/err")"
echo "retention test passed"
