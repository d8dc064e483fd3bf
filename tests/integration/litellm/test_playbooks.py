"""The playbooks, the helper script, the guide's scenarios and every module's EXAMPLES, run with
ansible-playbook -vvv against the real proxy: they work, a rerun changes nothing, and the log never shows
the master key, a provider key or a virtual key (except a new key where it is deliberately shown)."""
import glob
import os
import re
import subprocess

import pytest
import yaml

from support import (COLLECTION, ansible_env, assert_no_secrets, chat, delete_models_named, key_by_alias, model_by_id,
                     run_playbook, unique)

KEY_LINE = re.compile(r'Key:\s+(sk-[A-Za-z0-9_-]+)')


@pytest.fixture
def by_env(litellm_proxy):
    """Connection through LITELLM_API_BASE / LITELLM_MASTER_KEY, as an AAP credential would inject it."""
    return {'LITELLM_API_BASE': litellm_proxy.base_url, 'LITELLM_MASTER_KEY': litellm_proxy.master_key}


@pytest.fixture
def by_vars(litellm_proxy):
    return {'litellm_api_url': litellm_proxy.base_url, 'litellm_master_key': litellm_proxy.master_key}


def no_env_connection():
    return {'LITELLM_API_BASE': '', 'LITELLM_MASTER_KEY': ''}


def test_models_playbook(litellm_proxy, litellm_api, by_vars):
    names = [unique('pb-gpt'), unique('pb-llama')]
    secret = 'sk-provider-playbook-0000001'
    models = [
        {'model_name': names[0], 'litellm_params': {'model': 'openai/gpt-4o', 'api_key': secret, 'rpm': 10}},
        {'model_name': names[1], 'model_id': names[1] + '-id',
         'litellm_params': {'model': 'ollama/llama3', 'api_base': 'http://ollama-service:11434'}},
    ]
    extra = dict(by_vars, litellm_api_models=models)
    first = run_playbook('playbooks/models.yml', extra, env=no_env_connection()).assert_ok()
    assert first.changed == 1
    assert model_by_id(litellm_api, names[1] + '-id')['litellm_params']['api_base'] == 'http://ollama-service:11434'
    assert_no_secrets(first.output, [secret, litellm_proxy.master_key])
    assert run_playbook('playbooks/models.yml', extra, env=no_env_connection()).assert_ok().changed == 0

    models[0]['litellm_params']['rpm'] = 20
    checked = run_playbook('playbooks/models.yml', extra, env=no_env_connection(), check=True, diff=True).assert_ok()
    assert checked.changed == 1 and '"rpm": 20' in checked.output
    assert [m['litellm_params']['rpm'] for m in litellm_api.get('/model/info').json()['data']
            if m['model_name'] == names[0]] == [10]

    for m in models:
        m['state'] = 'absent'
    run_playbook('playbooks/models.yml', extra, env=no_env_connection()).assert_ok()
    assert model_by_id(litellm_api, names[1] + '-id') is None


def test_bad_model_list_fails_early(by_vars):
    run = run_playbook('playbooks/models.yml', dict(by_vars, litellm_api_models='gpt-4o'), env=no_env_connection())
    assert run.rc != 0 and 'litellm_api_models must be a list' in run.output


@pytest.fixture
def chat_model(litellm_proxy, litellm_api, by_env):
    name = unique('pb-chat')
    extra = {'litellm_api_models': [{'model_name': name, 'litellm_params': {
        'model': 'openai/fake', 'api_key': 'sk-upstream-pb-000001', 'api_base': litellm_proxy.upstream_url}}]}
    run_playbook('playbooks/models.yml', extra, env=by_env, verbosity=0).assert_ok()
    yield name
    extra['litellm_api_models'][0]['state'] = 'absent'
    run_playbook('playbooks/models.yml', extra, env=by_env, verbosity=0).assert_ok()


