#!/usr/bin/env bash
# The demo server driven with curl, as the README does: `serve --demo` on a free port, the
# tokens it writes to <data>/demo-tokens.env, then the contract of EVENTS.md over HTTP: reads
# (JSON, CSV, HTML), an append, its retry, a conflict, a rule, malformed bodies, a body over
# --max-body, 401 and 403, the access log, /metrics and /v1/openapi.json, a token created and
# revoked by the command line while the server runs, SIGTERM then verify, and HTTPS.
set -euo pipefail
bin=$1
top=$2
work=$(mktemp -d)
server=""
tls_server=""
. "$(dirname "$0")/lib.sh"  # stop, free_port
trap 'stop "$server"; stop "$tls_server"; rm -rf "$work"' EXIT
cl() { "$bin" --log-level warn --data "$work/data" "$@"; }
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/server*.log; do
    [ -s "$log" ] && { echo "--- last lines of $log:" >&2; tail -n 15 "$log" >&2; }
  done
  exit 1
}
# wait_up PID URL LOG [curl args...]: until URL answers 200, or fail if the server died.
wait_up() {
  local pid=$1 u=$2 log=$3
  shift 3
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || fail "the server exited before answering $u: $(tail -n 5 "$log")"
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$u" 2>/dev/null)" = 200 ] \
      && return 0
    sleep 0.1
  done
  fail "$u did not answer 200 within 10 s"
}

# req NAME METHOD PATH [curl args...]: the body goes to $work/NAME.body, the headers to
# $work/NAME.hdr, the status to $code (000 when curl itself failed).
code=""
req() {
  local name=$1 method=$2 path=$3
  shift 3
  code=$(curl -sS --max-time 10 -o "$work/$name.body" -D "$work/$name.hdr" -w '%{http_code}' \
    -X "$method" "$@" "$url$path" 2> "$work/$name.curl") || code=000
}
shown() { # name: what came back, for a failure message
  { head -c 800 "$work/$1.body"; cat "$work/$1.curl"; } 2>/dev/null | tr -d '\r'
}
expect_status() { # name status
  [ "$code" = "$2" ] || fail "$1: expected HTTP $2, got $code: $(shown "$1")"
}
expect_jq() { # name filter: the filter must hold of the body
  jq -e "$2" "$work/$1.body" > /dev/null 2>&1 \
    || fail "$1: expected the body to satisfy jq '$2', got: $(shown "$1")"
}
expect_type() { # name media-type prefix
  local got
  got=$(grep -i '^content-type:' "$work/$1.hdr" | tail -n 1 | cut -d' ' -f2- | tr -d '\r')
  [[ "$got" == "$2"* ]] || fail "$1: expected Content-Type $2, got '$got'"
}
bearer() { echo "Authorization: Bearer $1"; }
log_size() { # the log's size as /healthz gives it
  req healthz GET /healthz
  expect_status healthz 200
  jq -e '.size' "$work/healthz.body"
}

# ---------------------------------------------------------------- serve --demo
port=$(free_port)
url="http://127.0.0.1:$port"
"$bin" --data "$work/data" serve --demo --fixtures "$top/fixtures" \
  --listen "127.0.0.1:$port" --max-body 65536 > "$work/server.log" 2>&1 &
server=$!
wait_up "$server" "$url/healthz" "$work/server.log"
[ -f "$work/data/demo-tokens.env" ] || fail "serve --demo wrote no $work/data/demo-tokens.env"
# shellcheck disable=SC1091
. "$work/data/demo-tokens.env"
for role in PRACTITIONER HELPDESK TRIAGE_MANAGER COORDINATOR AUDITOR DASHBOARD ADMIN; do
  var="CASELEDGER_${role}_TOKEN"
  [ -n "${!var:-}" ] || fail "demo-tokens.env has no $var"
done
[ "$CASELEDGER_URL" = "$url" ] || fail "demo-tokens.env: expected CASELEDGER_URL=$url, got $CASELEDGER_URL"
tm=$(bearer "$CASELEDGER_TRIAGE_MANAGER_TOKEN")
p1=$(bearer "$CASELEDGER_PRACTITIONER_TOKEN")

# ---------------------------------------------------------------- reads by the triage manager
req chron GET /v1/families/F1/chronology -H "$tm"
expect_status chron 200
expect_type chron application/json
expect_jq chron '.familyId == "F1" and (.entries | length) >= 10'
expect_jq chron '[.entries[] | .seq, .type, .occurredAt, .recordedAt, .summary] | all(. != null)'
expect_jq chron 'any(.entries[]; .type == "tafMeetingHeld")'

req csv GET '/v1/families/F1/chronology?format=csv' -H "$tm"
expect_status csv 200
expect_type csv text/csv
header=$(head -n 1 "$work/csv.body" | sed 's/^\xEF\xBB\xBF//' | tr -d '\r')
[[ "$header" == seq,occurredAt,recordedAt,* ]] \
  || fail "csv: expected a header row 'seq,occurredAt,recordedAt,...', got '$header'"
