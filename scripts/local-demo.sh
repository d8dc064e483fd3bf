#!/usr/bin/env bash
# The main job against the built-in local environment: a workshop. It starts a real LiteLLM proxy (with its
# PostgreSQL and a fake OpenAI-compatible upstream) and a real Kubernetes API server (where the keys' Secret
# lives), all on 127.0.0.1, then runs what an RHPDS workshop order runs:
#   1. the workshop's models, created through LiteLLM's API (playbooks/models.yml), the kind the portal lists;
#   2. the AgnosticD workload rhpds.litemaas.ocp4_workload_litemaas_user_keys with ACTION=provision: one key per
#      attendee and one for the instructor, kept in a Secret, reported per user as agnosticd_user_info gets it;
#   3. the same order provisioned again: nothing changes and every attendee gets the same key;
#   4. a completion with each attendee's key;
#   5. ACTION=destroy: the order's keys and their Secret are deleted.
#
#   scripts/local-demo.sh          # installs what it needs on first use (apt, pip, npm; cached afterwards)
#   scripts/local-demo.sh stop     # stop the local proxy and cluster
#
# WORKSHOP_USERS sets the number of attendees (default 5), LITELLM_VERSION the LiteLLM version (default 1.108.7).
# The first run also builds the local Kubernetes API server (about 10 minutes, cached afterwards).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$REPO/tests/harness/common.sh"
LOCAL_LITELLM=$REPO/tests/harness/litellm/litellm-local.sh
LOCAL_K8S=$REPO/tests/harness/k8s/k8s-local.sh
# The cluster of scripts/local-deploy.sh: both scripts use the same one.
export K8S_RUN_DIR=${LITEMAAS_LOCAL_RUN_DIR:-$CACHE_ROOT/local-deploy}
if [ "${1:-}" = "stop" ]; then
  "$LOCAL_LITELLM" stop
  "$LOCAL_K8S" stop
  exit 0
fi
USERS=${WORKSHOP_USERS:-5}
GUID=demo

VENV=$("$REPO/tests/setup.sh")
export PATH="$VENV/bin:$PATH" ANSIBLE_PYTHON_INTERPRETER="$VENV/bin/python"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The collection as checked out, and the stand-in of AgnosticD's agnosticd.core, which appends what
# agnosticd_user_info is given to $AGNOSTICD_USER_INFO_FILE.
ANSIBLE_COLLECTIONS_PATH=$(link_collection):$REPO/tests/integration/k8s/collections
export ANSIBLE_COLLECTIONS_PATH AGNOSTICD_USER_INFO_FILE=$work/user-info.jsonl

"$LOCAL_LITELLM" start
eval "$("$LOCAL_LITELLM" env)"
"$LOCAL_K8S" start
export KUBECONFIG=$K8S_RUN_DIR/kubeconfig

echo "== 1. The workshop's models (playbooks/models.yml)"
cat > "$work/models.yml" <<YAML
litellm_api_models:
  - model_name: workshop-chat
    litellm_params:
      model: openai/workshop-chat
      api_base: $LITELLM_TEST_UPSTREAM
      api_key: sk-demo-upstream-key
    model_info: {max_tokens: 8192, supports_function_calling: true}
  - model_name: workshop-code
    litellm_params:
      model: openai/workshop-code
      api_base: $LITELLM_TEST_UPSTREAM
      api_key: sk-demo-upstream-key
    model_info: {max_tokens: 16384}
YAML
ansible-playbook "$REPO/playbooks/models.yml" -e "@$work/models.yml" | grep -A1 '^PLAY RECAP' | tail -1

# order ACTION: the workload for this order, as AgnosticD runs it; prints the play recap.
order() {
  rm -f "$AGNOSTICD_USER_INFO_FILE"
  if ! ansible-playbook "$REPO/scripts/local-demo-workshop.yml" -e ACTION="$1" -e guid=$GUID -e num_users="$USERS" \
      -e '{"ocp4_workload_litemaas_user_keys_models": ["workshop-chat", "workshop-code"]}' > "$work/$1.log"; then
    cat "$work/$1.log"
    exit 1
  fi
  grep -A1 '^PLAY RECAP' "$work/$1.log" | tail -1
}
# attendees: one line per attendee (user, key, expiry) from what the workload reported to AgnosticD.
attendees() {
  python3 - "$AGNOSTICD_USER_INFO_FILE" <<'PY'
import json
import sys
for line in open(sys.argv[1], encoding='utf-8'):
    call = json.loads(line)
    if call['user']:
        data = call['data']
        print('%s\t%s\t%s' % (call['user'], data['litellm_virtual_key'], data['litellm_key_expires']))
PY
}

echo "== 2. Provision the order: $USERS attendees, a key each (ocp4_workload_litemaas_user_keys, ACTION=provision)"
order provision
attendees > "$work/first"
awk -F'\t' '{printf "%-8s %s  expires %s\n", $1, $2, $3}' "$work/first"
python3 - <<'PY'
from kubernetes import client, config
config.load_kube_config()
secret = client.CoreV1Api().read_namespaced_secret('litellm-user-keys-demo', 'workshop-demo')
print('The values are kept in Secret %s/%s: %d entries (the attendees and the instructor).'
      % (secret.metadata.namespace, secret.metadata.name, len(secret.data)))
PY

echo "== 3. Provision the same order again"
order provision
attendees > "$work/second"
if ! cmp -s "$work/first" "$work/second"; then
  echo "local-demo: the second provision handed out other keys" >&2
  exit 1
fi
echo "Every attendee got the same key as before."

echo "== 4. A completion with each attendee's key"
while IFS=$'\t' read -r user key _; do
  answer=$(curl -sS --max-time 60 "$LITELLM_API_BASE/v1/chat/completions" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d '{"model": "workshop-chat", "messages": [{"role": "user", "content": "Hello!"}]}')
  printf '%s: %s\n' "$user" \
    "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["choices"][0]["message"]["content"])' <<< "$answer")"
done < "$work/second"

echo "== 5. Destroy the order (ACTION=destroy)"
order destroy
python3 - "$GUID-" <<'PY'
import os
import sys

import requests
from kubernetes import client, config

prefix, page, left = sys.argv[1], 1, 0
while True:
    answer = requests.get(os.environ['LITELLM_API_BASE'] + '/key/list', timeout=60,
                          params={'page': page, 'size': 100, 'return_full_object': 'true'},
                          headers={'Authorization': 'Bearer ' + os.environ['LITELLM_MASTER_KEY']}).json()
    left += sum(1 for key in answer['keys'] if (key.get('key_alias') or '').startswith(prefix))
    if page >= (answer.get('total_pages') or 1):
        break
    page += 1
config.load_kube_config()
secrets = client.CoreV1Api().list_namespaced_secret('workshop-demo').items
print('Keys left in LiteLLM whose alias starts with %s: %d. Secrets left in workshop-demo: %s.'
      % (prefix, left, ', '.join(s.metadata.name for s in secrets if 'user-keys' in s.metadata.name) or 'none'))
PY

cat <<EOT

LiteLLM Admin: $LITELLM_API_BASE/ui  (username admin; the password is the master key:
               eval "\$(tests/harness/litellm/litellm-local.sh env)"; echo \$LITELLM_MASTER_KEY)
The proxy, its models and the cluster keep running; the demo can run again.
Stop with:     scripts/local-demo.sh stop
EOT
