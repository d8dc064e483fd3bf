#!/usr/bin/env bash
# Integration tests against the real LiteLLM proxy with a real PostgreSQL (tests/integration/litellm), and for
# the tests that keep key values in a Secret, the test kube-apiserver of tests/harness/k8s;
# once per LiteLLM version in LITELLM_VERSIONS; the session fixture starts and stops the proxy each time.
# The LiteLLM versions run on the ends of the ansible-core matrix ($ANSIBLE_CORE_VERSIONS): the first (newest)
# LiteLLM on the newest ansible-core, the others on the oldest; a single LiteLLM version runs on both.
# These pytest sessions run as many at once as the machine has cores (each with its own proxy, database and
# cluster; a session alone keeps about one core busy, much of it waiting for the proxies' 30 s reloads), each
# one's output printed when all are done.
# Then the README's first command, scripts/local-demo.sh (a workshop on litellm-local.sh's proxy and a local
# kube-apiserver), and its stop (LITELLM_DEMO_CHECK=0 skips it).
# After each step nothing the harness started may still run.
set -euo pipefail
: "${REPO:?run through tests/run.sh}" "${VENV:?}" "${CACHE_ROOT:?}"
. "$REPO/tests/harness/common.sh"
cd "$REPO"
. tests/harness/litellm/tier-setup.sh litellm-tier
# The key-Secret tests (the user-keys workload) also need the test kube-apiserver (cached after the first build).
tests/harness/k8s/k8s-local.sh build
versions=$LITELLM_VERSIONS
export TMPDIR=$run_tmp
export LITELLM_LOCAL_STATE=$run_tmp/litellm-local.json  # never touch a developer's own CLI instance
export LITELLM_HARNESS_LOG_DIR=$REPO/tests/output/litellm-logs  # the proxy/postgres/upstream logs of this run
rm -rf "$LITELLM_HARNESS_LOG_DIR"
# a proxy named in the environment would be reused by the fixture for every version
unset LITELLM_API_BASE LITELLM_MASTER_KEY LITELLM_TEST_DATABASE_URL LITELLM_TEST_UPSTREAM

failed=()
check_leftovers() {
  python3 "$harness/harness.py" leftovers "$run_tmp" || { echo "litellm tier: processes survived: $1" >&2; failed+=("leftovers after $1"); }
}
# shellcheck disable=SC2086  # the matrix is a list of versions
mapfile -t cores < <(core_matrix $ANSIBLE_CORE_VERSIONS)
read -r -a litellm_versions <<< "$versions"
runs=("${litellm_versions[0]} ${cores[-1]}")
for version in "${litellm_versions[@]:1}"; do runs+=("$version ${cores[0]}"); done
[ ${#litellm_versions[@]} -gt 1 ] || [ ${#cores[@]} -eq 1 ] || runs+=("${litellm_versions[0]} ${cores[0]}")
# What the sessions share is made first, one at a time: each LiteLLM venv (with its apt packages) and core venv,
# and litellm-as-code's venv for the benchmark's smoke test.
tests/benchmark/litellm-as-code-venv.sh > /dev/null
for run in "${runs[@]}"; do
  read -r version minor release python <<< "$run"
  bash "$harness/install.sh" "$version" > /dev/null
  core_venv "$release" "$python" > /dev/null
done
pytest_session() {
  local version=$1 release=$3 python=$4 rc=0 t0=$SECONDS
  echo "---- LiteLLM $version, ansible-core $release"
  LITELLM_VERSION=$version "$(core_venv "$release" "$python")/bin/python" -m pytest -q -p no:cacheprovider \
    --durations=15 --basetemp="$run_tmp/pytest-$version-$release" tests/integration/litellm || rc=$?
  echo "---- LiteLLM $version, ansible-core $release: exit $rc in $((SECONDS - t0))s"
  return "$rc"
}
if ! at_once pytest_session "${runs[@]}"; then
  for run in "${AT_ONCE_FAILED[@]}"; do
    read -r version minor release python <<< "$run"
    failed+=("pytest on LiteLLM $version, ansible-core $release")
  done
fi
check_leftovers "pytest"

if [ "${LITELLM_DEMO_CHECK:-1}" != 0 ]; then
  version=${versions%% *}
  echo "---- README's first command: scripts/local-demo.sh (LiteLLM $version), then its stop"
  cli=$harness/litellm-local.sh
  t0=$SECONDS
  if WORKSHOP_USERS=3 LITELLM_VERSION=$version LITEMAAS_LOCAL_RUN_DIR=$run_tmp/local-demo-k8s \
       scripts/local-demo.sh > "$run_tmp/local-demo.log" 2>&1 \
     && grep -q '^Every attendee got the same key as before' "$run_tmp/local-demo.log" \
     && grep -q 'alias starts with demo-: 0. Secrets left in workshop-demo: none' "$run_tmp/local-demo.log" \
     && LITEMAAS_LOCAL_RUN_DIR=$run_tmp/local-demo-k8s scripts/local-demo.sh stop && ! "$cli" status 2>/dev/null; then
    echo "---- scripts/local-demo.sh: ok in $((SECONDS - t0))s"
  else
    cat "$run_tmp/local-demo.log"
    failed+=("scripts/local-demo.sh")
    LITEMAAS_LOCAL_RUN_DIR=$run_tmp/local-demo-k8s scripts/local-demo.sh stop || true
  fi
  check_leftovers "scripts/local-demo.sh"
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf 'litellm tier failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
