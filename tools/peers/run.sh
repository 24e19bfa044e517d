#!/usr/bin/env bash
# Reproducible peer comparison for policies/COVERAGE.md: builds kube-score, Polaris, kubeconform and
# Trivy from their Go modules (through the Go module proxy, into a cache), runs each one on every
# Kubernetes fixture of test/policies/fixtures and prints who catches what (tools/peers/table.ts).
#
#   tools/peers/run.sh            # build what is missing, run, print the table (Markdown)
#   tools/peers/run.sh build      # only build
#   tools/peers/run.sh run        # only run the peers already built, print the table
#
# Not part of CI: it needs Go and several minutes of build time. A peer whose module the proxy does
# not serve is reported as "not buildable" with the reason, and left out of the table.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${PLATFORM_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/peers}"
BIN="$CACHE/bin"
OUT="$CACHE/out"
mkdir -p "$BIN" "$OUT"

# name|module path of the main package|version (the versions issue 13 compared against)|build env
# Trivy 0.74 imports encoding/json/v2, still behind GOEXPERIMENT=jsonv2 in Go 1.25 and 1.26.
PEERS=(
  "kube-score|github.com/zegl/kube-score/cmd/kube-score|v1.20.0|"
  "polaris|github.com/fairwindsops/polaris|10.2.0|"
  "kubeconform|github.com/yannh/kubeconform/cmd/kubeconform|v0.8.0|"
  "trivy|github.com/aquasecurity/trivy/cmd/trivy|v0.74.0|GOEXPERIMENT=jsonv2"
)

build() {
  local name="$1" pkg="$2" version="$3" buildenv="$4" stamp="$BIN/$1.version"
  if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then return 0; fi
  echo "peers: building $name $version ($pkg)" >&2
  rm -f "$BIN/$name" "$OUT/$name.unbuildable"
  # shellcheck disable=SC2086 # buildenv is a list of VAR=value words
  if env $buildenv GOFLAGS=-mod=mod GOBIN="$BIN" GOPATH="$CACHE/go" CGO_ENABLED=0 \
    go install "$pkg@$version" >"$OUT/$name.build.log" 2>&1; then
    echo "$version" >"$stamp"
  else
    # The reason is the last line go printed (e.g. the proxy's "not available", a replace directive).
    tail -n 3 "$OUT/$name.build.log" | tr '\n' ' ' >"$OUT/$name.unbuildable"
    echo "peers: $name $version is not buildable: $(cat "$OUT/$name.unbuildable")" >&2
  fi
}

MODE="${1:-all}"
case "$MODE" in all | build | run) ;; *) echo "usage: tools/peers/run.sh [build|run]" >&2 && exit 2 ;; esac
[ "$MODE" = run ] || command -v go >/dev/null || { echo "peers: Go is required (go install)" >&2; exit 2; }
[ "$MODE" = run ] || for p in "${PEERS[@]}"; do
  IFS='|' read -r name pkg version buildenv <<<"$p"
  build "$name" "$pkg" "$version" "$buildenv"
done
[ "$MODE" = build ] && exit 0

# Every fixture file that holds Kubernetes objects (Azure fixtures are Pulumi resources, not YAML a
# Kubernetes tool reads).
mapfile -t FILES < <(cd "$ROOT" && grep -rlE '^apiVersion:' test/policies/fixtures --include='*.yaml' |
  xargs grep -L 'kind: PulumiResource' | sort)
RUNS="$OUT/runs"
rm -rf "$RUNS" && mkdir -p "$RUNS"
export TRIVY_CACHE_DIR="$CACHE/trivy-cache"
# kubeconform downloads its JSON schemas (raw.githubusercontent.com) unless KUBECONFORM_SCHEMAS
# points at a local copy of yannh/kubernetes-json-schema (a -schema-location template); when the
# first file shows the schemas cannot be had, it is not run on the others (3 s of retries each).
KUBECONFORM="$BIN/kubeconform"
probe=""
if [ -x "$KUBECONFORM" ] && [ "${#FILES[@]}" -gt 0 ]; then
  probe="$("$KUBECONFORM" -output json -schema-location "${KUBECONFORM_SCHEMAS:-default}" "$ROOT/${FILES[0]}")"
fi
if [[ "$probe" == *"failed downloading schema"* ]]; then
  echo "no JSON schemas: raw.githubusercontent.com is unreachable and KUBECONFORM_SCHEMAS is not set" \
    >"$OUT/kubeconform.unavailable"
  KUBECONFORM=""
else
  rm -f "$OUT/kubeconform.unavailable"
fi
for f in "${FILES[@]}"; do
  key="$(echo "$f" | tr '/' '_')"
  src="$ROOT/$f"
  [ -x "$BIN/kube-score" ] &&
    "$BIN/kube-score" score --output-format json "$src" >"$RUNS/kube-score.$key.json" 2>"$RUNS/kube-score.$key.err"
  [ -x "$BIN/polaris" ] &&
    "$BIN/polaris" audit --audit-path "$src" --format json >"$RUNS/polaris.$key.json" 2>"$RUNS/polaris.$key.err"
  [ -n "$KUBECONFORM" ] &&
    "$KUBECONFORM" -output json -summary -strict \
      -schema-location "${KUBECONFORM_SCHEMAS:-default}" "$src" >"$RUNS/kubeconform.$key.json" 2>"$RUNS/kubeconform.$key.err"
done
# Trivy's misconfiguration (KSV checks embedded in the binary, no update) and secret scanners, once
# over the fixture directory (seconds of start-up per run); table.ts splits its results by file.
[ -x "$BIN/trivy" ] &&
  (cd "$ROOT/test/policies/fixtures" && "$BIN/trivy" fs --quiet --offline-scan --skip-check-update \
    --scanners misconfig,secret --format json . >"$RUNS/trivy.all.json" 2>"$RUNS/trivy.all.err")
printf '%s\n' "${FILES[@]}" >"$RUNS/files.txt"

cd "$ROOT" && exec node --import tsx tools/peers/table.ts "$OUT"
