#!/usr/bin/env bash
# Builds the e2e toolchain (Pulumi CLI, Kubernetes provider, etcd, kube control plane, kwok/kwokctl)
# from published Go modules into a cache outside the repository:
#
#   ${PLATFORM_CACHE_DIR:-$HOME/.cache/platform}/e2e-toolchain/<key>/bin
#
# <key> hashes versions.env, this script and every wrapper file, so a change to any pin gives a new
# directory. A binary already in the bin directory is not rebuilt; binaries are moved into place only
# when complete, so an interrupted run resumes where it stopped.
#
# Usage: test/e2e/toolchain/build.sh [piece...]     (default: all pieces)
#   pieces: pulumi kubernetes-provider random-provider etcd kube kwok node kubectl pulumi-yaml
#   (node, kubectl and pulumi-yaml are not in the default set: see README.md; node is the real
#   node's kubelet, kube-proxy, kube-router and CoreDNS, which the e2e asks for when it can run one)
# Progress goes to stderr; the last line of stdout is the bin directory.
#
# Environment: PLATFORM_CACHE_DIR, GOMODCACHE, GOCACHE (the usual Go defaults apply when unset),
# E2E_TOOLCHAIN_NICE (default 10), E2E_TOOLCHAIN_GO_P (go build -p, default: number of CPUs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not on PATH (need Go >= 1.26 at /usr/local/go/bin)"

set -a
# shellcheck source=versions.env
. "$here/versions.env"
set +a

default_pieces=(pulumi kubernetes-provider random-provider etcd kube kwok)
if [ "$#" -gt 0 ]; then pieces=("$@"); else pieces=("${default_pieces[@]}"); fi

# Cache key: versions.env, this script and all wrapper files (sorted, content-hashed).
key="$(
  cd "$here"
  find versions.env build.sh pulumi kubernetes-provider random-provider etcd kube kwok pulumi-yaml kube-router coredns -type f \
    \( -name '*.env' -o -name '*.sh' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.go' \) \
    -print | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
)"
root="${PLATFORM_CACHE_DIR:-$HOME/.cache/platform}/e2e-toolchain/$key"
bin="$root/bin"
logs="$root/logs"
mkdir -p "$bin" "$logs"

export GOTOOLCHAIN=local        # never download another Go
export GOFLAGS="-mod=readonly -buildvcs=false"  # committed go.sum files must be complete; no VCS stamping
export CGO_ENABLED=0            # static binaries, as upstream releases them; no C compiler needed
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"
nice_level="${E2E_TOOLCHAIN_NICE:-10}"
go_p="${E2E_TOOLCHAIN_GO_P:-$(nproc 2>/dev/null || echo 2)}"
common_flags=(-trimpath -p "$go_p")

log "go: $(go version | cut -d' ' -f3-)  key: $key  cache: $root"
log "pieces: ${pieces[*]}"

total_start=$(date +%s)
summary=()

# build_bin PIECE NAME DIR PACKAGE LDFLAGS [extra go build flags...]
# Builds PACKAGE inside module DIR into $bin/NAME (skipped when it exists).
build_bin() {
  local piece="$1" name="$2" dir="$3" pkg="$4" ldflags="$5"
  shift 5
  if [ -x "$bin/$name" ]; then
    log "$name: cached"
    summary+=("$(printf '%-28s cached' "$name")")
    return 0
  fi
  local start=$(date +%s) tmp="$bin/.$name.tmp.$$"
  log "$name: building $pkg ($piece)"
  if ! (cd "$dir" && nice -n "$nice_level" go build "${common_flags[@]}" "$@" \
          -ldflags "-s -w $ldflags" -o "$tmp" "$pkg") >"$logs/$name.log" 2>&1; then
    rm -f "$tmp"
    tail -n 30 "$logs/$name.log" >&2 || true
    die "building $name (piece '$piece', package $pkg) failed; full log: $logs/$name.log"
  fi
  mv -f "$tmp" "$bin/$name"
  local secs=$(( $(date +%s) - start ))
  log "$name: built in ${secs}s"
  summary+=("$(printf '%-28s %5ss' "$name" "$secs")")
}

# download PIECE DIR: fetch the wrapper's modules (timed separately from compiling).
download() {
  local piece="$1" dir="$2" start=$(date +%s)
  if ! (cd "$dir" && go mod download) >"$logs/$piece.download.log" 2>&1; then
    tail -n 30 "$logs/$piece.download.log" >&2 || true
    die "downloading the modules of piece '$piece' failed; full log: $logs/$piece.download.log"
  fi
  local secs=$(( $(date +%s) - start ))
  log "$piece: modules ready in ${secs}s"
  summary+=("$(printf '%-28s %5ss' "($piece modules)" "$secs")")
}

all_present() { local n; for n in "$@"; do [ -x "$bin/$n" ] || return 1; done; }

kube_ldflags() {
  local v="$KUBE_VERSION" major minor ld="" p
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$ld"
}

