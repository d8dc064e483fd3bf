#!/usr/bin/env bash
# The Prisma WASM shim that lets the real LiteLLM proxy use PostgreSQL offline: unit tests of its
# GraphQL -> JSON-protocol translation (node --test), then prisma-client-py 0.11 with the client generated
# from LiteLLM's schema, through the shim, against a throwaway PostgreSQL with LiteLLM's migrations.
# Once per LiteLLM version in LITELLM_VERSIONS (see tier-setup.sh): each has its own schema and client.
set -euo pipefail
: "${REPO:?run through tests/run.sh}"
cd "$REPO"

node --test tests/shim/

. tests/harness/litellm/tier-setup.sh shim-tier

for version in $LITELLM_VERSIONS; do
  echo "---- prisma-client-py through the shim, with LiteLLM $version's schema"
  venv=$("$harness/install.sh" "$version" | sed -n 's/^venv=//p')
  # the tests run in the LiteLLM venv, which holds the generated client; --confcutdir keeps other tiers' conftests out
  LITELLM_VERSION=$version TMPDIR=$run_tmp "$venv/bin/python" -m pytest -q -p no:cacheprovider --confcutdir=tests/shim tests/shim
  python3 "$harness/harness.py" leftovers "$run_tmp"
done
