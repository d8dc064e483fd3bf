#!/usr/bin/env bash
# The main job against the built-in local environment: start a real LiteLLM proxy (with its PostgreSQL and
# a fake OpenAI-compatible upstream, all on 127.0.0.1), then run this collection's playbooks against it:
# declare a model, create a user key, show key info, and make a test completion with the new key.
#
#   scripts/local-demo.sh          # installs what it needs on first use (apt, pip, npm; cached afterwards)
#   scripts/local-demo.sh stop     # stop the local proxy
#
# LITELLM_VERSION picks the LiteLLM version (default 1.106.12).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL=$REPO/tests/harness/litellm/litellm-local.sh
if [ "${1:-}" = "stop" ]; then exec "$LOCAL" stop; fi

VENV=$("$REPO/tests/setup.sh")
export PATH="$VENV/bin:$PATH" ANSIBLE_PYTHON_INTERPRETER="$VENV/bin/python"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
collections=$(mktemp -d)
trap 'rm -rf "$collections"' EXIT
mkdir -p "$collections/ansible_collections/rhpds"
ln -s "$REPO" "$collections/ansible_collections/rhpds/litemaas"
export ANSIBLE_COLLECTIONS_PATH=$collections

"$LOCAL" start
eval "$("$LOCAL" env)"

echo "== Declare a model (playbooks/models.yml)"
cat > "$collections/models.yml" <<YAML
litellm_api_models:
  - model_name: demo-chat
    litellm_params:
      model: openai/demo-chat
      api_base: $LITELLM_TEST_UPSTREAM
      api_key: sk-demo-upstream-key
YAML
ansible-playbook "$REPO/playbooks/models.yml" -e "@$collections/models.yml"

echo "== Create a user key (scripts/create-user-key.sh = playbooks/create_user_key.yml)"
key_output=$("$REPO/scripts/create-user-key.sh" --rotate demo@example.com demo-chat 10 30d)
echo "$key_output"
user_key=$(sed -n 's/^Key: *//p' <<< "$key_output")

echo "== Key info (playbooks/key_info.yml)"
ansible-playbook "$REPO/playbooks/key_info.yml" -e key_alias=user-demo@example.com | grep -E '"msg"|spend'

echo "== Test completion with the user key"
curl -sS --max-time 60 "$LITELLM_API_BASE/chat/completions" -H "Authorization: Bearer $user_key" \
  -H 'Content-Type: application/json' -d '{"model": "demo-chat", "messages": [{"role": "user", "content": "Hello!"}]}'
echo

cat <<EOT

LiteLLM Admin: $LITELLM_API_BASE/ui
Username:      admin
Password:      the master key: eval "\$(tests/harness/litellm/litellm-local.sh env)"; echo \$LITELLM_MASTER_KEY
User key:      $user_key  (model demo-chat, budget \$10, 30 days)
API base URL:  $LITELLM_API_BASE
Stop with:     scripts/local-demo.sh stop
EOT
