#!/usr/bin/env bash
# Workshop-scale benchmark of the LiteLLM modules against the real proxy, side by side with the single-item
# modules in a loop and litellm-as-code 0.5.0 (prints numbers, asserts nothing). See benchmark.py.
#   tests/benchmark/run.sh [--models 100] [--keys 500] [--parallel 4] [--tools bulk,loop,lac,lac-patched]
#                          [--litellm-workers 1] [--json FILE]
# LITELLM_VERSION selects the proxy version (default 1.106.12).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$REPO/tests/harness/common.sh"
VENV=$("$REPO/tests/setup.sh")
# litellm-as-code in its own venv (cached), from the pinned list next to this script.
lock=$REPO/tests/benchmark/litellm-as-code.txt
lac=$CACHE_ROOT/litellm-as-code-venv-$({ cat "$lock"; python3 --version; } | sha256sum | cut -c1-12)
if [ ! -f "$lac/.complete" ]; then
  echo "benchmark: installing litellm-as-code into $lac" >&2
  rm -rf "$lac"
  python3 -m venv "$lac"
  "$lac/bin/pip" install -q --disable-pip-version-check -r "$lock" >&2
  touch "$lac/.complete"
fi
export LITELLM_AS_CODE_PYTHON=$lac/bin/python
exec "$VENV/bin/python" "$REPO/tests/benchmark/benchmark.py" "$@"
