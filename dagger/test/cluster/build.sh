#!/usr/bin/env bash
# Builds the test Kubernetes cluster's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, etcd, kwok) from the Go module next to this script, once: a Kind node image
# cannot be pulled on our machines, but these modules come from the Go module proxy.
#
#   bash dagger/test/cluster/build.sh     # prints the bin directory it built or found
#
# Output: $PIPELINE_TEST_CLUSTER_BIN if set, else
# $HOME/.cache/pipeline-test-cluster/<kubernetes version>-<hash>/bin. The hash covers go.mod,
# go.sum, etcd/main.go and this script, in that order (test/support/kube-cluster.ts computes the
# same key to find the binaries), so a version bump builds into a new directory and a finished
# build is never rebuilt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export PATH="/usr/local/go/bin:$PATH"

k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' go.mod)"
hash="$(cat go.mod go.sum etcd/main.go build.sh | sha256sum | cut -c1-12)"
bin="${PIPELINE_TEST_CLUSTER_BIN:-$HOME/.cache/pipeline-test-cluster/$k8s_version-$hash/bin}"
binaries=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok)

# .complete is written last, so a build killed half way is redone rather than trusted.
if [ -f "$bin/.complete" ]; then
  echo "$bin"
  exit 0
fi

# Build next to the target and move into place, so concurrent runs never see half a directory.
mkdir -p "$(dirname "$bin")"
work="$(mktemp -d "$(dirname "$bin")/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Kubernetes stamps its version with -X at release time; without it /version says v0.0.0-master,
# and helm would then judge a chart's kubeVersion against v0.0.0.
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
version_x=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_x+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  version_x+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

# One `go build` for all five mains shares the compile of their common packages (client-go,
# apimachinery, etcd's client); -s -w keep the binaries small and -trimpath keeps this machine's
# paths out of them; none of them needs CGO.
# GOFLAGS from the caller (.ci/run sets -buildvcs=false) passes through.
started=$SECONDS
CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w$version_x" -o "$work/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  sigs.k8s.io/kwok/cmd/kwok \
  ./etcd
for b in "${binaries[@]}"; do
  [ -x "$work/$b" ] || { echo "build.sh: $b was not built" >&2; exit 1; }
done
# mktemp made it private; the binaries are no secret, and another user may run the tests.
chmod 755 "$work"
touch "$work/.complete"
rm -rf "$bin" # an unfinished earlier build (no .complete)
# A concurrent build that finished first is as good as ours (the trap removes ours).
mv -T "$work" "$bin" 2>/dev/null || [ -f "$bin/.complete" ]
echo "built in $((SECONDS - started))s: $(du -sh "$bin" | cut -f1)" >&2
echo "$bin"
