#!/usr/bin/env bash
# Installs what the service and its tests need on a fresh Debian/Ubuntu machine with Node 24 (or 20) + npm:
# system tools from the distribution's packages (only those missing) and the npm packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need+=(redis-server redis-tools)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
command -v fc-match >/dev/null || need+=(fontconfig)
command -v ps >/dev/null || need+=(procps)
# test/multihost.e2e-spec.ts runs worker hosts in network namespaces (ip netns, veth, bridge).
command -v ip >/dev/null || need+=(iproute2)
command -v curl >/dev/null || need+=(curl ca-certificates)
# promtool checks and unit-tests deploy/prometheus/alerts.yml (test/observability.e2e-spec.ts).
command -v promtool >/dev/null || need+=(prometheus)
# Headless browser for the web console's end-to-end test (driven by playwright-core; Debian's build, no download).
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# npm ci only when the lockfile changed since the last install (its hash is kept inside node_modules).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lock-hash
fi

# The other supported Node major (24 beside 20, 20 beside 24) for scripts/test.sh's second run: from the npm
# registry, once, into a cache outside the repository (scripts/node-bin.sh).
bash scripts/node-bin.sh >/dev/null
