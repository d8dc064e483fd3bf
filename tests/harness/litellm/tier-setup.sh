# Sourced by tests/tiers/shim.sh and tests/tiers/litellm.sh with the run's name: sets `harness`,
# `LITELLM_VERSIONS` (the matrix; default below) and `run_tmp` (a private temp dir for everything the
# harness starts), and traps EXIT/INT/TERM to stop those processes (and the test clusters of tests/harness/k8s)
# by their recorded PIDs and remove the dir, whatever happens.
LITELLM_VERSIONS=${LITELLM_VERSIONS:-1.108.7 1.81.15}
harness=$REPO/tests/harness/litellm
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
chmod 711 "$run_tmp"  # as root, PostgreSQL runs as the postgres user and must reach its dirs inside
# The test clusters of tests/harness/k8s that pytest started under run_tmp (fixtures do not run when it is killed).
stop_k8s_clusters() {
  local pidfile
  while IFS= read -r -d '' pidfile; do
    K8S_RUN_DIR=$(dirname "$pidfile") "$REPO/tests/harness/k8s/k8s-local.sh" stop || true
  done < <(find "$run_tmp" -name kube-apiserver.pid -print0)
}
cleanup() { stop_k8s_clusters; python3 "$harness/harness.py" reap "$run_tmp"; rm -rf "$run_tmp"; }
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM
