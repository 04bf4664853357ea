#!/usr/bin/env bash
# Secrets apart from the data (issue 23 item 4): `key generate` makes the master key and the
# signing key where the flags say (never replacing one); under systemd they and the tokens come
# from $CREDENTIALS_DIRECTORY, so the data folder holds none of them; a key left in the data
# folder is warned of at start; the unit file passes `systemd-analyze verify` and a broken copy
# of it does not; `promtool check metrics` accepts GET /metrics.
set -euo pipefail
bin=$(realpath "$1")
top=$(realpath "$2")
work=$(mktemp -d)
server=""
. "$(dirname "$0")/lib.sh"  # stop, free_port
trap 'stop "$server"; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep "$@" > /dev/null; }

creds="$work/etc"
mkdir -p "$creds"
"$bin" --log-level warn --master-key "$creds/master.key" --signing-key "$creds/checkpoint.key" \
  key generate > "$work/generated" || fail "key generate"
[ "$(stat -c %a "$creds/master.key")" = 600 ] && [ "$(stat -c %a "$creds/checkpoint.key")" = 600 ] \
  || fail "the keys are not mode 600"
verifier=$(sed -n 's/^verifier key: //p' "$work/generated")
[ -n "$verifier" ] || fail "key generate did not print the verifier key: $(cat "$work/generated")"
before=$(sha256sum "$creds/master.key")
set +e
"$bin" --log-level warn --master-key "$creds/master.key" --signing-key "$creds/checkpoint.key" \
  key generate > /dev/null 2> "$work/again.err"
code=$?
set -e
[ "$code" = 1 ] && has 'already exists' < "$work/again.err" || fail "a second key generate: $code"
[ "$(sha256sum "$creds/master.key")" = "$before" ] || fail "the master key was replaced"
token=$("$bin" --log-level warn --tokens "$creds/tokens" token create --role auditor --actor AU1 \
  | grep -o 'cl_[A-Za-z0-9_]*' | head -1)
[ -n "$token" ] || fail "no token"

# Served as systemd would: the secrets from the credentials directory, none in the data folder.
port=$(free_port)
CREDENTIALS_DIRECTORY="$creds" "$bin" --data "$work/data" serve --listen "127.0.0.1:$port" \
  > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 150); do
  curl -sf --max-time 2 "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/session" | has '"AU1"' \
  || fail "the token from the credentials directory is not taken: $(tail -5 "$work/serve.log")"
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/ledger/checkpoint" \
  > "$work/checkpoint" || fail "no checkpoint"
# The metrics as Prometheus reads them: promtool finds nothing to say (and does find a fault).
curl -sf "http://127.0.0.1:$port/metrics" > "$work/metrics" || fail "no /metrics"
said=$(promtool check metrics < "$work/metrics" 2>&1) || fail "promtool check metrics: $said"
[ -z "$said" ] || fail "promtool check metrics: $said"
sed 's/^caseledger_log_events /caseledger_log_events{broken /' "$work/metrics" > "$work/broken.metrics"
if promtool check metrics < "$work/broken.metrics" > /dev/null 2>&1; then
  fail "promtool passed broken metrics"
fi
stop "$server"; server=""
for f in master.key checkpoint.key tokens; do
  [ ! -e "$work/data/$f" ] || fail "$f was written into the data folder"
done
has 'sits in the data folder' < "$work/serve.log" && fail "a warning of keys in the data folder"
# The checkpoint is signed by the generated key.
"$bin" --log-level warn --data "$work/data" verify --checkpoint "$work/checkpoint" \
  --key "$verifier" | has 'signed by' || fail "the checkpoint is not signed by the generated key"

# Keys in the data folder (the default outside systemd): warned of at start.
port=$(free_port)
mkdir -p "$work/data2"
"$bin" --log-level warn --data "$work/data2" key generate > /dev/null
"$bin" --data "$work/data2" serve --listen "127.0.0.1:$port" > "$work/serve2.log" 2>&1 &
server=$!
for _ in $(seq 150); do
  curl -sf --max-time 2 "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  sleep 0.1
done
stop "$server"; server=""
has 'the master key .*sits in the data folder' < "$work/serve2.log" \
  || fail "no warning of the master key in the data folder: $(head -5 "$work/serve2.log")"

# The unit file, with this binary in it, passes systemd's own check; a broken copy fails it.
sed "s|/usr/local/bin/caseledger|$bin|" "$top/tools/caseledger.service" > "$work/caseledger.service"
# Clean: exit 0 and not one warning (systemd ignores a setting it cannot parse, with a warning).
said=$(systemd-analyze verify "$work/caseledger.service" 2>&1) || fail "systemd-analyze verify: $said"
[ -z "$said" ] || fail "systemd-analyze verify warns: $said"
sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' "$work/caseledger.service" > "$work/broken.service"
systemd-analyze verify "$work/broken.service" 2>&1 | has 'Failed to parse' \
  || fail "systemd-analyze verify did not find a broken setting"
sed "s|^ExecStart=$bin|ExecStart=$work/no-such-binary|" "$work/caseledger.service" > "$work/nobinary.service"
if systemd-analyze verify "$work/nobinary.service" > /dev/null 2>&1; then
  fail "systemd-analyze verify passed a unit whose binary is missing"
fi
echo "credentials test passed"
