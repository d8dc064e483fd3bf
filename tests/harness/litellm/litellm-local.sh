#!/usr/bin/env bash
# A local LiteLLM proxy for development and demos: the real proxy + a throwaway PostgreSQL + a fake
# OpenAI upstream, all on 127.0.0.1 free ports, running in the background until `stop`.
#
#   tests/harness/litellm/litellm-local.sh start [--version 1.81.16]   # prints URL, start-up time, log dir
#   eval "$(tests/harness/litellm/litellm-local.sh env)"   # LITELLM_API_BASE, LITELLM_MASTER_KEY, ...
#   tests/harness/litellm/litellm-local.sh status
#   tests/harness/litellm/litellm-local.sh stop            # kills its processes by PID, removes the temp dir
#
# LITELLM_VERSION picks the LiteLLM version (default 1.108.7). The instance is remembered in
# $CACHE_ROOT/run/litellm-local.json (override with LITELLM_LOCAL_STATE).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../common.sh"
export RHPDS_LITEMAAS_CACHE=$CACHE_ROOT
exec python3 "$HERE/harness.py" "$@"
