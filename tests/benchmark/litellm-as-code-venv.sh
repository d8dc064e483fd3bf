#!/usr/bin/env bash
# Install litellm-as-code 0.5.0 into a venv of its own (cached), from the pinned list next to this script, and
# print the venv's path. Used by run.sh and, prepared before its sessions run at once, by the LiteLLM tier.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$REPO/tests/harness/common.sh"
lock=$REPO/tests/benchmark/litellm-as-code.txt
lac=$CACHE_ROOT/litellm-as-code-venv-$({ cat "$lock"; python3 --version; } | sha256sum | cut -c1-12)
if [ ! -f "$lac/.complete" ]; then
  echo "benchmark: installing litellm-as-code into $lac" >&2
  rm -rf "$lac"
  python3 -m venv "$lac"
  "$lac/bin/pip" install -q --disable-pip-version-check -r "$lock" >&2
  touch "$lac/.complete"
fi
echo "$lac"
