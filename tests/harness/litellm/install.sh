#!/usr/bin/env bash
# Install (once, cached) what the LiteLLM test harness needs for one LiteLLM version, then print
# KEY=VALUE lines with the paths harness.py uses. Safe to run repeatedly and concurrently; a warm run
# takes well under a second and changes nothing.
#
#   tests/harness/litellm/install.sh 1.108.7
#
# What it installs, and where ($CACHE_ROOT, see tests/harness/common.sh):
#   Debian packages   postgresql (initdb/postgres/psql), nodejs + npm only when `node` is missing
#   shim-node-<lock hash>/          npm ci of shim/package-lock.json: Prisma's WASM query engine, the pg
#                                   driver adapter and the Prisma CLI that prisma-client-py 0.11 drives
#   litellm-<version>/venv-<hash>/  python venv from requirements/litellm-<version>.txt (pinned
#                                   litellm[proxy], prisma-client-py 0.11.0, pytest), with the Prisma
#                                   client generated offline from that LiteLLM's schema.prisma
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../common.sh"

version=${1:-${LITELLM_VERSION:-1.108.7}}
lock=$HERE/requirements/litellm-$version.txt
[ -f "$lock" ] || { echo "install.sh: no lock file for LiteLLM $version ($lock); supported: $(cd "$HERE/requirements" && ls | sed -n 's/^litellm-\(.*\)\.txt$/\1/p' | xargs)" >&2; exit 2; }
mkdir -p "$CACHE_ROOT"

# --- Debian packages (no-op when present)
pkgs=(postgresql)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
command -v flock >/dev/null 2>&1 || pkgs+=(util-linux)
apt_install "${pkgs[@]}"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || { echo "install.sh: PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }

# build_once DIR CMD...: unless DIR/.complete exists, run CMD (which fills DIR) under a lock and mark
# DIR complete. A half-built DIR (crash, Ctrl-C) has no marker and is rebuilt from scratch next time.
build_once() {
  local dir=$1; shift
  [ -f "$dir/.complete" ] && return 0
  mkdir -p "$(dirname "$dir")"
  (
    flock -w 1800 9 || { echo "install.sh: timed out waiting for the lock on $dir" >&2; exit 1; }
    [ -f "$dir/.complete" ] && exit 0
    rm -rf "$dir"
    mkdir -p "$dir"
    "$@"
    touch "$dir/.complete"
  ) 9>"$dir.lock"
}

# --- Node modules for the shim, keyed by the lock file
shim_node=$CACHE_ROOT/shim-node-$(cat "$HERE/shim/package.json" "$HERE/shim/package-lock.json" | sha256sum | cut -c1-12)
npm_ci() {
  echo "install.sh: npm ci for the Prisma WASM shim -> $shim_node" >&2
  cp "$HERE/shim/package.json" "$HERE/shim/package-lock.json" "$shim_node/"
  # --ignore-scripts: @prisma/engines' postinstall would try to download native engines
  (cd "$shim_node" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
}
build_once "$shim_node" npm_ci

# --- The proxy's own venv, keyed by version + lock file
# Bump GEN_REV when the way the venv is built changes (install.sh edits alone do not rebuild it).
GEN_REV=1
venv=$CACHE_ROOT/litellm-$version/venv-$({ cat "$lock"; python3 --version; echo "$GEN_REV"; } | sha256sum | cut -c1-12)
make_venv() {
  local v=$venv
  echo "install.sh: creating LiteLLM $version venv -> $venv (a few minutes)" >&2
  python3 -m venv "$v"
  timeout 900 "$v/bin/pip" install -q --disable-pip-version-check -r "$lock" >&2
  # prisma-client-py 0.11 generates its client into its own package, offline: with both engine
  # variables set the Prisma CLI (node, from the shim's node_modules) downloads nothing.
  local site; site=$("$v/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  mkdir -p "$v/schema"
  cp "$site/litellm/proxy/schema.prisma" "$v/schema/schema.prisma"
  (
    cd "$v/schema"
    export PRISMA_QUERY_ENGINE_BINARY=$HERE/shim/query-engine PRISMA_SCHEMA_ENGINE_BINARY=$HERE/shim/schema-engine
    export PRISMA_BINARY_CACHE_DIR=$shim_node PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING=1
    export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 DATABASE_URL=postgresql://unused@127.0.0.1/unused
    export PATH="$v/bin:$PATH"  # the generator is the venv's `prisma-client-py` script
    timeout 300 "$v/bin/python" -m prisma generate --schema schema.prisma >generate.log 2>&1 \
      || { cat generate.log >&2; exit 1; }
  )
  "$v/bin/python" -c 'from prisma import Prisma; Prisma' >&2
}
build_once "$venv" make_venv

echo "venv=$venv"
echo "shim_node=$shim_node"
echo "pg_bin=$pg_bin"
echo "node=$(command -v node)"
