#!/usr/bin/env bash
# The Prisma WASM shim that lets the real LiteLLM proxy use PostgreSQL offline: unit tests of its
# GraphQL -> JSON-protocol translation (node --test), then prisma-client-py 0.11 with the client generated
# from LiteLLM's schema, through the shim, against a throwaway PostgreSQL with LiteLLM's migrations.
# LITELLM_VERSION picks whose schema and client (default 1.106.12).
set -euo pipefail
: "${REPO:?run through tests/run.sh}"
cd "$REPO"

node --test tests/shim/

. tests/harness/litellm/tier-setup.sh shim-tier

venv=$("$harness/install.sh" "${LITELLM_VERSION:-1.106.12}" | sed -n 's/^venv=//p')
# the tests run in the LiteLLM venv, which holds the generated client; --confcutdir keeps other tiers' conftests out
TMPDIR=$run_tmp "$venv/bin/python" -m pytest -q -p no:cacheprovider --confcutdir=tests/shim tests/shim
python3 "$harness/harness.py" leftovers "$run_tmp"
