#!/usr/bin/env bash
# Workshop-scale benchmark of the LiteLLM modules against the real proxy, side by side with the single-item
# modules in a loop and litellm-as-code 0.5.0 (prints numbers, asserts nothing). See benchmark.py.
#   tests/benchmark/run.sh [--models 100] [--keys 500] [--parallel 4] [--tools bulk,loop,lac,lac-patched]
#                          [--litellm-workers 1] [--json FILE]
# LITELLM_VERSION selects the proxy version (default 1.108.7).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=$("$REPO/tests/setup.sh")
LITELLM_AS_CODE_PYTHON=$("$REPO/tests/benchmark/litellm-as-code-venv.sh")/bin/python
export LITELLM_AS_CODE_PYTHON
exec "$VENV/bin/python" "$REPO/tests/benchmark/benchmark.py" "$@"
