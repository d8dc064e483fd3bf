#!/usr/bin/env bash
# The deploy roles against a real kube-apiserver 1.20 + kube-controller-manager with the OpenShift CRDs
# (tests/integration/k8s). Builds the binaries once (cached in $CACHE_ROOT/k8s-1.20.2/bin, ~10 min cold);
# the pytest session starts its own cluster on free loopback ports and stops it; the trap below stops it
# too if pytest dies. Nothing it started may still run afterwards.
set -euo pipefail
: "${REPO:?run through tests/run.sh}"
cd "$REPO"
harness=tests/harness/k8s
"$harness/k8s-local.sh" build

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/k8s-tier.XXXXXX")
cleanup() { K8S_RUN_DIR=$run_dir "$harness/k8s-local.sh" stop >/dev/null 2>&1 || true; rm -rf "$run_dir"; }
trap cleanup EXIT
export K8S_TEST_RUN_DIR=$run_dir
unset K8S_TEST_KUBECONFIG KUBECONFIG

rc=0
python -m pytest -q -p no:cacheprovider --durations=10 tests/integration/k8s || rc=$?

for pidfile in "$run_dir"/*.pid; do
  [ -e "$pidfile" ] || continue
  if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "k8s tier: $(basename "$pidfile" .pid) still running after the tests" >&2
    rc=1
  fi
done
exit $rc