build_piece() {
  local piece="$1"
  case "$piece" in
    pulumi)
      all_present pulumi && { build_bin pulumi pulumi - - -; return; }
      download pulumi "$here/pulumi"
      build_bin pulumi pulumi "$here/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
      ;;
    kubernetes-provider)
      all_present pulumi-resource-kubernetes && { build_bin "$piece" pulumi-resource-kubernetes - - -; return; }
      download "$piece" "$here/kubernetes-provider"
      # Stage the wrapper outside the repo and generate the embedded schema/mapping there.
      local stage="$root/src/kubernetes-provider" moddir
      rm -rf "$stage"; mkdir -p "$stage"
      cp -R "$here/kubernetes-provider/." "$stage/"
      moddir="$(cd "$stage" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)" \
        || die "kubernetes-provider: cannot locate the provider module"
      (cd "$stage" && go run ./embedgen "$moddir/cmd/pulumi-resource-kubernetes" . "$KUBERNETES_PROVIDER_VERSION") \
        >"$logs/kubernetes-provider.embedgen.log" 2>&1 \
        || { cat "$logs/kubernetes-provider.embedgen.log" >&2; die "kubernetes-provider: generating the embedded schema failed"; }
      build_bin "$piece" pulumi-resource-kubernetes "$stage" . \
        "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION"
      ;;
    random-provider)
      # STAND-IN, not the upstream build (see README.md): bridge the Terraform random provider ourselves,
      # generate its schema with our tfgen binary, then build the provider with that schema embedded.
      all_present pulumi-resource-random && { build_bin "$piece" pulumi-resource-random - - -; return; }
      download "$piece" "$here/random-provider"
      local rstage="$root/src/random-provider" rld
      rld="-X platform.local/e2e-toolchain/random-provider/info.Version=$RANDOM_PROVIDER_VERSION"
      rm -rf "$rstage"; mkdir -p "$rstage/gen"
      cp -R "$here/random-provider/." "$rstage/"
      build_bin "$piece" pulumi-tfgen-random "$rstage" ./cmd/pulumi-tfgen-random "$rld"
      (cd "$rstage/gen" && "$bin/pulumi-tfgen-random" schema --out . --skip-docs --skip-examples \
        && cd "$rstage" && go run ./setversion gen/schema.json cmd/pulumi-resource-random/schema-embed.json \
             "$RANDOM_PROVIDER_VERSION" \
        && cp gen/bridge-metadata.json cmd/pulumi-resource-random/bridge-metadata.json) \
        >"$logs/random-provider.tfgen.log" 2>&1 \
        || { tail -n 30 "$logs/random-provider.tfgen.log" >&2; die "random-provider: generating the schema with pulumi-tfgen-random failed; log: $logs/random-provider.tfgen.log"; }
      build_bin "$piece" pulumi-resource-random "$rstage" ./cmd/pulumi-resource-random "$rld"
      ;;
    etcd)
      all_present etcd && { build_bin etcd etcd - - -; return; }
      download etcd "$here/etcd"
      build_bin etcd etcd "$here/etcd" go.etcd.io/etcd/server/v3 "" -pgo=off
      ;;
    kube)
      all_present kube-apiserver kube-controller-manager kube-scheduler || download kube "$here/kube"
      local ld c
      ld="$(kube_ldflags)"
      for c in kube-apiserver kube-controller-manager kube-scheduler; do
        build_bin kube "$c" "$here/kube" "k8s.io/kubernetes/cmd/$c" "$ld" -pgo=off
      done
      ;;
    kubectl)
      all_present kubectl || download kube "$here/kube"
      build_bin kubectl kubectl "$here/kube" k8s.io/kubernetes/cmd/kubectl "$(kube_ldflags)" -pgo=off
      ;;
    node)
      # The real node: kubelet and kube-proxy from the control plane's module graph, kube-router's
      # NetworkPolicy firewall and CoreDNS (only the plugins cluster DNS needs) from their own.
      local ld c
      all_present kubelet kube-proxy || download kube "$here/kube"
      ld="$(kube_ldflags)"
      for c in kubelet kube-proxy; do
        build_bin node "$c" "$here/kube" "k8s.io/kubernetes/cmd/$c" "$ld" -pgo=off
      done
      all_present kube-router || download kube-router "$here/kube-router"
      build_bin node kube-router "$here/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router \
        "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" -pgo=off
      all_present coredns || download coredns "$here/coredns"
      build_bin node coredns "$here/coredns" . "" -pgo=off
      ;;
    kwok)
      all_present kwok kwokctl || download kwok "$here/kwok"
      build_bin kwok kwok "$here/kwok" sigs.k8s.io/kwok/cmd/kwok "" -pgo=off
      build_bin kwok kwokctl "$here/kwok" sigs.k8s.io/kwok/cmd/kwokctl "" -pgo=off
      ;;
    pulumi-yaml)
      all_present pulumi-language-yaml || download pulumi-yaml "$here/pulumi-yaml"
      build_bin pulumi-yaml pulumi-language-yaml "$here/pulumi-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
        "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION"
      ;;
    *) die "unknown piece '$piece' (known: pulumi kubernetes-provider random-provider etcd kube kwok node kubectl pulumi-yaml)" ;;
  esac
}

for piece in "${pieces[@]}"; do
  build_piece "$piece"
done

log "done in $(( $(date +%s) - total_start ))s:"
for line in "${summary[@]}"; do log "  $line"; done
echo "$bin"
