#!/usr/bin/env bash
# Integration tests against the real LiteLLM proxy with a real PostgreSQL (tests/integration/litellm), and for
# the tests that keep key values in a Secret, the test kube-apiserver of tests/harness/k8s;
# once per LiteLLM version in LITELLM_VERSIONS; the session fixture starts and stops the proxy each time.
# The LiteLLM versions run on the ends of the ansible-core matrix ($ANSIBLE_CORE_VERSIONS): the first (newest)
# LiteLLM on the newest ansible-core, the others on the oldest; a single LiteLLM version runs on both.
# Then a round trip of the CLI (litellm-local.sh start/env/status/stop; LITELLM_CLI_CHECK=0 skips it).
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
for run in "${runs[@]}"; do
  read -r version minor release python <<< "$run"
  core_python=$(core_venv "$release" "$python")/bin/python
  echo "---- LiteLLM $version, ansible-core $release"
  t0=$SECONDS
  rc=0
  LITELLM_VERSION=$version "$core_python" -m pytest -q -p no:cacheprovider --durations=15 tests/integration/litellm || rc=$?
  [ "$rc" = 0 ] || failed+=("pytest on LiteLLM $version, ansible-core $release (exit $rc)")
  echo "---- LiteLLM $version, ansible-core $release: exit $rc in $((SECONDS - t0))s"
  check_leftovers "pytest on $version"
done

if [ "${LITELLM_CLI_CHECK:-1}" != 0 ]; then
  version=${versions%% *}
  echo "---- CLI round trip (LiteLLM $version)"
  cli=$harness/litellm-local.sh
  if LITELLM_VERSION=$version "$cli" start && "$cli" status \
     && (eval "$("$cli" env)" && curl -sf -m 10 -H "Authorization: Bearer $LITELLM_MASTER_KEY" \
         "$LITELLM_API_BASE/health/readiness" | grep -q '"db":"connected"') \
     && "$cli" stop && ! "$cli" status 2>/dev/null; then
    echo "---- CLI round trip: ok"
  else
    failed+=("CLI round trip")
    "$cli" stop || true
  fi
  check_leftovers "the CLI round trip"
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf 'litellm tier failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
