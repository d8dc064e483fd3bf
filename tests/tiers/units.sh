#!/usr/bin/env bash
# Unit tests: edge cases of the client and the comparison logic (no real services).
set -euo pipefail
: "${REPO:?run through tests/run.sh}"
cd "$REPO"
python -m pytest -q -p no:cacheprovider tests/unit
