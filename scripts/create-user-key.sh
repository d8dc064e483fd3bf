#!/usr/bin/env bash
# Create a LiteLLM virtual key for a user, as documented in the LiteMaaS guide:
#
#   ./scripts/create-user-key.sh user@example.com deepseek-chat 100 30d
#   ./scripts/create-user-key.sh [--rotate] <email> [models] [max_budget] [duration]
#
# models is a comma-separated list; "all" means every model; empty or omitted: a new key gets every model and an
# existing key keeps its models. The proxy is found through
# LITELLM_API_BASE / LITELLM_MASTER_KEY, or else in the cluster (Route litellm and Secret litellm-secret in
# namespace $LITEMAAS_NAMESPACE, default rhpds). A thin wrapper around playbooks/create_user_key.yml;
# exits non-zero when the key was not created.
set -euo pipefail

usage() { sed -n '4,5p' "$0" | sed 's/^#   //' >&2; exit 2; }

rotate=false
if [ "${1:-}" = "--rotate" ]; then rotate=true; shift; fi
[ $# -ge 1 ] && [ $# -le 4 ] || usage
email=$1 models=${2:-} budget=${3:-} duration=${4:-}
case "$email" in *@*) ;; *) echo "error: '$email' is not an e-mail address" >&2; usage ;; esac
if [ -n "$budget" ] && ! [[ "$budget" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "error: max_budget must be a number of dollars, got '$budget'" >&2; exit 2
fi
command -v ansible-playbook >/dev/null || { echo "error: ansible-playbook is not installed" >&2; exit 1; }

here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Run this clone of the collection, whatever else is installed.
mkdir -p "$work/collections/ansible_collections/rhpds"
ln -s "$here" "$work/collections/ansible_collections/rhpds/litemaas"
export ANSIBLE_COLLECTIONS_PATH="$work/collections${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}"

# One JSON document of extra variables: values with spaces or quotes reach the playbook as they are.
python3 - "$work/vars.json" "$email" "$models" "$rotate" "$work/key.json" "$budget" "$duration" "${LITEMAAS_NAMESPACE:-}" <<'PY'
import json, sys
path, email, models, rotate, out, budget, duration, namespace = sys.argv[1:]
variables = {"user_email": email, "rotate_key": rotate == "true", "key_output_file": out}
for name, value in (("key_models", models), ("max_budget", budget), ("duration", duration),
                    ("litemaas_namespace", namespace)):
    if value:
        variables[name] = float(value) if name == "max_budget" else value
with open(path, "w") as f:
    json.dump(variables, f)
PY

if ! ansible-playbook "$here/playbooks/create_user_key.yml" -e "@$work/vars.json" > "$work/log" 2>&1; then
  grep -E '^(fatal|ERROR|\[ERROR\])|"msg"' "$work/log" | grep -v censored >&2 || tail -20 "$work/log" >&2
  exit 1
fi
python3 - "$work/key.json" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))
if k["api_key"]:
    print("Key alias: %s\nKey:       %s\nModels:    %s\nExpires:   %s" % (
        k["key_alias"], k["api_key"], ", ".join(k["models"]) or "all", k["expires"] or "never"))
else:
    print("Key %s already exists%s; its value cannot be shown again (use --rotate for a new value)."
          % (k["key_alias"], " (settings updated)" if k["changed"] else ""))
PY
