#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed at .../ansible_collections/rhpds/litemaas, once per
# ansible-core of the matrix ($ANSIBLE_CORE_VERSIONS, tests/ansible-core-matrix.txt), each from its cached venv in a
# copy of its own, as many at once as the machine has cores.
set -euo pipefail
: "${REPO:?run through tests/run.sh}" "${VENV:?}" "${CACHE_ROOT:?}"
. "$REPO/tests/harness/common.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config=${XDG_CONFIG_HOME:-$HOME/.config} cache=${XDG_CACHE_HOME:-$HOME/.cache}
sanity_args=("$@")

sanity() {
  local minor=$1 release=$2 python=$3 venv dest home path pip_version t0=$SECONDS
  venv=$(core_venv "$release" "$python")
  dest=$work/$minor/ansible_collections/rhpds/litemaas
  mkdir -p "$dest"
  (cd "$REPO" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/")
  # ansible-test finds the collection's files through git; give the copy its own repository.
  (cd "$dest" && git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm sanity)
  # ansible-test bootstraps pip with a script it downloads from a host this network cannot reach: a stand-in
  # under the name of the pip version this ansible-test pins.
  pip_version=$("$venv/bin/python" -c 'import sys; from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version=sys.argv[1]))["pip"])' "$python")
  # ansible-test keeps its sanity venvs in ~/.ansible/test/venv, named by a hash of their requirements (so shared
  # by versions that pin the same ones) and built without a lock: two versions at once on a cold machine build the
  # same venv in the same place and one fails. A home of its own (cached) for each version; pip's configuration and
  # cache stay the user's.
  home=$CACHE_ROOT/ansible-test-home/$minor
  mkdir -p "$home/.ansible/test/cache"
  cp "$REPO/tests/harness/get_pip_offline.py" "$home/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  echo "---- ansible-test sanity, ansible-core $release (Python $python)"
  path=$venv/bin:$(dirname "$(python_for "$python")"):$PATH
  if (cd "$dest" && HOME=$home XDG_CONFIG_HOME=$config XDG_CACHE_HOME=$cache PATH=$path \
        ansible-test sanity --python "$python" --requirements --color no "${sanity_args[@]}"); then
    echo "---- ansible-core $release: pass in $((SECONDS - t0))s"
  else
    echo "---- ansible-core $release: FAIL in $((SECONDS - t0))s"
    return 1
  fi
}

for_each_core sanity
