#!/usr/bin/env bash
# Install what the test suite needs: Debian packages and a cached Python venv with pinned tools.
# Prints nothing on a warm machine except the venv path. Safe to run repeatedly.
#   tests/setup.sh            # install, then print the venv path
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$REPO/tests/harness/common.sh"

debian_packages=(postgresql postgresql-contrib curl openssl ca-certificates python3-venv git rsync)
command -v node >/dev/null 2>&1 || debian_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || debian_packages+=(npm)
apt_install "${debian_packages[@]}" >&2

req_hash=$(sha256sum "$REPO/tests/requirements.txt" | cut -c1-12)
VENV=$CACHE_ROOT/tools-venv-$req_hash
if [ ! -f "$VENV/.complete" ]; then
  echo "setup: creating tools venv $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >&2
  "$VENV/bin/pip" install -q -r "$REPO/tests/requirements.txt" >&2
  touch "$VENV/.complete"
fi
echo "$VENV"
