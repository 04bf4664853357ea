#!/usr/bin/env bash
# Personal data never leaves by the side door (issue 6): a real `serve --demo`, every fixture
# family posted line by line over HTTP with each line's actor's token (refusals included), a
# family of our own posted with requests refused in every way (400, 401, 403, 404, 405, 409,
# 413, 422) with personal data in their bodies, then everything every role may read and reads
# with bad parameters whose values are personal. Every personal string of the fixtures (the
# values of the fields event.capnp declares Sealed, plus the practitioners' names and emails)
# and of our own requests is then searched for in the server's log, /metrics, /healthz, every
# error answer, the dashboard's answers and the output of `import --fixture`: none may be
# there. A triage manager's reads must show them, so the search is shown to find them.
# SIDE_DOOR_KEEP=1 keeps the work folder (logs, answers, errors.txt, needles.tsv) to look at.
set -euo pipefail
bin=$1
top=$2
work=$(mktemp -d)
server=""
. "$(dirname "$0")/lib.sh"  # stop, free_port
trap 'stop "$server"; [ -n "${SIDE_DOOR_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
mkdir -p "$work/r"
cl() { "$bin" --log-level warn --data "$work/data" "$@"; }
fail() {
  echo "FAIL: $*" >&2
  [ -s "$work/server.log" ] && { echo "--- last lines of the server's log:" >&2; tail -n 15 "$work/server.log" >&2; }
  exit 1
}

# ---------------------------------------------------------------- our own personal data
# Used in the requests below, beside what the fixtures hold.
child="Morgan Sidedoor"
parent="Riley Sidedoor"
dob="2019-04-17"
address="7 Leaky Lane, Exampleton ZZ9 9ZZ"
note_text="Side door note: Morgan showed the keyworker a bruise from the trampoline."
other_text="Riley Sidedoor says the rent is three months behind."
filename="Morgan Sidedoor school report.pdf"
analysis="Riley Sidedoor is isolated since the move to Leaky Lane."
{
  # Stored by the requests below (so a triage manager's reads show them), then only refused.
  for s in "$child" "$parent" "$dob" "$address" "$note_text"; do
    printf 'family\tthis test (stored)\t%s\n' "$s"
  done
  for s in "$other_text" "$filename" "$analysis"; do printf 'family\tthis test\t%s\n' "$s"; done
} > "$work/own-needles.tsv"

# ---------------------------------------------------------------- requests
# req NAME METHOD PATH [curl args...]: the body goes to r/NAME.body, the status to $code.
# Every answer that is not 2xx is also added to errors.txt under a "### NAME" line (the name
# only: a path or query may hold personal data on purpose).
code=""
req() {
  local name=$1 method=$2 path=$3
  shift 3
  code=$(curl -sS --max-time 10 -o "$work/r/$name.body" -w '%{http_code}' \
    -X "$method" "$@" "$url$path" 2> "$work/r/$name.curl") || code=000
  [ "$code" != 000 ] || fail "$name: curl failed: $(cat "$work/r/$name.curl")"
  if [[ "$code" != 2?? ]]; then
    { echo "### $name HTTP $code"; cat "$work/r/$name.body"; echo; } >> "$work/errors.txt"
  fi
}
expect() { # name status...: $code must be one of them
  local name=$1 s
  shift
  for s in "$@"; do [ "$code" = "$s" ] && return 0; done
  fail "$name: expected HTTP $*, got $code: $(head -c 600 "$work/r/$name.body")"
}
bearer() { echo "Authorization: Bearer $1"; }
json=(-H 'Content-Type: application/json')
uri() { jq -rn --arg s "$1" '$s | @uri'; }

# ---------------------------------------------------------------- serve --demo
port=$(free_port)
url="http://127.0.0.1:$port"
"$bin" --log-level trace --data "$work/data" serve --demo --fixtures "$top/fixtures" \
  --listen "127.0.0.1:$port" --max-body 262144 > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do
  kill -0 "$server" 2>/dev/null || fail "the server exited before answering /healthz"
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz" 2>/dev/null)" = 200 ] && break
  sleep 0.1