def test_user_key_playbooks(litellm_proxy, litellm_api, by_env, chat_model):
    email = unique('carol') + '@example.com'
    alias = 'user-' + email
    extra = {'user_email': email, 'key_models': chat_model, 'max_budget': 100, 'duration': '30d'}
    created = run_playbook('playbooks/create_user_key.yml', extra, env=by_env).assert_ok()
    value = KEY_LINE.search(created.output).group(1)
    assert_no_secrets(created.output, [value, litellm_proxy.master_key], allowed={value: 1})
    assert chat(litellm_api, value, chat_model).status_code == 200
    stored = key_by_alias(litellm_api, alias)
    assert (stored['user_id'], stored['models'], stored['max_budget']) == (email, [chat_model], 100)
    assert stored['metadata']['user_email'] == email

    again = run_playbook('playbooks/create_user_key.yml', extra, env=by_env).assert_ok()
    assert again.changed == 0 and 'already exists' in again.output
    assert_no_secrets(again.output, [value, litellm_proxy.master_key])

    info = run_playbook('playbooks/key_info.yml', {'user_email': email}, env=by_env).assert_ok()
    assert info.changed == 0 and alias in info.output and 'spend $' in info.output
    assert_no_secrets(info.output, [value, litellm_proxy.master_key])

    blocked = run_playbook('playbooks/block_key.yml', {'key_alias': alias}, env=by_env).assert_ok()
    assert blocked.changed == 1 and chat(litellm_api, value, chat_model).status_code == 401
    assert run_playbook('playbooks/block_key.yml', {'key_alias': alias}, env=by_env).assert_ok().changed == 0
    unblocked = run_playbook('playbooks/block_key.yml', {'key_alias': alias, 'blocked': False}, env=by_env)
    assert unblocked.assert_ok().changed == 1 and chat(litellm_api, value, chat_model).status_code == 200

    rotated = run_playbook('playbooks/create_user_key.yml', dict(extra, rotate_key=True), env=by_env).assert_ok()
    new_value = KEY_LINE.search(rotated.output).group(1)
    assert new_value != value
    assert_no_secrets(rotated.output, [value, new_value, litellm_proxy.master_key], allowed={new_value: 1})
    assert chat(litellm_api, value, chat_model).status_code == 401

    deleted = run_playbook('playbooks/delete_key.yml', {'key_alias': alias}, env=by_env).assert_ok()
    assert deleted.changed == 1 and key_by_alias(litellm_api, alias) is None
    assert chat(litellm_api, new_value, chat_model).status_code == 401
    assert run_playbook('playbooks/delete_key.yml', {'key_alias': alias}, env=by_env).assert_ok().changed == 0
    assert_no_secrets(deleted.output, [new_value, litellm_proxy.master_key])

    missing = run_playbook('playbooks/block_key.yml', {'key_alias': alias}, env=by_env)
    assert missing.rc != 0 and 'does not exist' in missing.output


def test_user_key_playbook_rejects_bad_input_before_writing(litellm_api, by_env, chat_model):
    bad_email = run_playbook('playbooks/create_user_key.yml', {'user_email': 'not-an-email'}, env=by_env)
    assert bad_email.rc != 0 and 'user_email must be an e-mail address' in bad_email.output
    email = unique('dan') + '@example.com'
    bad_model = run_playbook('playbooks/create_user_key.yml', {'user_email': email, 'key_models': 'nope-model'},
                             env=by_env)
    assert bad_model.rc != 0 and 'models: nope-model not on this proxy' in bad_model.output
    assert key_by_alias(litellm_api, 'user-' + email) is None


def test_list_models_playbook(litellm_proxy, by_env, chat_model):
    run = run_playbook('playbooks/list_models.yml', env=by_env).assert_ok()
    assert run.changed == 0 and '%s: openai/fake (database' % chat_model in run.output
    assert_no_secrets(run.output, [litellm_proxy.master_key, 'sk-upstream-pb-000001'])


def test_create_user_key_script(litellm_proxy, litellm_api, by_env, chat_model):
    email = unique('erin') + '@example.com'
    env = ansible_env(by_env)
    script = os.path.join(COLLECTION, 'scripts', 'create-user-key.sh')

    def run(*args):
        return subprocess.run([script] + list(args), capture_output=True, text=True, env=env, timeout=300, check=False)

    first = run(email, chat_model, '100', '30d')
    assert first.returncode == 0, first.stderr
    value = KEY_LINE.search(first.stdout).group(1)
    assert chat(litellm_api, value, chat_model).status_code == 200
    assert key_by_alias(litellm_api, 'user-' + email)['max_budget'] == 100

    second = run(email, chat_model, '100', '30d')
    assert second.returncode == 0 and 'already exists' in second.stdout and value not in second.stdout

    bad = run(unique('frank') + '@example.com', 'no-such-model')
    assert bad.returncode == 1 and 'models: no-such-model not on this proxy' in bad.stderr
    assert run('not-an-email').returncode == 2
    assert run(email, chat_model, 'lots').returncode == 2
    run_playbook('playbooks/delete_key.yml', {'key_alias': 'user-' + email}, env=by_env, verbosity=0).assert_ok()


SCENARIO_SECRETS = {
    'DEEPSEEK_API_KEY': 'sk-deepseek-scenario-0000001',
    'OPENAI_API_KEY': 'sk-openai-scenario-000000002',
    'AZURE_EAST_API_KEY': 'azure-east-scenario-00000003',
    'AZURE_WEST_API_KEY': 'azure-west-scenario-00000004',
    'RHOAI_TOKEN': 'rhoai-token-scenario-0000005',
}
SCENARIO_MODELS = {'01-deepseek': ['deepseek-chat'], '02-openai': ['gpt-4o'], '03-ollama': ['llama3'],
                   '04-azure-load-balanced': ['azure-gpt-4'], '05-openshift-ai': ['granite-7b']}
