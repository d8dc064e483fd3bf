"""The AAP definitions in extensions/aap/ and playbooks/configure_aap.yml, which registers them.

- Credential types: the controller's rules for inputs and injectors, and what a job gets from them, rendered the way
  the controller renders injectors (awx/main/models/credential: inputs left empty are undefined, a boolean left out
  is false, a file injector always writes its file); the LiteLLM modules accept that environment.
- Job templates: every user-facing playbook has one; surveys follow the controller's survey rules and ask only for
  variables the playbook (or the role it runs) reads.
- configure_aap.yml, run twice against an in-memory controller API: what it creates, and that a rerun writes nothing.
"""
import glob
import json
import os
import re
import socket
import ssl
import subprocess

import jinja2.meta
import jinja2.sandbox
import pytest
import yaml

from fake_controller import FakeController
from packaging_helpers import REPO

AAP_DIR = os.path.join(REPO, 'extensions', 'aap')
CREDENTIAL_TYPE_FILES = sorted(glob.glob(os.path.join(AAP_DIR, 'credential_types', '*.yml')))
JOB_TEMPLATE_FILES = sorted(glob.glob(os.path.join(AAP_DIR, 'job_templates', '*.yml')))
# Question types and the Python types of their answers (awx/api/views JobTemplateSurveySpec.ALLOWED_TYPES).
SURVEY_TYPES = {'text': str, 'textarea': str, 'password': str, 'integer': int, 'float': (float, int),
                'multiplechoice': str, 'multiselect': str}
IDENTIFIER = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def credential_type(name):
    return next(load(path) for path in CREDENTIAL_TYPE_FILES if load(path)['name'] == name)


def render_injectors(definition, inputs, private_dir):
    """The environment a job gets from a credential with these inputs, as the controller's inject_credential makes it."""
    fields = definition['inputs']['fields']
    namespace = {name: value for name, value in inputs.items() if isinstance(value, bool) or len(value)}
    for field in fields:
        if field['type'] == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = False

    class Filenames(object):
        pass

    tower = Filenames()
    tower.filename = Filenames()
    namespace['tower'] = tower
    sandbox = jinja2.sandbox.ImmutableSandboxedEnvironment()
    for label, template in definition['injectors'].get('file', {}).items():
        path = os.path.join(private_dir, label)
        with open(path, 'w') as f:
            f.write(sandbox.from_string(template).render(**namespace))
        setattr(tower.filename, label.split('.')[1], path)
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in definition['injectors']['env'].items()}


