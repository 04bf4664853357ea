#!/usr/bin/env bash
# docs/AUDIT.md, run as written: every ```sh block, in order, in one shell, with this build's
# caseledger on the PATH and the doc's ports 8080 and 8081 moved to free ones.
set -euo pipefail
bin=$1
top=$2
work=$(mktemp -d)
script="$work/audit.sh"
. "$(dirname "$0")/lib.sh"  # free_port
port=$(free_port)
port2=$(free_port)
{
  echo 'set -euo pipefail'
  echo "trap 'kill \$server 2>/dev/null || true' EXIT"
  awk '/^```sh$/ {on=1; next} /^```/ {on=0} on' "$top/docs/AUDIT.md"
} | sed -e "s/127\\.0\\.0\\.1:8080/127.0.0.1:$port/g" \
      -e "s/127\\.0\\.0\\.1:8081/127.0.0.1:$port2/g" > "$script"
grep -q 'verify --export' "$script" || { echo "FAIL: no sh blocks found in docs/AUDIT.md" >&2; exit 1; }
trap 'rm -rf "$work"' EXIT
cd "$top"
out=$(PATH="$(dirname "$bin"):$PATH" bash "$script" 2>&1) || {
  echo "$out" >&2
  echo "FAIL: docs/AUDIT.md did not run as written" >&2
  exit 1
}
echo "$out"
# The walkthrough shows what it claims.
check() { grep -q -- "$1" <<< "$out" || { echo "FAIL: docs/AUDIT.md output lacks: $1" >&2; exit 1; }; }
check '^caseledger+[0-9a-f]\{8\}+'
check 'is in the log of'
check 'verified offline'
check 'consistent with the checkpoints of size'
check 'Home visit (written up late)'
check '^same root$'
echo "audit doc test passed"
