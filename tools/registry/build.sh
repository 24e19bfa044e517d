#!/usr/bin/env bash
# Builds the CNCF distribution registry from Go modules for the image audit's `--registry` tests
# (test/policies/image/registry.test.ts starts it on 127.0.0.1). Cached outside the repository:
#
#   ${PLATFORM_CACHE_DIR:-$HOME/.cache/platform}/registry-<version>/registry
#
# A few minutes on a fresh 2-core machine, nothing once built. Prints the binary's path.
set -euo pipefail
version="v3.1.2"   # keep in step with REGISTRY_VERSION in test/policies/image/local-registry.ts
dir="${PLATFORM_CACHE_DIR:-$HOME/.cache/platform}/registry-$version"
if [ ! -x "$dir/registry" ]; then
  command -v go >/dev/null 2>&1 || { echo "registry: go is not on PATH" >&2; exit 1; }
  mkdir -p "$dir"
  echo "registry: building github.com/distribution/distribution/v3/cmd/registry@$version into $dir" >&2
  GOBIN="$dir" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath" \
    nice -n "${E2E_TOOLCHAIN_NICE:-10}" go install "github.com/distribution/distribution/v3/cmd/registry@$version"
fi
echo "$dir/registry"