[ "$(wc -l < "$work/csv.body")" -ge 11 ] \
  || fail "csv: expected a header and at least 10 rows, got $(wc -l < "$work/csv.body") lines"

req html GET '/v1/families/F1/chronology?format=html' -H "$tm"
expect_status html 200
expect_type html text/html
grep -q '<table' "$work/html.body" || fail "html: expected a <table>, got: $(shown html)"

# ---------------------------------------------------------------- appends by P1
req state GET /v1/families/F1 -H "$p1"
expect_status state 200
version=$(jq -e '.version' "$work/state.body") || fail "state: expected a version, got: $(shown state)"
now=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
note() { # eventId expectedVersion data-json
  printf '{"expectedVersion":%s,"events":[{"eventId":"%s","type":"caseNoteAdded","occurredAt":"%s","data":%s}]}' \
    "$2" "$1" "$now" "$3"
}
note_data='{"episodeId":"E1","noteId":"N-curl-1","category":"contact","text":"Phone call with Jo.","significant":false}'
post() { # name body-file [token header]: POST it to F1's stream as JSON
  local name=$1 file=$2 auth=${3:-$p1}
  req "$name" POST /v1/families/F1/events -H "$auth" -H 'Content-Type: application/json' \
    --data-binary "@$file"
}
note 00000000-0000-4000-8000-00000000c001 "$version" "$note_data" > "$work/note.json"
post append "$work/note.json"
expect_status append 201
expect_jq append ".version == $((version + 1)) and (.events | length) == 1"
expect_jq append '.events[0] | .eventId == "00000000-0000-4000-8000-00000000c001"
  and (.seq | type) == "number" and (.recordedAt | type) == "string"
  and (.leafHash | test("^[0-9a-f]{64}$"))'
size_after_append=$(log_size)

# The identical request again: a retry, 200 with the same body, nothing new.
post retry "$work/note.json"
expect_status retry 200
cmp -s "$work/append.body" "$work/retry.body" \
  || fail "retry: expected the same body as the append: $(cat "$work/append.body"), got: $(shown retry)"

# A stale expectedVersion.
note 00000000-0000-4000-8000-00000000c002 "$version" \
  '{"episodeId":"E1","noteId":"N-curl-2","category":"contact","text":"Stale.","significant":false}' \
  > "$work/stale.json"
post conflict "$work/stale.json"
expect_status conflict 409
expect_jq conflict ".error.code == \"conflict\" and .error.currentVersion == $((version + 1))"

# A second episode while E1 is open (the helpdesk opens episodes, as in the README).
printf '{"expectedVersion":"any","events":[{"eventId":"00000000-0000-4000-8000-00000000c003","type":"episodeOpened","occurredAt":"%s","data":{"episodeId":"E2","keyworkerId":"P1","registrationCompletedOn":"%s"}}]}' \
  "$now" "${now%%T*}" > "$work/episode.json"
post rule "$work/episode.json" "$(bearer "$CASELEDGER_HELPDESK_TOKEN")"
expect_status rule 422
expect_jq rule '.error.code == "ruleViolated" and .error.rule == "one-open-episode"'

# A data field the contract does not know.
note 00000000-0000-4000-8000-00000000c004 '"any"' \
  '{"episodeId":"E1","noteId":"N-curl-4","category":"contact","text":"x","significant":false,"mood":"calm"}' \
  > "$work/unknown.json"
post unknown "$work/unknown.json"
expect_status unknown 400
expect_jq unknown '.error.code == "invalidArgument" and (.error.field | test("mood"))'

# Malformed JSON.
printf '{"expectedVersion": "any", "events": [{"eventId": ' > "$work/malformed.json"
post malformed "$work/malformed.json"
expect_status malformed 400
expect_jq malformed '.error.code == "invalidArgument"'

# A body over --max-body 65536.
long=$(head -c 70000 /dev/zero | tr '\0' 'a')
note 00000000-0000-4000-8000-00000000c005 '"any"' \
  "{\"episodeId\":\"E1\",\"noteId\":\"N-curl-5\",\"category\":\"contact\",\"text\":\"$long\",\"significant\":false}" \
  > "$work/big.json"
post big "$work/big.json"
expect_status big 413
expect_type big application/json
expect_jq big '.error.code | type == "string"'

# No token, a bad token, and a role that may not read a family.
req anonymous POST /v1/families/F1/events -H 'Content-Type: application/json' \
  --data-binary "@$work/stale.json"
expect_status anonymous 401
expect_jq anonymous '.error.code == "unauthenticated"'
req badtoken GET /v1/families/F1 -H "$(bearer cl_0000000000000000_0000)"
expect_status badtoken 401
expect_jq badtoken '.error.code == "unauthenticated"'
req dashboard GET /v1/families/F1 -H "$(bearer "$CASELEDGER_DASHBOARD_TOKEN")"
expect_status dashboard 403
expect_jq dashboard '.error.code == "permissionDenied"'

