#!/usr/bin/env bash
# Stops what `npm run demo` started (the service, and the Redis it started if it had to).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
DATA_DIR="${DATA_DIR:-./data}"
for pidfile in "$DATA_DIR/service.pid" "$DATA_DIR/redis/redis.pid"; do
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null && echo "stopped $(basename "$pidfile" .pid) ($(cat "$pidfile"))"
    rm -f "$pidfile"
  fi
done
