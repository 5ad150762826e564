#!/usr/bin/env bash
# Prints the path of a `node` binary of a supported major version: the one given (20 or 24), or by default the
# supported major that the `node` on PATH is not. A missing one is installed from the npm registry (the `node`
# package, which fetches its platform's binary package from the registry too) into a cache outside the
# repository, once per major, so fresh clones and CI runs with that cache reuse it.
set -euo pipefail
supported=(20 24)
current=$(node -p 'process.versions.node.split(".")[0]')
major=${1:-}
if [ -z "$major" ]; then
  for candidate in "${supported[@]}"; do [ "$candidate" = "$current" ] || major=$candidate; done
fi
if [ "$major" = "$current" ]; then
  command -v node
  exit 0
fi

dir="${XDG_CACHE_HOME:-$HOME/.cache}/video-job-service/node-$major"
if [ ! -x "$dir/node_modules/node/bin/node" ]; then
  echo "setup: installing Node $major from the npm registry into $dir" >&2
  mkdir -p "$(dirname "$dir")"
  # Installed beside the cache, then moved into place: a run interrupted half-way leaves no broken cache behind.
  staging=$(mktemp -d "$dir.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  npm install --prefix "$staging" --no-save --no-audit --no-fund --loglevel=error "node@$major" >&2
  rm -rf "$dir" # without its binary it is of no use
  mv -T "$staging" "$dir" 2>/dev/null || true # another run may have got there first: theirs is as good
fi
echo "$dir/node_modules/node/bin/node"