@pytest.mark.parametrize('path', CREDENTIAL_TYPE_FILES, ids=os.path.basename)
def test_credential_type_follows_the_controller_rules(path):
    definition = load(path)
    assert set(definition) == {'name', 'description', 'kind', 'inputs', 'injectors'}
    assert definition['kind'] == 'cloud'  # a custom type is cloud or net
    fields = definition['inputs']['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert {'id', 'label', 'type'} <= set(field)
        assert field['type'] in ('string', 'boolean')
        assert not (field['type'] == 'boolean' and field.get('secret'))
    assert set(definition['inputs']['required']) <= set(ids)
    # Injector templates may only use inputs, and `tower` for the paths of the files injected (the controller
    # refuses other names).
    files = definition['injectors'].get('file', {})
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment()
    for template in list(definition['injectors']['env'].values()) + list(files.values()):
        names = jinja2.meta.find_undeclared_variables(environment.parse(template))
        assert names <= set(ids) | ({'tower'} if files else set()), template


def test_secrets_are_secret_inputs():
    secret = {definition['name']: sorted(field['id'] for field in definition['inputs']['fields'] if field.get('secret'))
              for definition in map(load, CREDENTIAL_TYPE_FILES)}
    assert secret == {'LiteLLM proxy': ['master_key'], 'LiteMaaS backend': ['admin_api_key']}


def test_litellm_proxy_environment_is_what_the_modules_read(tmp_path):
    definition = credential_type('LiteLLM proxy')
    with open(os.path.join(REPO, 'plugins', 'module_utils', 'litellm.py')) as f:
        read_by_modules = set(re.findall(r"env_fallback, \['(\w+)'\]", f.read()))
    assert set(definition['injectors']['env']) == read_by_modules == {
        'LITELLM_API_BASE', 'LITELLM_MASTER_KEY', 'LITELLM_VALIDATE_CERTS', 'LITELLM_CA_PATH'}

    plain = render_injectors(definition, {'api_url': 'https://litellm.example.com', 'master_key': 'sk-test'}, str(tmp_path))
    assert plain == {'LITELLM_API_BASE': 'https://litellm.example.com', 'LITELLM_MASTER_KEY': 'sk-test',
                     'LITELLM_VALIDATE_CERTS': 'true', 'LITELLM_CA_PATH': ''}

    with_ca = render_injectors(definition, {'api_url': 'https://litellm.example.com', 'master_key': 'sk-test',
                                            'ca_cert': 'PEM', 'skip_tls_verify': True}, str(tmp_path))
    assert with_ca['LITELLM_VALIDATE_CERTS'] == 'false'
    with open(with_ca['LITELLM_CA_PATH']) as f:
        assert f.read() == 'PEM'


def test_litemaas_backend_environment():
    definition = credential_type('LiteMaaS backend')
    assert render_injectors(definition, {'api_url': 'https://litemaas.example.com', 'admin_api_key': 'ltm_admin_x'}, '') == {
        'LITEMAAS_API_URL': 'https://litemaas.example.com', 'LITEMAAS_ADMIN_API_KEY': 'ltm_admin_x'}


@pytest.mark.parametrize('ca_cert', ['', 'system bundle'])
def test_modules_accept_the_injected_environment(ca_cert, tmp_path, unused_port):
    """The modules take the injected values as they are (an empty LITELLM_CA_PATH, a CA file) and get as far as
    connecting, which fails: nothing listens on the port."""
    inputs = {'api_url': 'https://127.0.0.1:%d' % unused_port, 'master_key': 'sk-test'}
    if ca_cert:
        with open(ssl_default_cafile()) as f:
            inputs['ca_cert'] = f.read()
    env = dict(os.environ, **render_injectors(credential_type('LiteLLM proxy'), inputs, str(tmp_path)))
    proc = subprocess.run(['ansible', 'localhost', '-m', 'rhpds.litemaas.litellm_model_info', '-a', 'retries=0'],
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode != 0
    assert 'cannot reach api_url https://127.0.0.1:%d' % unused_port in proc.stdout, proc.stdout + proc.stderr


def ssl_default_cafile():
    paths = ssl.get_default_verify_paths()
    cafile = paths.cafile or paths.openssl_cafile
    if not os.path.isfile(cafile):
        pytest.skip('no system CA bundle file at %s' % cafile)
    return cafile


@pytest.fixture
def unused_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def user_facing_playbooks():
    return sorted(os.path.relpath(path, REPO) for path in glob.glob(os.path.join(REPO, 'playbooks', '*.yml'))
                  if os.path.basename(path) != 'configure_aap.yml')


def test_every_user_facing_playbook_has_a_job_template():
    assert sorted(load(path)['playbook'] for path in JOB_TEMPLATE_FILES) == user_facing_playbooks()


def strings_in(node):
    """Every key and string value of a loaded YAML document (comments are not part of it)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)
    elif isinstance(node, str):
        yield node


def roles_run_by(plays):
    """(role name, entry point) of each role a playbook includes."""
    for play in plays:
        for task in play.get('tasks', []):
            include = task.get('ansible.builtin.include_role')
            if include:
                yield include['name'], include.get('tasks_from', 'main')


def variables_of(plays):
    """The names a playbook reads: identifiers in its tasks, and the options of each role entry point it runs."""
    names = set()
    for text in strings_in(plays):
        names.update(IDENTIFIER.findall(text))
    for role, entry_point in roles_run_by(plays):
        specs = load(os.path.join(REPO, 'roles', role.split('.')[-1], 'meta', 'argument_specs.yml'))['argument_specs']
        names.update(specs[entry_point]['options'])
    return names


def role_option(name):
    for path in glob.glob(os.path.join(REPO, 'roles', '*', 'meta', 'argument_specs.yml')):
        for entry_point in load(path)['argument_specs'].values():
            if name in entry_point.get('options', {}):
                return entry_point['options'][name]
    return {}


@pytest.mark.parametrize('path', JOB_TEMPLATE_FILES, ids=os.path.basename)
def test_job_template(path):
    template = load(path)
    assert {'name', 'description', 'playbook', 'credential', 'ask_variables_on_launch'} <= set(template)
    assert set(template) <= {'name', 'description', 'playbook', 'credential', 'ask_variables_on_launch', 'survey_spec'}
    plays = load(os.path.join(REPO, template['playbook']))
    roles = {role for role, _entry_point in roles_run_by(plays)}
    # Deploy, status and remove reach the cluster; the others reach LiteLLM through the LiteLLM proxy credential.
    assert template['credential'] == ('openshift' if 'rhpds.litemaas.litemaas' in roles else 'litellm_proxy')
    if 'survey_spec' not in template:
        assert template['ask_variables_on_launch'], 'a playbook without a survey takes its input as launch variables'
        return

    survey = template['survey_spec']
    assert isinstance(survey['name'], str) and isinstance(survey['description'], str) and survey['spec']
    readable = variables_of(plays)
    variables = [question['variable'] for question in survey['spec']]
    assert len(variables) == len(set(variables))
    for question in survey['spec']:
        assert {'question_name', 'variable', 'type', 'required'} <= set(question)
        assert isinstance(question['required'], bool)
        assert question['type'] in SURVEY_TYPES
        assert question['variable'] in readable, '%s does not read %s' % (template['playbook'], question['variable'])
        for limit in ('min', 'max'):
            assert isinstance(question.get(limit, 0), int)
        if question['type'] in ('multiplechoice', 'multiselect'):
            assert question['choices'] and all(isinstance(choice, str) for choice in question['choices'])
        if 'default' in question:
            assert isinstance(question['default'], SURVEY_TYPES[question['type']])
            if question['type'] == 'multiplechoice':
                assert question['default'] in question['choices']
        if role_option(question['variable']).get('no_log'):
            assert question['type'] == 'password', '%s is a secret' % question['variable']


def run_configure_aap(controller, extra_vars):
    env = dict(os.environ, CONTROLLER_HOST=controller.url, CONTROLLER_OAUTH_TOKEN='token', CONTROLLER_VERIFY_SSL='false')
    args = ['ansible-playbook', os.path.join(REPO, 'playbooks', 'configure_aap.yml'), '-e', json.dumps(extra_vars)]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_configure_aap_registers_everything_and_a_rerun_writes_nothing():
    with FakeController() as controller:
        project = controller.seed('projects', 'LiteMaaS')
        inventory = controller.seed('inventories', 'Demo Inventory')
        ee = controller.seed('execution_environments', 'LiteMaaS EE', image='quay.io/example/litemaas-ee:1.1.0')
        litellm = controller.seed('credentials', 'LiteLLM prod')
        openshift = controller.seed('credentials', 'OpenShift prod')
        extra_vars = {'aap_project': 'LiteMaaS', 'aap_inventory': 'Demo Inventory', 'aap_execution_environment': 'LiteMaaS EE',
                      'aap_litellm_proxy_credential': 'LiteLLM prod', 'aap_openshift_credential': 'OpenShift prod'}
        run_configure_aap(controller, extra_vars)

        for path in CREDENTIAL_TYPE_FILES:
            definition = load(path)
            registered = controller.named('credential_types', definition['name'])
            # The injector templates arrive as written, for the controller to render: Ansible must not render them.
            assert {key: registered[key] for key in definition} == definition

        assert len(controller.objects['job_templates']) == len(JOB_TEMPLATE_FILES)
        for path in JOB_TEMPLATE_FILES:
            definition = load(path)
            job_template = controller.named('job_templates', definition['name'])
            assert (job_template['playbook'], job_template['project'], job_template['inventory']) == (
                definition['playbook'], project['id'], inventory['id'])
            assert job_template['execution_environment'] == ee['id']
            assert job_template['ask_variables_on_launch'] == definition['ask_variables_on_launch']
            assert job_template['survey_enabled'] == ('survey_spec' in definition)
            assert controller.surveys.get(job_template['id'], {}) == definition.get('survey_spec', {})
            credential = litellm if definition['credential'] == 'litellm_proxy' else openshift
            assert controller.associations[job_template['id']] == [credential['id']]

        writes = len(controller.writes)
        rerun = run_configure_aap(controller, extra_vars)
        assert len(controller.writes) == writes, controller.writes[writes:]
        assert re.search(r'localhost\s+: ok=\d+\s+changed=0 ', rerun), rerun


def test_configure_aap_needs_a_project_and_an_inventory():
    proc = subprocess.run(['ansible-playbook', os.path.join(REPO, 'playbooks', 'configure_aap.yml'), '-e', 'aap_project=LiteMaaS'],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode != 0
    assert 'aap_project and aap_inventory are required' in proc.stdout
