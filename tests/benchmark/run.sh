#!/usr/bin/env bash
# Benchmark of the LiteLLM modules against the real proxy (prints numbers, asserts nothing).
#   tests/benchmark/run.sh [--keys N] [--models N]      (LITELLM_VERSION selects the proxy version)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=$("$REPO/tests/setup.sh")
exec "$VENV/bin/python" "$REPO/tests/benchmark/benchmark.py" "$@"
