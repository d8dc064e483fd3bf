#!/usr/bin/env bash
# Deploy LiteMaaS with playbooks/deploy.yml on a built-in local cluster: one command, no OpenShift needed.
#
#   scripts/local-deploy.sh [ansible-playbook args...]   # e.g. -e @my-models.yml
#   scripts/local-deploy.sh status                       # playbooks/status.yml against it
#   scripts/local-deploy.sh destroy [args...]            # playbooks/destroy.yml against it
#   scripts/local-deploy.sh stop                         # stop the local cluster
#
# The local cluster is a real kube-apiserver + kube-controller-manager (v1.20, built once from Debian
# sources and cached; ~10 minutes the first time) on 127.0.0.1 with the OpenShift CRDs (Route,
# OAuthClient, Ingress and Infrastructure config) and the apps domain apps.example.test. There is no
# kubelet, router or container runtime: containers never run and the routes do not resolve. A helper
# plays the kubelet and marks Pods ready, so the deploy runs exactly as on OpenShift, readiness waits
# included. Use it to see what the roles create; use a real cluster to run LiteMaaS.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$REPO/tests/harness/common.sh"
HARNESS=$REPO/tests/harness/k8s
export K8S_RUN_DIR=${LITEMAAS_LOCAL_RUN_DIR:-$CACHE_ROOT/local-deploy}
NAMESPACE=${LITEMAAS_LOCAL_NAMESPACE:-rhpds}
APPS_DOMAIN=apps.example.test
MARK_PID=$K8S_RUN_DIR/mark-ready.pid

stop_marking() { stop_pidfile "$MARK_PID"; }

case "${1:-}" in
  stop)
    stop_marking
    "$HARNESS/k8s-local.sh" stop
    echo "local-deploy: local cluster stopped"
    exit 0 ;;
  status) playbook=status.yml; shift ;;
  destroy) playbook=destroy.yml; shift ;;
  *) playbook=deploy.yml ;;
esac

VENV=$("$REPO/tests/setup.sh")
"$HARNESS/k8s-local.sh" start
export KUBECONFIG=$K8S_RUN_DIR/kubeconfig
"$VENV/bin/python" "$HARNESS/prepare_cluster.py" --apps-domain "$APPS_DOMAIN"

ANSIBLE_COLLECTIONS_PATH=$(link_collection)
export ANSIBLE_COLLECTIONS_PATH

inventory=$K8S_RUN_DIR/inventory.yml
if [ ! -f "$inventory" ]; then
  cat > "$inventory" <<EOF
# Inventory of the local demo; every litemaas_* variable of roles/litemaas/meta/argument_specs.yml can go here.
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: $VENV/bin/python
  vars:
    litemaas_namespace: $NAMESPACE
    litemaas_wait_timeout: 120
    # A local demo: print the generated admin password in the summary.
    litemaas_summary_show_secrets: true
    # Guide option 2: models in LiteLLM's config.yaml (no provider is reachable from here).
    litemaas_litellm_models:
      - model_name: llama3
        litellm_params:
          model: ollama/llama3
          api_base: http://ollama-service.ollama.svc.cluster.local:11434
EOF
fi

if [ "$playbook" = deploy.yml ]; then
  stop_marking
  "$VENV/bin/python" "$HARNESS/mark_ready.py" --namespace "$(awk '/litemaas_namespace:/ {print $2; exit}' "$inventory")" \
    --duration 900 --quiet & echo $! > "$MARK_PID"
  trap stop_marking EXIT
fi

rc=0
"$VENV/bin/ansible-playbook" -i "$inventory" "$REPO/playbooks/$playbook" "$@" || rc=$?
cat <<EOF

local-deploy: the local cluster keeps running (state in $K8S_RUN_DIR).
  Inspect it:   export KUBECONFIG=$KUBECONFIG; kubectl get all,routes.route.openshift.io,secrets -n $NAMESPACE
  Variables:    $inventory
  Status:       scripts/local-deploy.sh status
  Stop it:      scripts/local-deploy.sh stop
EOF
exit $rc
