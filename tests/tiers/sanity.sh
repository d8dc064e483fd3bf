#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed at .../ansible_collections/rhpds/litemaas.
set -euo pipefail
: "${REPO:?run through tests/run.sh}" "${VENV:?}" "${CACHE_ROOT:?}"
pip_version=$("$VENV/bin/python" -c 'from ansible_test._internal.python_requirements import get_venv_packages
from types import SimpleNamespace
print(get_venv_packages(SimpleNamespace(version="3.11"))["pip"])')
mkdir -p "$HOME/.ansible/test/cache"
cp "$REPO/tests/harness/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/rhpds/litemaas
mkdir -p "$dest"
(cd "$REPO" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/")
cd "$dest"
# ansible-test finds the collection's files through git; give the copy its own repository.
git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm sanity
ansible-test sanity --python 3.11 --requirements --color no "$@"
