#!/usr/bin/env bash
# Stops what `npm run demo` started (the service, and the Redis it started if it had to). The service is waited for
# before its Redis stops: closing its queues and connections needs Redis.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
DATA_DIR="${DATA_DIR:-./data}"
for pidfile in "$DATA_DIR/service.pid" "$DATA_DIR/redis/redis.pid"; do
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "stopped $(basename "$pidfile" .pid) ($pid)"
    fi
    rm -f "$pidfile"
  fi
done