done
[ -f "$work/data/demo-tokens.env" ] || fail "serve --demo wrote no demo-tokens.env"
# shellcheck disable=SC1091
. "$work/data/demo-tokens.env"
declare -A token=([admin]=$CASELEDGER_ADMIN_TOKEN [helpdesk1]=$CASELEDGER_HELPDESK_TOKEN
  [TM1]=$CASELEDGER_TRIAGE_MANAGER_TOKEN [P1]=$CASELEDGER_PRACTITIONER_TOKEN)
# A token for every other actor of the fixtures, in the role its lines give it, made before
# its first line: a practitioner's only once 00 has registered and trained them. P8
# (deactivated) and P9 (untrained) get none: token create refuses them, naming why.
token_for() { # actor role
  local actor=$1 role=$2
  [ -n "${token[$actor]:-}" ] && return 0
  if token[$actor]=$(cl token create --role "$role" --actor "$actor" 2> "$work/token.err"); then
    return 0
  fi
  case $actor in
    P8) grep -q "no token for practitioner P8: deactivated" "$work/token.err" ;;
    P9) grep -q "no token for practitioner P9: both trainings" "$work/token.err" ;;
    *) false ;;
  esac || fail "token create --role $role --actor $actor: $(cat "$work/token.err")"
  token[$actor]=refused
}
tm=$(bearer "$CASELEDGER_TRIAGE_MANAGER_TOKEN")
p1=$(bearer "$CASELEDGER_PRACTITIONER_TOKEN")
hd=$(bearer "$CASELEDGER_HELPDESK_TOKEN")
coord=$(bearer "$CASELEDGER_COORDINATOR_TOKEN")
auditor=$(bearer "$CASELEDGER_AUDITOR_TOKEN")
dash=$(bearer "$CASELEDGER_DASHBOARD_TOKEN")
admin=$(bearer "$CASELEDGER_ADMIN_TOKEN")