# What the LiteMaaS portal shows of each: the context length, and the input price where the scenario sets one.
SCENARIO_PORTAL_FIELDS = {'01-deepseek': (64000, 0.00000027), '02-openai': (128000, 0.0000025), '03-ollama': (8192, None),
                          '04-azure-load-balanced': (8192, 0.00003), '05-openshift-ai': (8192, None)}


@pytest.mark.parametrize('scenario', sorted(SCENARIO_MODELS))
def test_guide_scenarios(litellm_proxy, litellm_api, fake_upstream, by_env, scenario):
    env = dict(by_env, **SCENARIO_SECRETS)
    extra = {'rhoai_api_base': litellm_proxy.upstream_url} if scenario == '05-openshift-ai' else None
    playbook = 'docs/scenarios/%s.yml' % scenario
    delete_models_named(litellm_api, *SCENARIO_MODELS[scenario])
    first = run_playbook(playbook, extra, env=env).assert_ok()
    assert first.changed == 1
    assert_no_secrets(first.output, list(SCENARIO_SECRETS.values()) + [litellm_proxy.master_key])
    assert run_playbook(playbook, extra, env=env).assert_ok().changed == 0
    for name in SCENARIO_MODELS[scenario]:
        shown = [m for m in litellm_api.get('/model/info').json()['data'] if m['model_name'] == name]
        assert shown and all(m['model_info']['db_model'] for m in shown)
        max_tokens, input_price = SCENARIO_PORTAL_FIELDS[scenario]
        assert [m['model_info']['max_tokens'] for m in shown] == [max_tokens] * len(shown)
        if input_price is not None:
            assert [m['litellm_params']['input_cost_per_token'] for m in shown] == [input_price] * len(shown)
    if scenario == '04-azure-load-balanced':
        assert sorted(m['model_info']['id'] for m in shown) == ['azure-gpt-4-east', 'azure-gpt-4-west']
    if scenario == '05-openshift-ai':
        fake_upstream.clear()
        assert chat(litellm_api, None, 'granite-7b').status_code == 200
        request = fake_upstream.requests()[0]
        assert request['json']['model'] == 'granite-7b-instruct'
        assert (request['headers'].get('Authorization') or request['headers'].get('authorization')) == \
            'Bearer ' + SCENARIO_SECRETS['RHOAI_TOKEN']
    delete_models_named(litellm_api, *SCENARIO_MODELS[scenario])


def test_scenario_without_its_api_key_fails_clearly(by_env):
    run = run_playbook('docs/scenarios/01-deepseek.yml', env=dict(by_env, DEEPSEEK_API_KEY=''))
    assert run.rc != 0 and 'Set DEEPSEEK_API_KEY' in run.output


def module_examples():
    """Every module's EXAMPLES, in an order where each can run (models before the keys that use them)."""
    tasks = []
    for name in ('litellm_model', 'litellm_model_info', 'litellm_models', 'litellm_key', 'litellm_key_info',
                 'litellm_keys'):
        source = open(os.path.join(COLLECTION, 'plugins', 'modules', name + '.py')).read()
        tasks += yaml.safe_load(source.split("EXAMPLES = r'''", 1)[1].split("'''", 1)[0])
    return tasks


def test_every_examples_block_runs(tmp_path, litellm_proxy, litellm_api, by_env):
    secrets = {'litellm_master_key': litellm_proxy.master_key, 'deepseek_api_key': 'sk-example-deepseek-0001',
               'azure_east_key': 'azure-example-east-00002', 'azure_west_key': 'azure-example-west-00003',
               'rhoai_token': 'rhoai-example-token-0004'}
    tasks = module_examples()
    example_models = ('deepseek-chat', 'azure-gpt-4', 'granite-7b', 'granite-3-8b', 'mistral-7b')
    delete_models_named(litellm_api, *example_models)
    text = yaml.safe_dump([{'name': 'Module EXAMPLES', 'hosts': 'localhost', 'connection': 'local',
                            'gather_facts': False, 'vars': secrets,
                            'module_defaults': {'group/rhpds.litemaas.litellm': {}}, 'tasks': tasks}])
    # The examples talk to a cluster route; point that URL at the local proxy.
    text = text.replace('https://litellm-rhpds.apps.cluster.example.com', litellm_proxy.base_url)
    playbook = tmp_path / 'examples.yml'
    playbook.write_text(text)
    run = run_playbook(str(playbook), env=by_env).assert_ok()
    assert run.recap['ok'] == len(tasks)
    assert_no_secrets(run.output, list(secrets.values()))
    delete_models_named(litellm_api, *example_models)


