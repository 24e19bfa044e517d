#!/usr/bin/env bash
# Builds promtool (Prometheus' rule checker) from the published Go module into a cache outside
# the repository, for the test that runs `promtool check rules` on the generated alert rules:
#
#   ${PLATFORM_CACHE_DIR:-$HOME/.cache/platform}/promtool/<version>/promtool
#
# Prometheus publishes its Go modules as v0.<minor>.<patch> (v0.316.0 is Prometheus 3.16.0).
# An existing binary is not rebuilt; the binary is moved into place only when complete.
# Usage: tools/promtool/build.sh      (prints the binary's path on the last line of stdout)
# Environment: PLATFORM_CACHE_DIR, PROMTOOL_NICE (default 10), PROMTOOL_GO_P (go build -p, default 1).
set -euo pipefail

version="v0.316.0"
dir="${PLATFORM_CACHE_DIR:-$HOME/.cache/platform}/promtool/$version"
binary="$dir/promtool"
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "promtool build: go is not on PATH (Go >= 1.25 needed)" >&2; exit 1; }

mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "[promtool] building github.com/prometheus/prometheus/cmd/promtool@$version (a few minutes)" >&2
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS="-buildvcs=false" \
  nice -n "${PROMTOOL_NICE:-10}" go install -trimpath -p "${PROMTOOL_GO_P:-1}" \
  "github.com/prometheus/prometheus/cmd/promtool@$version"
mv "$tmp/promtool" "$binary"
echo "$binary"