# ---------------------------------------------------------------- the fixture families, over HTTP
# Each line as its actor would post it: the server's clock, not the line's recordedAt, so a
# line may fare differently than under `import --fixture` (P1-P3 already exist in the demo,
# the future-dated note is no longer in the future); a helpdesk line the API refuses (403:
# concerns come from the triage manager over HTTP) is posted again by TM1. 08's correctsSeq
# counts seqs in a fresh ledger after 00: it is mapped to the seq the event got here.
n=0
declare -A statuses=()
for file in "$top"/fixtures/families/*.jsonl; do
  base=$(basename "$file" .jsonl)
  fixture_seq=24  # 00-practitioners.jsonl's events come first in a fresh ledger
  declare -A seq_of=()
  while IFS=$'\t' read -r stream actor role line; do
    n=$((n + 1))
    if [[ "$line" == *'"correctsSeq"'* ]]; then
      map=$(for k in "${!seq_of[@]}"; do printf '"%s":%s\n' "$k" "${seq_of[$k]}"; done | paste -sd, -)
      line=$(jq -c --argjson map "{$map}" '.events |= map(if .data.correctsSeq
        then .data.correctsSeq = ($map[.data.correctsSeq | tostring] // .data.correctsSeq)
        else . end)' <<< "$line")
    fi
    printf '%s' "$line" > "$work/line.json"
    token_for "$actor" "$role"
    if [ "${token[$actor]}" = refused ]; then
      statuses[refused]=$(( ${statuses[refused]:-0} + 1 ))
      continue
    fi
    if [[ "$line" == *'"documentUploaded"'* ]]; then
      # Its bytes first (documents are stored before an event names them): 01's synthetic PDF,
      # as make_fixtures.py makes it, under the file name the event records.
      printf '%%PDF-1.4\n%% caseledger synthetic fixture F101/D1: not a real document\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' \
        > "$work/fixture.pdf"
      doc=$(jq -r '.events[] | select(.type == "documentUploaded") | .data | "\(.sha256) \(.filename | @uri)"' <<< "$line")
      [ "${doc%% *}" = "$(sha256sum < "$work/fixture.pdf" | cut -d' ' -f1)" ] \
        || fail "$base: the document's bytes are not the PDF of make_fixtures.py"
      req "fixture-$base-$n-document" POST "/v1/families/${stream#*/}/documents?filename=${doc#* }" \
        -H "$(bearer "${token[$actor]}")" -H 'Content-Type: application/pdf' --data-binary "@$work/fixture.pdf"
      expect "fixture-$base-$n-document" 201
    fi
    case $stream in
      family/*) path="/v1/families/${stream#*/}/events" ;;
      *) path="/v1/practitioners/${stream#*/}/events" ;;
    esac
    name="fixture-$base-$n"
    req "$name" POST "$path" -H "$(bearer "${token[$actor]}")" "${json[@]}" \
      --data-binary "@$work/line.json"
    if [ "$code" = 403 ] && [ "$role" = helpdesk ]; then
      name="fixture-$base-$n-by-TM1"
      req "$name" POST "$path" -H "$tm" "${json[@]}" --data-binary "@$work/line.json"
    fi
    statuses[$code]=$(( ${statuses[$code]:-0} + 1 ))
    if [[ "$code" == 2?? && "$stream" == family/* ]]; then
      for seq in $(jq -r '.events[].seq' "$work/r/$name.body"); do
        fixture_seq=$((fixture_seq + 1))
        seq_of[$fixture_seq]=$seq
      done
    fi
  done < <(jq -r '[.stream, .actor.id, .actor.role, ({expectedVersion, events} | tojson)] | @tsv' "$file")
  unset seq_of
done
summary=$(for s in "${!statuses[@]}"; do echo "$s:${statuses[$s]}"; done | sort | tr '\n' ' ')
echo "fixture lines posted: $n ($summary)"
for s in 201 409 422; do
  [ -n "${statuses[$s]:-}" ] || fail "no fixture line answered $s ($summary): the fixtures did not run as expected"
done
for f in F101 F102 F103 F104 F105 F106 F107 F108 F109 F110 F111 F112 F113 F114 F115 F116; do
  req "fixture-state-$f" GET "/v1/families/$f" -H "$tm"
  expect "fixture-state-$f" 200
done
jq -e '[.entries[] | select(.type == "recordCorrected")] | length == 1' \
  <(curl -s -H "$tm" "$url/v1/families/F108/chronology") > /dev/null \
  || fail "08's correction did not reach N1 over HTTP"

# ---------------------------------------------------------------- our family, and refusals
now=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
today=${now%%T*}
uuid() { printf '00000000-0000-4000-8000-%012d' "$1"; }
ev() { # id type data-json: one event
  printf '{"eventId":"%s","type":"%s","occurredAt":"%s","data":%s}' "$(uuid "$1")" "$2" "$now" "$3"
}
body() { # expectedVersion event...: a request body
  local v=$1
  shift
  local IFS=,
  printf '{"expectedVersion":%s,"events":[%s]}' "$v" "$*"
}
post() { # name token-header body-json [path]: POST it as JSON (to F900's events by default)
  printf '%s' "$3" > "$work/r/$1.json"
  req "$1" POST "${4:-/v1/families/F900/events}" -H "$2" "${json[@]}" --data-binary "@$work/r/$1.json"
}
members=$(jq -cn --arg c "$child" --arg p "$parent" --arg d "$dob" --arg a "$address" \
  '{members: [{memberId: "C1", role: "child", name: $c, dateOfBirth: $d},
              {memberId: "M1", role: "parent", name: $p}], address: $a}')
q() { jq -cn --arg s "$1" '$s'; }  # a JSON string
note() { # id noteId text [extra fields]
  printf '{"episodeId":"E1","noteId":"%s","category":"contact","text":%s,"significant":false%s}' \
    "$2" "$(q "$3")" "${4:-}"
}

post register "$hd" "$(body 0 "$(ev 1 familyRegistered "$members")" \
  "$(ev 2 consentToCheckGiven "{\"givenBy\":$(q "$parent"),\"method\":\"verbal\"}")" \
  "$(ev 3 episodeOpened '{"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"'"$today"'"}')")"
expect register 201
post note "$p1" "$(body 3 "$(ev 4 caseNoteAdded "$(note 4 N-sd-1 "$note_text")")")"
expect note 201
# 400: malformed values beside personal fields, unknown fields, bad JSON, no JSON.
post bad-bool "$p1" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text" ",\"sourceAgency\":$(q "$child")" | sed 's/"significant":false/"significant":'"$(q "$child")"'/')")")"
expect bad-bool 400
post bad-category "$p1" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text" | sed 's/"contact"/'"$(q "$child")"'/')")")"
expect bad-category 400
bad_dob=$(jq -c --arg d "born $dob" '.members[0].dateOfBirth = $d' <<< "$members")
post bad-dob "$hd" "$(body '"any"' "$(ev 6 familyRegistered "$bad_dob")")" /v1/families/F901/events
expect bad-dob 400
bad_id=$(jq -c --arg c "$child" '.members[0].memberId = $c' <<< "$members")
post bad-member-id "$hd" "$(body '"any"' "$(ev 6 familyRegistered "$bad_id")")" /v1/families/F901/events
expect bad-member-id 400
post bad-occurred "$p1" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")" | sed "s/\"occurredAt\":\"[^\"]*\"/\"occurredAt\":$(q "$child on $dob")/")")"
expect bad-occurred 400
post bad-type "$p1" "$(body '"any"' "$(ev 5 "$child" "$(note 5 N-sd-2 "$other_text")")")"
expect bad-type 400
post bad-event-id "$p1" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")" | sed "s/\"eventId\":\"[^\"]*\"/\"eventId\":$(q "$child")/")")"
expect bad-event-id 400
post bad-version "$p1" "$(body "$(q "$child")" "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")")")"
expect bad-version 400
post unknown-field "$p1" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text" ",\"mood\":$(q "$child is upset")")")")"
expect unknown-field 400
post null-field "$p1" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text" ',"sourceAgency":null')")")"
expect null-field 400
post bad-json "$p1" "{\"expectedVersion\":\"any\",\"events\":[{\"text\":$(q "$note_text") $(q "$child")"
expect bad-json 400
post bad-json-string "$p1" "{\"expectedVersion\":\"any\",\"events\":[{\"text\":\"$child \\q $address\"}]}"
expect bad-json-string 400
printf '%s' "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")")")" > "$work/r/text-plain.json"
req not-json POST /v1/families/F900/events -H "$p1" -H 'Content-Type: text/plain' \
  --data-binary "@$work/r/text-plain.json"
expect not-json 400
post bad-family-id "$hd" "$(body 0 "$(ev 6 familyRegistered "$members")")" \
  "/v1/families/$(uri "$child")/events"
expect bad-family-id 400
# 401, 403: no token, and roles that may not.
printf '%s' "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")")")" > "$work/r/anon.json"
req anonymous POST /v1/families/F900/events "${json[@]}" --data-binary "@$work/r/anon.json"
expect anonymous 401
post coordinator-registers "$coord" "$(body '"any"' "$(ev 6 familyRegistered "$members")")"
expect coordinator-registers 403
post dashboard-posts "$dash" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")")")"
expect dashboard-posts 403
post stranger-posts "$(bearer "${token[P5]}")" "$(body '"any"' "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")")")"
expect stranger-posts 403
# 409: a stale version, and an eventId reused with other content.
post stale "$p1" "$(body 3 "$(ev 5 caseNoteAdded "$(note 5 N-sd-2 "$other_text")")")"
expect stale 409
post reused-id "$p1" "$(body '"any"' "$(ev 4 caseNoteAdded "$(note 4 N-sd-1 "$other_text")")")"
expect reused-id 409
# 422: rules, with personal data in the refused events.
post note-edited "$p1" "$(body '"any"' "$(ev 7 caseNoteAdded "$(note 7 N-sd-1 "$other_text")")")"
expect note-edited 422
post unknown-episode "$p1" "$(body '"any"' "$(ev 8 caseNoteAdded "$(note 8 N-sd-3 "$other_text" | sed 's/"E1"/"E9"/')")")"
expect unknown-episode 422
post withdrawn-unknown "$p1" "$(body '"any"' "$(ev 9 consentWithdrawn "{\"episodeId\":\"E9\",\"withdrawnBy\":$(q "$parent"),\"reason\":$(q "$other_text")}")")"
expect withdrawn-unknown 422
post correct-unknown "$p1" "$(body '"any"' "$(ev 10 recordCorrected "{\"correctsSeq\":999999,\"reason\":$(q "$other_text"),\"replacement\":$(note 10 N-sd-1 "$note_text")}")")"
expect correct-unknown 422
post finalise-early "$p1" "$(body '"any"' "$(ev 11 assessmentFinalised "{\"episodeId\":\"E1\",\"signedByFamily\":true,\"copyGivenToFamily\":false,\"keyworkerAnalysis\":$(q "$analysis")}")")"
expect finalise-early 422
post second-family "$hd" "$(body '"any"' "$(ev 12 familyRegistered "$members")")"
expect second-family 422
# A document with a personal file name; then a badly named one, and an event naming bytes
# never stored.
req document POST "/v1/families/F900/documents?filename=$(uri "$filename")" -H "$p1" \
  -H 'Content-Type: application/pdf' --data-binary "$note_text"
expect document 201
sha=$(jq -r .sha256 "$work/r/document.body")
req document-bad-name POST "/v1/families/F900/documents?filename=$(uri "$child/$filename")" \
  -H "$p1" -H 'Content-Type: application/pdf' --data-binary "$note_text"
expect document-bad-name 400
post document-unknown "$p1" "$(body '"any"' "$(ev 13 documentUploaded "{\"episodeId\":\"E1\",\"documentId\":\"D1\",\"filename\":$(q "$filename"),\"mediaType\":\"application/pdf\",\"sha256\":\"$(printf '%064d' 0)\",\"size\":3}")")"
expect document-unknown 422
# 413, 404, 405.
big=$(for _ in $(seq 4000); do printf '%s ' "$note_text"; done)  # over --max-body 262144
ev 14 caseNoteAdded "{\"episodeId\":\"E1\",\"noteId\":\"N-sd-4\",\"category\":\"contact\",\"text\":\"$big\",\"significant\":false}" \
  > "$work/big-event.json"
post too-big "$p1" "$(body '"any"' "$(cat "$work/big-event.json")")"
expect too-big 413
req no-route GET "/v1/families/F900/$(uri "$child")" -H "$tm"
expect no-route 404
req no-route-post POST "/v1/$(uri "$address")" -H "$tm" "${json[@]}" --data-binary "@$work/r/anon.json"
expect no-route-post 404
req wrong-method PUT /v1/families/F900/events -H "$p1" "${json[@]}" --data-binary "@$work/r/anon.json"
expect wrong-method 405
# The erasure route, where this build has it: bodies it refuses, never the erasure itself.
req openapi GET /v1/openapi.json
expect openapi 200
if jq -e '.paths["/v1/families/{id}/erasure"].post' "$work/r/openapi.body" > /dev/null; then
  post erase-bad-id "$admin" "{\"reason\":$(q "$other_text"),\"authorisedBy\":$(q "$parent")}" /v1/families/F900/erasure
  expect erase-bad-id 400
  post erase-bad-json "$admin" "{\"reason\":$(q "$other_text") $(q "$child")}" /v1/families/F900/erasure
  expect erase-bad-json 400
  post erase-unknown "$admin" "{\"reason\":$(q "$other_text"),\"authorisedBy\":\"DPO1\",\"who\":$(q "$child")}" /v1/families/F900/erasure
  expect erase-unknown 400
  post erase-by-practitioner "$p1" "{\"reason\":$(q "$other_text"),\"authorisedBy\":\"DPO1\"}" /v1/families/F900/erasure
  expect erase-by-practitioner 403
fi

# ---------------------------------------------------------------- reads with bad parameters
# Each value is personal: the answer may name the parameter, never repeat the value.
badread() { # name path param value [token header]
  req "$1" GET "$2" -H "${5:-$tm}" --get --data-urlencode "$3=$4"
  expect "$1" 400
}
badread bad-episode /v1/families/F900/chronology episode "$child"
badread bad-category-read /v1/families/F900/chronology category "contact,$child"
badread bad-from /v1/families/F900/chronology from "$child"
badread bad-to /v1/families/F900/chronology to "$dob and later"
badread bad-format /v1/families/F900/chronology format "$child"
badread bad-significant /v1/families/F900/chronology significant "$child"
badread bad-purpose /v1/families/F900 purpose "$(for _ in $(seq 15); do printf '%s ' "$child"; done)"
badread bad-as-of /v1/families/F900 asOf "$child"
badread bad-as-of-seq /v1/families/F900 asOfSeq "$dob"
badread bad-on /v1/families/F900/timescales on "$child"
badread bad-limit /v1/families/F900/events limit "$child"
badread bad-from-version /v1/families/F900/events fromVersion "$dob"
badread bad-raw /v1/families/F900/events raw "$child"
badread bad-open-episode /v1/helpdesk/open-episode familyId "$child" "$hd"
badread bad-access /v1/audit/access familyId "$child" "$auditor"
badread bad-inbox-as-of /v1/triage/inbox asOf "$address"
badread bad-overdue-as-of /v1/reports/overdue asOf "$child"
badread bad-counts-as-of /v1/reports/timescales asOf "$child" "$dash"
badread bad-feed-after /v1/events after "$child" "$auditor"
badread bad-inclusion /v1/ledger/proofs/inclusion seq "$dob"
badread bad-consistency /v1/ledger/proofs/consistency from "$child"
req bad-family-read GET "/v1/families/$(uri "$child")/chronology" -H "$tm"
expect bad-family-read 400
req bad-document GET "/v1/families/F900/documents/$(uri "$filename")" -H "$tm"
expect bad-document 400
req bad-token GET /v1/families/F900 -H "$(bearer "$child")"
expect bad-token 401

# ---------------------------------------------------------------- everything each role reads
# The triage manager reads every family; the other roles that may read records a few (P1 is
# the keyworker of F1, F900 and F110); the roles that may not, two (their refusals).
all_families="F1 F2 F900 F101 F102 F103 F104 F105 F106 F107 F108 F109 F110 F111 F112 F113 F114 F115 F116"
declare -A families_of=([TRIAGE_MANAGER]=$all_families [PRACTITIONER]="F900 F1 F104 F110"
  [COORDINATOR]="F900 F1 F104 F110" [AUDITOR]="F900 F1 F104 F110" [HELPDESK]="F900 F1"
  [DASHBOARD]="F900 F1" [ADMIN]="F900 F1")
views=("" /chronology "/chronology?format=csv" "/chronology?format=html" /events /timescales
  "/documents/$sha")
# The subject access export, where this build has it.
jq -e '.paths["/v1/families/{id}/export"].get' "$work/r/openapi.body" > /dev/null \
  && views+=(/export "/export?format=html")
: > "$work/tm-reads.txt"
for role in PRACTITIONER HELPDESK TRIAGE_MANAGER COORDINATOR AUDITOR DASHBOARD ADMIN; do
  var="CASELEDGER_${role}_TOKEN"
  auth=$(bearer "${!var}")
  for f in ${families_of[$role]}; do
    for view in "${views[@]}"; do
      name="read-$role-$f-$(printf '%s' "$view" | tr -c 'a-z0-9' '-')"
      sep='?'
      [[ "$view" != *'?'* ]] || sep='&'
      req "$name" GET "/v1/families/$f$view${sep}purpose=side-door-test" -H "$auth"
      [ "$role" = DASHBOARD ] && cat "$work/r/$name.body" >> "$work/dashboard.txt"
      [ "$role" = TRIAGE_MANAGER ] && [[ "$view" != /documents/* ]] && cat "$work/r/$name.body" >> "$work/tm-reads.txt"
    done
    req "open-$role-$f" GET "/v1/helpdesk/open-episode?familyId=$f" -H "$auth"
    [ "$role" = DASHBOARD ] && cat "$work/r/open-$role-$f.body" >> "$work/dashboard.txt"
    req "access-$role-$f" GET "/v1/audit/access?familyId=$f" -H "$auth"
    [ "$role" = DASHBOARD ] && cat "$work/r/access-$role-$f.body" >> "$work/dashboard.txt"
  done
  size=$(curl -s "$url/healthz" | jq .size)
  for path in /v1/triage/inbox /v1/reports/timescales /v1/reports/overdue /v1/ledger/checkpoint \
              "/v1/ledger/proofs/inclusion?seq=1&size=$size" "/v1/ledger/proofs/consistency?from=1&to=$size"; do
    name="read-$role-$(printf '%s' "$path" | tr -c 'a-z0-9' '-')"
    req "$name" GET "$path" -H "$auth"
    [ "$role" = DASHBOARD ] && cat "$work/r/$name.body" >> "$work/dashboard.txt"
  done
  # The whole feed, page by page.
  after=0
  for page in $(seq 100); do
    req "feed-$role-$page" GET "/v1/events?after=$after&limit=1000" -H "$auth"
    [ "$role" = DASHBOARD ] && cat "$work/r/feed-$role-$page.body" >> "$work/dashboard.txt"
    [ "$code" = 200 ] || break
    next=$(jq .next "$work/r/feed-$role-$page.body")
    [ "$next" != "$after" ] || break
    after=$next
  done
done
# What a dashboard's live stream shows of the last events (it ends when curl gives up).
curl -sN --max-time 2 -H "$dash" "$url/v1/events/live?after=$((size - 50))" >> "$work/dashboard.txt" || true
req healthz GET /healthz
expect healthz 200
req metrics GET /metrics
expect metrics 200

# The refusals above all ran, and the family reads were answered.
for s in 400 401 403 404 405 409 413 422; do
  grep -q "^### .* HTTP $s$" "$work/errors.txt" || fail "no request was answered $s"
done
for name in read-TRIAGE_MANAGER-F900- read-TRIAGE_MANAGER-F104--chronology read-DASHBOARD-F900-; do
  [ -f "$work/r/$name.body" ] || fail "no read named $name was made"
done
jq -e '.redacted == true' "$work/r/feed-DASHBOARD-1.body" > /dev/null \
  || fail "the dashboard's feed is not redacted: $(head -c 300 "$work/r/feed-DASHBOARD-1.body")"

# ---------------------------------------------------------------- import --fixture, by the CLI
# One scratch ledger: 00 first, then every file without a correction. A file with one (08,
# 12) gets a fresh ledger after 00 of its own: its correctsSeq counts 00's events only.
scratch() { "$bin" --log-level trace --data "$work/scratch" "$@"; }
scratch import --fixture "$top/fixtures/families/00-practitioners.jsonl" >> "$work/import.log" 2>&1 \
  || fail "import --fixture 00: $(tail -n 5 "$work/import.log")"
for f in "$top"/fixtures/families/*.jsonl; do
  base=$(basename "$f")
  case $base in 00-*) continue ;; esac
  if grep -q '"correctsSeq"' "$f"; then
    own="$work/scratch-${base%.jsonl}"
    for g in "$top/fixtures/families/00-practitioners.jsonl" "$f"; do
      "$bin" --log-level trace --data "$own" import --fixture "$g" >> "$work/import.log" 2>&1 \
        || fail "import --fixture $base: $(tail -n 5 "$work/import.log")"
    done
    continue
  fi
  scratch import --fixture "$f" >> "$work/import.log" 2>&1 \
    || fail "import --fixture $base: $(tail -n 5 "$work/import.log")"
done
# A line refused without expectRefusal: the CLI's error names the line, not its contents.
jq -c '.events[0].data.members[0].dateOfBirth = "born \(.events[0].data.members[0].dateOfBirth)"
  | .stream = "family/F199" | .expectedVersion = 0 | del(.recordedAt)' \
  <(head -n 1 "$top/fixtures/families/04-police-notification-triage.jsonl") > "$work/bad-line.jsonl"
if scratch import "$work/bad-line.jsonl" >> "$work/import.log" 2>&1; then
  fail "import accepted a date of birth that is not a date"
fi

stop "$server"
server=""

# ---------------------------------------------------------------- the search
# The personal strings: in family streams, every string under a field event.capnp declares
# Sealed (whole strings of 4 characters or more, except single words of A-Z a-z 0-9 - _, which
# are ids and enum values, unless they are dates); in practitioner streams, names and emails (staff: they may be
# shown in a refusal that gives a keyworker's contact, never logged).
python3 - "$top/ledger/event.capnp" "$top"/fixtures/families/*.jsonl "$top"/fixtures/demo/*.jsonl \
  > "$work/needles.tsv" <<'PY'
import json, os, re, sys
schema = open(sys.argv[1]).read()
sealed = set(re.findall(r'^\s*(\w+)\s+@\d+\s*:\s*(?:List\()?Sealed\b', schema, re.M))
seen = set()
def add(kind, where, s):
    if len(s) >= 4 and (not re.fullmatch(r'[A-Za-z0-9_-]+', s) or kind == 'staff'
                        or re.fullmatch(r'\d{4}-\d\d-\d\d', s)) and s not in seen:
        seen.add(s)
        print(f'{kind}\t{where}\t{s}')
def walk(v, where, personal, kind):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, f'{where}.{k}', personal or k in sealed, kind)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, f'{where}[{i}]', personal, kind)
    elif isinstance(v, str) and personal:
        add(kind, where, v)
for path in sys.argv[2:]:
    for no, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        at = f'{os.path.basename(path)} line {no}'
        for i, e in enumerate(rec['events']):
            if rec['stream'].startswith('family/'):
                walk(e['data'], f'{at} events[{i}].data', False, 'family')
            elif e['type'] == 'practitionerRegistered':
                for k in ('name', 'email'):
                    add('staff', f'{at} events[{i}].data.{k}', e['data'][k])
PY
cat "$work/own-needles.tsv" >> "$work/needles.tsv"
family_count=$(grep -c '^family' "$work/needles.tsv")
[ "$family_count" -ge 100 ] || fail "only $family_count personal strings found in the fixtures"
echo "searching for $family_count personal strings and $(grep -c '^staff' "$work/needles.tsv") staff names and emails"

# search MODE NEEDLE-KINDS LABEL FILE...: MODE absent fails naming each string found and where;
# MODE present fails naming each member name (and our own strings) not found.
search() {
  python3 - "$@" "$work/needles.tsv" <<'PY'
import sys
mode, kinds, label, files, needles = sys.argv[1], sys.argv[2].split(','), sys.argv[3], \
    sys.argv[4:-1], sys.argv[-1]
rows = [l.rstrip('\n').split('\t', 2) for l in open(needles)]
rows = [r for r in rows if r[0] in kinds]
texts = []
for f in files:
    try:
        texts.append((f, open(f, encoding='utf-8', errors='replace').read().splitlines()))
    except FileNotFoundError:
        texts.append((f, []))
bad = 0
for kind, where, s in rows:
    hits = []
    for f, lines in texts:
        header = ''
        for no, line in enumerate(lines, 1):
            if line.startswith('### '):
                header = line[4:]
            if s in line:
                hits.append((f, no, header, line))
    if mode == 'absent':
        for f, no, header, line in hits[:3]:
            bad += 1
            ctx = f' (answer to {header})' if header else ''
            print(f'FAIL: personal string "{s}" ({where}) found in {label}{ctx}, '
                  f'line {no}: {line[:300]}', file=sys.stderr)
    elif not hits and ('.name' in where or where == 'this test (stored)'):
        bad += 1
        print(f'FAIL: "{s}" ({where}) not found in {label}: the search cannot see it',
              file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
failed=0
search absent family,staff "the server's log (stdout and stderr)" "$work/server.log" || failed=1
search absent family,staff "/metrics" "$work/r/metrics.body" || failed=1
search absent family,staff "/healthz" "$work/r/healthz.body" || failed=1
search absent family,staff "the dashboard's answers" "$work/dashboard.txt" || failed=1
search absent family "an error answer" "$work/errors.txt" || failed=1
search absent family,staff "the output of import --fixture" "$work/import.log" || failed=1
# The search finds what is there: every member name, and ours, in a triage manager's reads.
search present family "a triage manager's reads" "$work/tm-reads.txt" || failed=1
[ "$failed" = 0 ] || fail "personal data left by a side door (above)"
echo "side door test passed"
