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
# as the collection rhpds.litemaas.
link_collection() {
  local dir
  dir=$CACHE_ROOT/collections-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
  mkdir -p "$dir/ansible_collections/rhpds"
  ln -sfn "$REPO" "$dir/ansible_collections/rhpds/litemaas"
  echo "$dir"
}

# free_port: print a TCP port that is free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION CMD...: poll CMD every 0.2 s until it succeeds or the deadline passes.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
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
