#!/usr/bin/env bash
# Unit tests: edge cases of the client and the comparison logic (no real services), once per ansible-core of the
# matrix ($ANSIBLE_CORE_VERSIONS, tests/ansible-core-matrix.txt), as many at once as the machine has cores.
set -euo pipefail
: "${REPO:?run through tests/run.sh}" "${VENV:?}" "${CACHE_ROOT:?}"
. "$REPO/tests/harness/common.sh"
cd "$REPO"

units() {
  local release=$2 python=$3
  echo "---- unit tests, ansible-core $release (Python $python)"
  "$(core_venv "$release" "$python")/bin/python" -m pytest -q -p no:cacheprovider tests/unit
}

for_each_core units
