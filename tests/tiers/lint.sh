#!/usr/bin/env bash
# ansible-lint (production profile) on roles, playbooks and docs examples; every playbook passes
# --syntax-check; every module's and role's documentation renders; changelog fragments are valid; packaging
# (tests/packaging): the execution environment's build context, the AAP credential types and job templates
# (configure_aap.yml against an in-memory controller API), and a release of the current version in a copy.
set -euo pipefail
: "${REPO:?run through tests/run.sh}"
cd "$REPO"
ansible-lint --profile production
ansible-playbook -i localhost, --syntax-check playbooks/*.yml > /dev/null
echo "syntax-check: $(ls playbooks/*.yml | wc -l) playbooks"
for module in plugins/modules/*.py; do
  name=$(basename "$module" .py)
  ansible-doc "rhpds.litemaas.$name" > /dev/null
  ansible-doc --json "rhpds.litemaas.$name" | python -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d else 1)'
done
echo "ansible-doc: $(ls plugins/modules/*.py | wc -l) modules render"
for role in roles/*/; do
  name=$(basename "$role")
  ansible-doc -t role "rhpds.litemaas.$name" > /dev/null
  ansible-doc -t role --json "rhpds.litemaas.$name" | python -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d else 1)'
done
echo "ansible-doc: $(ls -d roles/*/ | wc -l) roles render"
antsibull-changelog lint
python -m pytest -q -p no:cacheprovider tests/packaging