# Nothing of any refused request appended; the one-open-episode refusal, which names the open
# episode's keyworker and their contact, is recorded in the access log as the open-episode
# check is (one recordViewed).
size_now=$(log_size)
[ "$size_now" = "$((size_after_append + 1))" ] \
  || fail "the refusals and the retry changed the log: expected size $((size_after_append + 1)) (the access record of the one-open-episode refusal), got $size_now"
last=$(curl -s -H "$(bearer "$CASELEDGER_AUDITOR_TOKEN")" "$url/v1/events?after=$((size_now - 1))")
jq -e '.events[0].type == "recordViewed" and .events[0].stream == "access" and .events[0].data.view == "openEpisode"' \
  <<< "$last" > /dev/null || fail "the one-open-episode refusal was not recorded as an access: $last"

# ---------------------------------------------------------------- the access log
req access GET '/v1/audit/access?familyId=F1' -H "$(bearer "$CASELEDGER_AUDITOR_TOKEN")"
expect_status access 200
expect_jq access '[.accesses[] | select(.actor.id == "TM1" and .actor.role == "triage-manager"
  and .view == "chronology")] | length >= 3'
expect_jq access 'any(.accesses[]; .actor.id == "P1" and .view == "state")'

# ---------------------------------------------------------------- metrics and OpenAPI
req metrics GET /metrics
expect_status metrics 200
expect_type metrics text/plain
grep -q '^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* \(counter\|gauge\|histogram\|summary\)' "$work/metrics.body" \
  || fail "metrics: expected Prometheus '# TYPE' lines, got: $(shown metrics)"
grep -Eq '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [0-9.eE+-]+$' "$work/metrics.body" \
  || fail "metrics: expected Prometheus samples, got: $(shown metrics)"

req openapi GET /v1/openapi.json
expect_status openapi 200
expect_jq openapi '(.paths | length) > 0 and .paths["/v1/families/{id}/events"].post != null'

# ---------------------------------------------------------------- tokens from the command line
token=$(cl token create --role auditor --actor AU2 2> "$work/token.err") \
  || fail "token create: $(cat "$work/token.err")"
[[ "$token" =~ ^cl_([0-9a-f]{16})_[0-9a-f]{64}$ ]] || fail "token create: expected a token, got '$token'"
token_id=${BASH_REMATCH[1]}
grep -q "token $token_id" "$work/token.err" || fail "token create did not name id $token_id: $(cat "$work/token.err")"
req au2 GET '/v1/audit/access?familyId=F1' -H "$(bearer "$token")"
expect_status au2 200
cl token revoke --id "$token_id" 2> "$work/revoke.err" || fail "token revoke: $(cat "$work/revoke.err")"
req revoked GET '/v1/audit/access?familyId=F1' -H "$(bearer "$token")"
expect_status revoked 401
expect_jq revoked '.error.code == "unauthenticated"'

# ---------------------------------------------------------------- SIGTERM, then verify
kill -TERM "$server"
set +e
wait "$server"
status=$?
set -e
server=""
[ "$status" -eq 0 ] || fail "the server exited $status on SIGTERM, expected 0"
# The demo tokens are in their file only (mode 0600): never in the server's stdout or log.
[ "$(stat -c %a "$work/data/demo-tokens.env")" = 600 ] || fail "demo-tokens.env is not mode 0600"
for role in PRACTITIONER HELPDESK TRIAGE_MANAGER COORDINATOR AUDITOR DASHBOARD ADMIN; do
  var="CASELEDGER_${role}_TOKEN"
  ! grep -qF "${!var}" "$work/server.log" || fail "serve --demo wrote the $role token to its output"
done
grep -qF "$work/data/demo-tokens.env" "$work/server.log" || fail "serve --demo did not say where its tokens are"
cl verify > "$work/verify.out" 2>&1 || fail "verify after the server stopped: $(cat "$work/verify.out")"

# ---------------------------------------------------------------- HTTPS
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 > "$work/openssl.log" 2>&1 \
  || fail "openssl could not make a certificate: $(cat "$work/openssl.log")"
port2=$(free_port)
"$bin" --data "$work/data" serve --listen "127.0.0.1:$port2" \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" > "$work/server-tls.log" 2>&1 &
tls_server=$!
url="https://127.0.0.1:$port2"
wait_up "$tls_server" "$url/healthz" "$work/server-tls.log" --cacert "$work/cert.pem"
req tls GET /healthz --cacert "$work/cert.pem"
expect_status tls 200
expect_jq tls '.status == "ok" and .size > 0'
plain=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port2/healthz" 2>&1) \
  && fail "plain HTTP to the TLS port answered (HTTP $plain), expected the connection to fail"
stop "$tls_server"
tls_server=""
echo "api test passed"
