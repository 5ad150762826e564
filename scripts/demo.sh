#!/usr/bin/env bash
# Quickstart: installs what is missing, builds, makes sure Redis answers (starting a local one with AOF under
# the data directory if not), starts the service in the background, renders a sample video through the API,
# downloads it and prints where it is. `npm run stop` stops what this started.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f .env ] && set -a && . ./.env && set +a
PORT="${PORT:-3000}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DATA_DIR="${DATA_DIR:-./data}"
BASE="http://127.0.0.1:${PORT}"
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
export PORT REDIS_URL DATA_DIR

bash scripts/setup.sh
echo "demo: building"
npm run --silent build

if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
  redis_port=$(node -e 'console.log(new URL(process.argv[1]).port || 6379)' "$REDIS_URL")
  echo "demo: no Redis at $REDIS_URL; starting one on port $redis_port (AOF under $DATA_DIR/redis)"
  mkdir -p "$DATA_DIR/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$DATA_DIR/redis" --appendonly yes \
    --daemonize yes --pidfile "$DATA_DIR/redis/redis.pid" --logfile "$DATA_DIR/redis/redis.log"
  for _ in $(seq 1 50); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if curl -fsS "$BASE/health/live" >/dev/null 2>&1; then
  echo "demo: a service already answers on $BASE; using it"
else
  echo "demo: starting the service on $BASE (logs: $DATA_DIR/service.log)"
  nohup node dist/main.js >"$DATA_DIR/service.log" 2>&1 &
  echo $! >"$DATA_DIR/service.pid"
  for _ in $(seq 1 100); do curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "$BASE/health/ready" >/dev/null || { echo "demo: the service did not become ready:"; tail -n 30 "$DATA_DIR/service.log"; exit 1; }
fi

TOKEN=$(node dist/auth/dev-token.cli.js user_demo)
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(process.argv[1].split(".").reduce((o,k)=>o?.[k],v)??"")})' "$1"; }

echo "demo: submitting a sample job"
JOB_ID=$(curl -fsS -X POST "$BASE/api/v1/videos/generate" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"topic":"How rainbows form","context":"Sunlight enters a raindrop and slows down, so it bends. Snell'"'"'s law says by how much:\n$$n_1 \\sin\\theta_1 = n_2 \\sin\\theta_2$$\nWhat happens inside the drop:\n- It reflects off the back surface\n- Each colour bends by a slightly different amount\n- White light fans out into a spectrum\n\nWe see the bow when the sun is behind us and the rain is in front.","quality":"medium"}' | json job_id)
echo "demo: job $JOB_ID queued"

while true; do
  STATUS_JSON=$(curl -fsS "$BASE/api/v1/videos/jobs/$JOB_ID/status" -H "Authorization: Bearer $TOKEN")
  STATUS=$(echo "$STATUS_JSON" | json status)
  printf '\rdemo: %-10s %5s%%  %-12s' "$STATUS" "$(echo "$STATUS_JSON" | json progress)" "$(echo "$STATUS_JSON" | json current_stage)"
  case "$STATUS" in completed) echo; break ;; failed|cancelled) echo; echo "$STATUS_JSON"; exit 1 ;; esac
  sleep 1
done

OUT="$DATA_DIR/demo-$JOB_ID.mp4"
curl -fsS "$BASE/api/v1/videos/jobs/$JOB_ID/download" -H "Authorization: Bearer $TOKEN" -o "$OUT"
echo "demo: ffprobe says: $(ffprobe -v error -show_entries stream=codec_name,width,height -show_entries format=duration -of compact=p=0:nk=0 "$OUT" | tr '\n' ' ')"
echo
echo "Video:        $OUT"
echo "Swagger UI:   $BASE/docs"
echo "ReDoc:        $BASE/redoc"
echo "OpenAPI:      $BASE/openapi.json"
echo "Token:        TOKEN=\$(npm run --silent token -- user_demo)"
echo "Stop:         npm run stop"
