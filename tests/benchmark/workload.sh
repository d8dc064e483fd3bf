#!/usr/bin/env bash
# The main job at workshop scale: the user-keys workload end to end beside a loop of single-item module calls, on
# the real proxy and kube-apiserver (prints numbers, draws an SVG, asserts nothing). See workload.py.
#   tests/benchmark/workload.sh [--users 50,500,2000] [--loop-users 50,500] [--json FILE] [--svg FILE]
# LITELLM_VERSION selects the proxy version (default 1.108.7).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=$("$REPO/tests/setup.sh")
"$REPO/tests/harness/k8s/k8s-local.sh" build > /dev/null
exec "$VENV/bin/python" "$REPO/tests/benchmark/workload.py" "$@"
