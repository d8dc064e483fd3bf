# Shared helpers for the test harness scripts (sourced, not executed).
# Cache root: everything slow to build (venvs, npm modules, kube binaries) lives here, outside the repo.
CACHE_ROOT=${RHPDS_LITEMAAS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rhpds-litemaas}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG... : install Debian packages that are missing (one apt-get update at most).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "harness: apt-get install ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# link_collection: print a directory (one per checkout, in the cache) where ansible finds this checkout
# as the collection rhpds.litemaas (for the local scripts, which run what is checked out as it is edited).
link_collection() {
  local dir
  dir=$CACHE_ROOT/collections-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
  mkdir -p "$dir/ansible_collections/rhpds"
  ln -sfn "$REPO" "$dir/ansible_collections/rhpds/litemaas"
  echo "$dir"
}

# install_collection: build this checkout's collection tarball with ansible-galaxy and install it, as users do,
# into a new directory (dependencies such as kubernetes.core from the ansible bundle of the tools venv, offline);
# print that directory. The tarball stays in its build/ subdirectory.
install_collection() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rhpds-litemaas-installed.XXXXXX")
  ansible-galaxy collection build --output-path "$dir/build" "$REPO" >&2
  ansible-galaxy collection install --offline -p "$dir" "$dir"/build/rhpds-litemaas-*.tar.gz >&2
  echo "$dir"
}

# core_matrix [MINOR...]: print "minor release python" for the given ansible-core minor versions (all when none),
# from tests/ansible-core-matrix.txt; fails on a version the matrix does not have.
core_matrix() {
  local wanted=("$@") line
  if [ ${#wanted[@]} -eq 0 ]; then
    grep -v '^#' "$REPO/tests/ansible-core-matrix.txt" | sed '/^\s*$/d'
    return
  fi
  for minor in "${wanted[@]}"; do
    line=$(grep -E "^${minor//./\\.}\s" "$REPO/tests/ansible-core-matrix.txt") \
      || { echo "ansible-core $minor is not in tests/ansible-core-matrix.txt" >&2; return 1; }
    echo "$line"
  done
}

# python_for VERSION: a python VERSION interpreter of this machine (PATH, then pyenv), or fail naming it.
python_for() {
  local candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/python"$1" "$(command -v "python$1" || true)"; do
    [ -n "$candidate" ] && "$candidate" -c 'import venv' 2>/dev/null && { echo "$candidate"; return; }
  done
  echo "no python$1 on this machine (PATH or pyenv): needed for an ansible-core of the matrix" >&2
  return 1
}

# core_venv RELEASE PYTHON: a cached venv with ansible-core RELEASE on python PYTHON, the test requirements
# (tests/requirements-core.txt) and kubernetes.core from the tools venv ($VENV); print its path.
core_venv() {
  local release=$1 python=$2 hash venv bundled target
  hash=$(cat "$REPO/tests/requirements-core.txt" "$REPO/tests/requirements.txt" | sha256sum | cut -c1-12)
  venv=$CACHE_ROOT/ansible-core-$release-py$python-$hash
  if [ ! -f "$venv/.complete" ]; then
    echo "setup: creating ansible-core $release venv $venv" >&2
    rm -rf "$venv"
    "$(python_for "$python")" -m venv "$venv"
    {
      "$venv/bin/pip" install -q --upgrade pip
      "$venv/bin/pip" install -q "ansible-core==$release" -r "$REPO/tests/requirements-core.txt"
    } >&2 2> >(grep -v '^WARNING: Location .* is ignored' >&2)  # this machine's pip config names absent indexes
    bundled=$("$VENV/bin/python" -c 'import ansible_collections.kubernetes.core as c; print(list(c.__path__)[0])')
    target=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections/kubernetes
    mkdir -p "$target"
    cp -a "$bundled" "$target/core"
    touch "$venv/.complete"
  fi
  echo "$venv"
}

# at_once FUNCTION ROW...: run FUNCTION with the words of each ROW as its arguments, as many at once as the machine
# has cores, each one's output kept and printed in the order of the ROWs at the end; fails when some FUNCTION failed,
# leaving their ROWs in AT_ONCE_FAILED.
at_once() {
  local fn=$1 logs i rows
  shift
  rows=("$@")
  AT_ONCE_FAILED=()
  logs=$(mktemp -d)
  for i in "${!rows[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do sleep 1; done
    (
      rc=0
      # shellcheck disable=SC2086  # a row is a list of arguments
      "$fn" ${rows[$i]} > "$logs/$i.log" 2>&1 || rc=$?
      echo "$rc" > "$logs/$i.rc"
    ) &
  done
  wait
  for i in "${!rows[@]}"; do
    cat "$logs/$i.log"
    [ "$(cat "$logs/$i.rc")" = 0 ] || AT_ONCE_FAILED+=("${rows[$i]}")
  done
  rm -rf "$logs"
  [ ${#AT_ONCE_FAILED[@]} -eq 0 ]
}

# for_each_core FUNCTION: run FUNCTION MINOR RELEASE PYTHON for every ansible-core of $ANSIBLE_CORE_VERSIONS through
# at_once (their venvs made first, one at a time); fails naming the versions whose FUNCTION failed.
for_each_core() {
  local fn=$1 row rows=()
  # shellcheck disable=SC2086  # the matrix is a list of versions
  mapfile -t rows < <(core_matrix $ANSIBLE_CORE_VERSIONS)
  for row in "${rows[@]}"; do
    read -r _ release python <<< "$row"
    core_venv "$release" "$python" > /dev/null
  done
  if ! at_once "$fn" "${rows[@]}"; then
    echo "failed on ansible-core ${AT_ONCE_FAILED[*]%% *}" >&2
    return 1
  fi
}

# free_port: print a TCP port that is free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION PIDFILE CMD...: poll CMD every 0.2 s until it succeeds or the deadline passes;
# give up at once when the process recorded in PIDFILE has exited (it failed to start: it will never answer).
wait_for() {
  local secs=$1 what=$2 pidfile=$3; shift 3
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "harness: $what exited before it was ready" >&2; return 1; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "harness: timed out after ${secs}s waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

# stop_pidfile FILE: TERM the recorded PID, wait up to 10 s, then KILL; remove the file.
stop_pidfile() {
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
