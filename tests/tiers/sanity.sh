#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed at .../ansible_collections/rhpds/litemaas, once per
# ansible-core of the matrix ($ANSIBLE_CORE_VERSIONS, tests/ansible-core-matrix.txt), each from its cached venv.
set -euo pipefail
: "${REPO:?run through tests/run.sh}" "${VENV:?}" "${CACHE_ROOT:?}"
. "$REPO/tests/harness/common.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/rhpds/litemaas
mkdir -p "$dest" "$HOME/.ansible/test/cache"
(cd "$REPO" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/")
# ansible-test finds the collection's files through git; give the copy its own repository.
(cd "$dest" && git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm sanity)

failed=()
# shellcheck disable=SC2086  # the matrix is a list of versions
while read -r minor release python; do
  venv=$(core_venv "$release" "$python")
  # ansible-test bootstraps pip with a script it downloads from a host this network cannot reach: a stand-in
  # under the name of the pip version this ansible-test pins.
  pip_version=$("$venv/bin/python" -c 'import sys; from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version=sys.argv[1]))["pip"])' "$python")
  cp "$REPO/tests/harness/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  echo "---- ansible-test sanity, ansible-core $release (Python $python)"
  t0=$SECONDS
  if (cd "$dest" && PATH="$venv/bin:$(dirname "$(python_for "$python")"):$PATH" \
        ansible-test sanity --python "$python" --requirements --color no "$@"); then
    echo "---- ansible-core $release: pass in $((SECONDS - t0))s"
  else
    echo "---- ansible-core $release: FAIL in $((SECONDS - t0))s"
    failed+=("$minor")
  fi
done < <(core_matrix $ANSIBLE_CORE_VERSIONS)

if [ ${#failed[@]} -gt 0 ]; then
  echo "sanity failed on ansible-core ${failed[*]}" >&2
  exit 1
fi