def test_every_playbook_is_covered():
    playbooks = sorted(os.path.basename(p) for p in glob.glob(os.path.join(COLLECTION, 'playbooks', '*.yml')))
    covered = {'models.yml', 'create_user_key.yml', 'key_info.yml', 'block_key.yml', 'delete_key.yml',
               'list_models.yml'}
    deploy_tier = {'deploy.yml', 'status.yml', 'destroy.yml'}
    lint_tier = {'configure_aap.yml'}  # against an in-memory AAP controller (tests/packaging/test_aap.py)
    assert set(playbooks) - covered - deploy_tier - lint_tier == set()


def test_user_key_playbook_without_models_keeps_an_existing_keys_models(litellm_api, litellm_db, by_env, chat_model):
    """Without key_models the playbook used to send models: [] and open an existing key to every model."""
    email = unique('gina') + '@example.com'
    alias = 'user-' + email
    run_playbook('playbooks/create_user_key.yml', {'user_email': email, 'key_models': chat_model}, env=by_env,
                 verbosity=0).assert_ok()
    assert litellm_api.post('/key/update', json={'key': key_by_alias(litellm_api, alias)['token'],
                                                 'metadata': {'user_email': email, 'description': 'set later'}}).ok
    again = run_playbook('playbooks/create_user_key.yml', {'user_email': email}, env=by_env, verbosity=0).assert_ok()
    assert again.changed == 0
    key = key_by_alias(litellm_api, alias)
    assert key['models'] == [chat_model] and key['metadata']['description'] == 'set later'
    everything = run_playbook('playbooks/create_user_key.yml', {'user_email': email, 'key_models': 'all'}, env=by_env,
                              verbosity=0).assert_ok()
    assert everything.changed == 1 and key_by_alias(litellm_api, alias)['models'] == []
    run_playbook('playbooks/delete_key.yml', {'key_alias': alias}, env=by_env, verbosity=0).assert_ok()


def test_create_user_key_script_passes_spaces_and_quotes_through(litellm_proxy, litellm_api, by_env, chat_model):
    email = "o'" + unique('hal') + '@example.com'
    script = os.path.join(COLLECTION, 'scripts', 'create-user-key.sh')
    proc = subprocess.run([script, email, ' %s , harness-config-model ' % chat_model, '5', '1d'], capture_output=True,
                          text=True, env=ansible_env(by_env), timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    key = key_by_alias(litellm_api, 'user-' + email)
    assert sorted(key['models']) == sorted([chat_model, 'harness-config-model']) and key['user_id'] == email
    run_playbook('playbooks/delete_key.yml', {'key_alias': 'user-' + email}, env=by_env, verbosity=0).assert_ok()


def test_playbooks_take_survey_answers(litellm_api, by_env, chat_model):
    """An AAP survey gives text: a model list as YAML, comma lists, and '' for every question left empty, which
    means the default."""
    name = unique('survey-model')
    models_text = '- model_name: %s\n  litellm_params:\n    model: openai/fake\n    api_base: http://127.0.0.1:9/v1\n' % name
    run_playbook('playbooks/models.yml', {'litellm_api_models': models_text}, env=by_env, verbosity=0).assert_ok()
    assert [m['model_name'] for m in litellm_api.get('/model/info').json()['data']].count(name) == 1

    email = unique('sue') + '@example.com'
    empty = {'key_alias': '', 'max_budget': '', 'duration': '', 'rotate_key': ''}
    created = run_playbook('playbooks/create_user_key.yml', dict(empty, user_email=email, key_models=chat_model + ', ' + name),
                           env=by_env, verbosity=0).assert_ok()
    assert created.changed >= 1
    key = key_by_alias(litellm_api, 'user-' + email)
    assert key['models'] == [chat_model, name] and key['max_budget'] is None and key['expires'] is None
    assert run_playbook('playbooks/create_user_key.yml', dict(empty, user_email=email), env=by_env,
                        verbosity=0).assert_ok().changed == 0

    listed = run_playbook('playbooks/key_info.yml', {'key_alias': '', 'user_email': '', 'team_id': ''}, env=by_env,
                          verbosity=0).assert_ok()
    assert 'user-' + email in listed.output
    models = run_playbook('playbooks/list_models.yml', {'model_name': ''}, env=by_env, verbosity=0).assert_ok()
    assert name in models.output and chat_model in models.output
    run_playbook('playbooks/block_key.yml', {'key_alias': 'user-' + email, 'blocked': ''}, env=by_env,
                 verbosity=0).assert_ok()
    assert key_by_alias(litellm_api, 'user-' + email)['blocked'] is True

    run_playbook('playbooks/delete_key.yml', {'key_alias': 'user-' + email}, env=by_env, verbosity=0).assert_ok()
    delete_models_named(litellm_api, name)
