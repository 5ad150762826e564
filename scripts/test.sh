#!/usr/bin/env bash
# Every test: unit specs, then end-to-end specs (real redis-server per suite, real BullMQ, real ffmpeg renders).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json --noEmit
npx eslint .
# The OpenAPI document as served, linted with Redocly's recommended rules (boots the app on its own redis-server).
npm run --silent lint:openapi
npx jest --config jest.config.js --selectProjects unit --ci "$@"
# One suite at a time: renders are CPU-bound and this runs on 2 cores. --forceExit: sockets of killed
# child processes (restart tests) can keep Jest waiting after every suite has finished.
npx jest --config jest.config.js --selectProjects e2e --ci --runInBand --forceExit "$@"
# The other supported Node major as well (24 when the above ran on 20): the unit specs and a smoke subset of the
# e2e specs (boot and configuration checks, a whole render, Socket.IO and SSE), about two minutes.
other_node=$(bash scripts/node-bin.sh)
echo "test: unit specs and smoke e2e specs on Node $("$other_node" --version)"
export PATH="$(dirname "$other_node"):$PATH"
node node_modules/.bin/jest --config jest.config.js --selectProjects unit --ci
node node_modules/.bin/jest --config jest.config.js --selectProjects e2e --ci --runInBand --forceExit \
  test/startup.e2e-spec.ts test/video-lifecycle.e2e-spec.ts test/asyncapi.e2e-spec.ts
