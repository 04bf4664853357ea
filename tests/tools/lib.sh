# Shared by the end-to-end shell tests: source it after `set -euo pipefail`.

# stop PID: SIGTERM, then SIGKILL if it is still there after 5 s.
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
