#!/usr/bin/env bash
# The whole test suite, or some tiers of it. Installs what it needs (apt, pip, npm) and starts every
# service itself (PostgreSQL + LiteLLM proxy, kube-apiserver); everything it starts is stopped at the end.
#
#   tests/run.sh                 # every tier
#   tests/run.sh units litellm   # only these tiers
#
# Tiers: sanity units lint shim litellm k8s
# LITELLM_VERSIONS (default "1.108.7 1.81.15") is the LiteLLM matrix the litellm tier runs against.
# ANSIBLE_CORE_VERSIONS (default: every minor version in tests/ansible-core-matrix.txt, e.g. "2.16 2.21") is the
# ansible-core matrix: sanity and units run on each, the litellm tier on the oldest and the newest.
# The integration tiers run the collection as users install it: built with ansible-galaxy from this checkout and
# installed from the tarball into a fresh directory (COLLECTIONS_DIR; the tarball is COLLECTION_TARBALL).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO
. "$REPO/tests/harness/common.sh"
export CACHE_ROOT

ALL_TIERS=(sanity units lint shim litellm k8s)
tiers=("$@"); [ ${#tiers[@]} -gt 0 ] || tiers=("${ALL_TIERS[@]}")
for t in "${tiers[@]}"; do
  [ -f "$REPO/tests/tiers/$t.sh" ] || { echo "unknown tier: $t (known: ${ALL_TIERS[*]})" >&2; exit 2; }
done

VENV=$("$REPO/tests/setup.sh")
export VENV PATH="$VENV/bin:$PATH"
ANSIBLE_CORE_VERSIONS=${ANSIBLE_CORE_VERSIONS:-$(core_matrix | awk '{print $1}' | xargs)}
core_matrix $ANSIBLE_CORE_VERSIONS > /dev/null  # an unknown version fails here, before any tier
export ANSIBLE_CORE_VERSIONS
COLLECTIONS_DIR=$(install_collection)
COLLECTION_TARBALL=$(ls "$COLLECTIONS_DIR"/build/rhpds-litemaas-*.tar.gz)
trap 'rm -rf "$COLLECTIONS_DIR"' EXIT
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS_DIR COLLECTIONS_DIR COLLECTION_TARBALL

declare -A took result
failed=0
for t in "${tiers[@]}"; do
  echo "==== tier $t"
  t0=$SECONDS
  if bash "$REPO/tests/tiers/$t.sh"; then result[$t]=pass; else result[$t]=FAIL; failed=1; fi
  took[$t]=$((SECONDS - t0))
done
echo "==== summary"
for t in "${tiers[@]}"; do printf '%-8s %-5s %5ss\n' "$t" "${result[$t]}" "${took[$t]}"; done
exit $failed
