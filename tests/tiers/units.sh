#!/usr/bin/env bash
# Unit tests: edge cases of the client and the comparison logic (no real services), once per ansible-core of the
# matrix ($ANSIBLE_CORE_VERSIONS, tests/ansible-core-matrix.txt).
set -euo pipefail
: "${REPO:?run through tests/run.sh}" "${VENV:?}" "${CACHE_ROOT:?}"
. "$REPO/tests/harness/common.sh"
cd "$REPO"
failed=()
# shellcheck disable=SC2086  # the matrix is a list of versions
while read -r minor release python; do
  venv=$(core_venv "$release" "$python")
  echo "---- unit tests, ansible-core $release (Python $python)"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/unit || failed+=("$minor")
done < <(core_matrix $ANSIBLE_CORE_VERSIONS)
if [ ${#failed[@]} -gt 0 ]; then
  echo "unit tests failed on ansible-core ${failed[*]}" >&2
  exit 1
fi
