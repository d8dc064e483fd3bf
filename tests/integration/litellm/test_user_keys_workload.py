"""The AgnosticD workload ocp4_workload_litemaas_user_keys (and the role litellm_user_keys under it) against the
real proxy and the real kube-apiserver: 5 users get working keys, re-provisioning hands out the same keys, a key
deleted by hand is replaced, a stale Secret entry is reported, destroy leaves no key and no Secret; -vvv of every
run holds no key value and no master key."""
import base64
import hashlib
import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

import agnosticd
from support import COLLECTIONS_DIR, REPO, ansible_env, assert_no_secrets, chat, rows, unique

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, 'playbooks', 'user_keys_workload.yml')
# The test stand-in of AgnosticD's agnosticd.core collection that only records agnosticd_user_info calls (and so
# writes no user data file).
RECORDING_STANDIN = os.path.join(REPO, 'tests', 'integration', 'k8s', 'collections')


class Report:
    """What the workload gave agnosticd_user_info: users ({user: data and msg}), the order's data and messages."""
    def __init__(self, users, data, messages, calls=None):
        self.users, self.data, self.messages, self.calls = users, data, messages, calls


class Workload:
    """The workload through AgnosticD's own agnosticd_user_info (tests/data/agnosticd), v2 (agnosticd.core),
    or with flavour='recording' the stand-in that writes no user data file."""
    def __init__(self, kubeconfig, workdir, variables, flavour='v2'):
        self.kubeconfig, self.workdir, self.variables, self.flavour = kubeconfig, workdir, variables, flavour
        self.output = ''
        self.output_dir = os.path.join(workdir, 'output')
        os.makedirs(self.output_dir, exist_ok=True)
        self.collections, dummy = agnosticd.install(os.path.join(workdir, 'agnosticd'))

    def command(self, check=False, kill_at=None, user_data=None, **overrides):
        """ansible-playbook -vvv of the workload, and its environment. kill_at: the run kills itself (SIGKILL) when
        a task whose name contains it starts (callback_plugins/kill_at_task.py). user_data: what AgnosticD's user
        data file holds before the workload runs (other workloads' users)."""
        agnosticd.clear(self.output_dir)
        calls = os.path.join(self.workdir, 'user-info.json')
        if os.path.exists(calls):
            os.unlink(calls)
        collections = RECORDING_STANDIN if self.flavour == 'recording' else self.collections
        env = ansible_env({'KUBECONFIG': self.kubeconfig, 'AGNOSTICD_USER_INFO_FILE': calls,
                           'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR + os.pathsep + collections,
                           'LITELLM_API_BASE': '', 'LITELLM_MASTER_KEY': ''})
        if kill_at:
            env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                       ANSIBLE_CALLBACKS_ENABLED='kill_at_task', KILL_AT_TASK=kill_at)
        variables = dict(self.variables, output_dir=self.output_dir, **overrides)
        self.action = variables.get('ACTION', 'provision')
        if user_data is not None:
            with open(os.path.join(self.output_dir, self.action + '-user-data.yaml'), 'w', encoding='utf-8') as f:
                json.dump(user_data, f)
        cmd = [os.path.join(os.path.dirname(env['ANSIBLE_PYTHON_INTERPRETER']), 'ansible-playbook'), PLAYBOOK, '-vvv',
               '-e', json.dumps(variables)]
        if check:
            cmd.append('--check')
        return cmd, env

    def run(self, check=False, kill_at=None, user_data=None, **overrides):
        """Returns (rc, changed, the Report of what reached AgnosticD)."""
        cmd, env = self.command(check, kill_at, user_data, **overrides)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
        self.output = proc.stdout + proc.stderr
        recap = [line for line in self.output.splitlines() if line.startswith('localhost ')]
        changed = int(recap[-1].split('changed=')[1].split()[0]) if recap else None
        if self.flavour == 'recording':
            calls = []
            if os.path.exists(env['AGNOSTICD_USER_INFO_FILE']):
                with open(env['AGNOSTICD_USER_INFO_FILE'], encoding='utf-8') as f:
                    calls = [json.loads(line) for line in f]
            order = [c for c in calls if not c['user']]
            report = Report(dict((c['user'], dict(c['data'], msg=c['msg'])) for c in calls if c['user']),
                            order[0]['data'] if order else {}, order[0]['msg'] if order else [], calls)
        else:
            report = Report(*agnosticd.reported(self.output_dir, self.action))
        return proc.returncode, changed, report

    def start(self, **overrides):
        """The workload in its own process group, running (output to a file)."""
        cmd, env = self.command(**overrides)
        log = open(os.path.join(self.workdir, 'started.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def per_user(report):
    """{user: data} of what reached AgnosticD, without the messages."""
    return dict((user, dict((k, v) for k, v in data.items() if k != 'msg')) for user, data in report.users.items())


@pytest.fixture
def namespace(k8s_cluster, litellm_proxy):
    """A namespace holding LiteMaaS' litellm-secret (so the workload finds the master key in the cluster)."""
    config.load_kube_config(config_file=k8s_cluster)
    core = client.CoreV1Api()
    name = unique('lk')
    core.create_namespace({'metadata': {'name': name}})
    core.create_namespaced_secret(name, {'metadata': {'name': 'litellm-secret'}, 'stringData': {
        'LITELLM_MASTER_KEY': litellm_proxy.master_key}})
    yield name
    core.delete_namespace(name)


@pytest.fixture
def workshop_model(conn, litellm_proxy):
    from support import run_module
    name = unique('workshop-model')
    assert run_module('litellm_model', dict(conn, model_name=name, litellm_params={
        'model': 'openai/fake-workshop', 'api_base': litellm_proxy.upstream_url, 'api_key': 'sk-upstream-workshop-01'}))['changed']
    yield name
    run_module('litellm_model', dict(conn, model_name=name, state='absent'))


def user_keys_secret(namespace, guid):
    try:
        secret = client.CoreV1Api().read_namespaced_secret('litellm-user-keys-' + guid, namespace)
    except ApiException as e:
        if e.status == 404:
            return None
        raise
    return secret.metadata.labels, dict((k, base64.b64decode(v).decode()) for k, v in (secret.data or {}).items())


def test_workshop_provision_reprovision_and_destroy(k8s_cluster, tmp_path, namespace, workshop_model, litellm_proxy,
                                                    litellm_api, litellm_db):
    guid = unique('g').replace('-', '')
    workload = Workload(k8s_cluster, str(tmp_path), {
        'ACTION': 'provision', 'guid': guid, 'num_users': 5, 'catalog_item': 'test-workshop',
        'ocp4_workload_litemaas_user_keys_models': [workshop_model],
        'ocp4_workload_litemaas_user_keys_max_budget': 5, 'ocp4_workload_litemaas_user_keys_duration': '2d',
        'ocp4_workload_litemaas_user_keys_litellm_url': litellm_proxy.base_url,
        'ocp4_workload_litemaas_user_keys_namespace': namespace,
        'ocp4_workload_litemaas_user_keys_admin_key': True,
        'ansible_python_interpreter': ansible_env()['ANSIBLE_PYTHON_INTERPRETER']})
    prefix = guid + '-'

    def db_keys():
        return dict((r['key_alias'], r) for r in rows(
            litellm_db, 'SELECT key_alias, token, models, max_budget, expires, created_at, metadata '
                        'FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s', prefix + '%'))

    # Check mode writes nothing, in LiteLLM or in the cluster.
    rc, changed, calls = workload.run(check=True)
    assert rc == 0, workload.output[-3000:]
    assert db_keys() == {} and user_keys_secret(namespace, guid) is None

    rc, changed, calls = workload.run()
    assert rc == 0 and changed >= 2, workload.output[-3000:]
    users = per_user(calls)
    assert sorted(users) == ['user%d' % n for n in range(1, 6)]
    stored = db_keys()
    assert sorted(stored) == sorted([prefix + 'user%d' % n for n in range(1, 6)] + [prefix + 'admin'])
    labels, secret = user_keys_secret(namespace, guid)
    assert labels['litemaas.rhpds.io/fleet'] == guid and labels['app.kubernetes.io/managed-by'] == 'rhpds.litemaas'
    assert sorted(secret) == sorted(stored)
    for user, data in users.items():
        alias = prefix + user
        assert data['litellm_key_alias'] == alias and data['litellm_virtual_key'] == secret[alias]
        assert hashlib.sha256(data['litellm_virtual_key'].encode()).hexdigest() == stored[alias]['token']
        assert data['litellm_api_base_url'] == litellm_proxy.base_url + '/v1'
        assert data['litellm_available_models'] == [workshop_model] and data['litellm_key_expires']
        assert chat(litellm_api, data['litellm_virtual_key'], workshop_model).status_code == 200
        assert stored[alias]['models'] == [workshop_model] and stored[alias]['max_budget'] == 5
        assert stored[alias]['metadata']['guid'] == guid and stored[alias]['metadata']['user'] == user
        assert abs((stored[alias]['expires'] - stored[alias]['created_at']).total_seconds() - 2 * 86400) < 120
        assert calls.users[user]['msg'] == '\n'.join([
            'LiteLLM API base URL: %s/v1' % litellm_proxy.base_url, 'LiteLLM virtual key: ' + secret[alias],
            'Available models: ' + workshop_model, 'Key expires: ' + data['litellm_key_expires']])
    assert calls.data['litellm_admin_virtual_key'] == secret[prefix + 'admin']
    assert calls.data['litellm_user_count'] == 5 and 'litellm_virtual_key' not in calls.data
    assert calls.messages == ['LiteLLM API base URL: %s/v1' % litellm_proxy.base_url,
                              'Each of the 5 users has their own LiteLLM virtual key (in their user data), for the '
                              'models %s.' % workshop_model, 'Instructor LiteLLM virtual key: ' + secret[prefix + 'admin']]
    values = list(secret.values())
    assert_no_secrets(workload.output, values + [litellm_proxy.master_key])

    # Re-provisioning rotates nothing: same values, changed=0, every key still works.
    rc, changed, calls = workload.run()
    assert rc == 0 and changed == 0, workload.output[-3000:]
    assert per_user(calls) == users
    assert db_keys() == stored
    for data in users.values():
        assert chat(litellm_api, data['litellm_virtual_key'], workshop_model).status_code == 200
    assert_no_secrets(workload.output, values + [litellm_proxy.master_key])

    # A key deleted by hand is created again and its Secret entry replaced; the others stay as they were.
    gone = prefix + 'user2'
    assert litellm_api.post('/key/delete', json={'key_aliases': [gone]}).status_code == 200
    rc, changed, calls = workload.run()
    assert rc == 0 and changed >= 2, workload.output[-3000:]
    again = per_user(calls)
    assert again['user2']['litellm_virtual_key'] != users['user2']['litellm_virtual_key']
    assert dict((u, d) for u, d in again.items() if u != 'user2') == dict((u, d) for u, d in users.items() if u != 'user2')
    assert user_keys_secret(namespace, guid)[1][gone] == again['user2']['litellm_virtual_key']
    assert chat(litellm_api, again['user2']['litellm_virtual_key'], workshop_model).status_code == 200
    assert chat(litellm_api, users['user2']['litellm_virtual_key'], workshop_model).status_code == 401

    # A Secret entry that no longer authenticates is reported, that user gets no key rather than a dead one, the
    # others get theirs, and the provision fails naming the user; nothing is written.
    stale = prefix + 'user3'
    client.CoreV1Api().patch_namespaced_secret('litellm-user-keys-' + guid, namespace, {'stringData': {stale: 'sk-stale-value-0000000000'}})
    before = db_keys()
    rc, changed, calls = workload.run()
    assert rc != 0, workload.output[-3000:]
    assert "%s: the stored value is no longer this key's value" % stale in workload.output
    assert 'Order %s: no working LiteLLM key for 1 of its users: user3 ' % guid in workload.output
    assert per_user(calls)['user3']['litellm_virtual_key'] == ''
    assert dict((u, d) for u, d in per_user(calls).items() if u != 'user3') == dict(
        (u, d) for u, d in again.items() if u != 'user3')
    assert db_keys() == before
    rc, changed, calls = workload.run(ocp4_workload_litemaas_user_keys_rotate_unusable=True)
    assert rc == 0 and changed >= 2
    repaired = per_user(calls)['user3']['litellm_virtual_key']
    assert repaired and chat(litellm_api, repaired, workshop_model).status_code == 200
    assert user_keys_secret(namespace, guid)[1][stale] == repaired

    # Fewer seats: the last user's key and its Secret entry go, the others stay.
    rc, changed, calls = workload.run(num_users=4)
    assert rc == 0 and changed >= 2, workload.output[-3000:]
    assert sorted(per_user(calls)) == ['user%d' % n for n in range(1, 5)]
    assert prefix + 'user5' not in db_keys() and prefix + 'user5' not in user_keys_secret(namespace, guid)[1]
    assert chat(litellm_api, users['user5']['litellm_virtual_key'], workshop_model).status_code == 401

    # Destroy deletes exactly this order's keys and the Secret.
    other = unique('other-order')
    assert litellm_api.post('/key/generate', json={'key_alias': other}).status_code == 200
    rc, changed, calls = workload.run(ACTION='destroy')
    assert rc == 0 and changed >= 1, workload.output[-3000:]
    assert db_keys() == {} and user_keys_secret(namespace, guid) is None
    assert rows(litellm_db, 'SELECT 1 FROM "LiteLLM_VerificationToken" WHERE key_alias = %s', other)
    assert_no_secrets(workload.output, values + [litellm_proxy.master_key])
    rc, changed, calls = workload.run(ACTION='destroy')
    assert rc == 0 and changed == 0
    litellm_api.post('/key/delete', json={'key_aliases': [other]})


def test_single_user_order_gets_a_readable_message(k8s_cluster, tmp_path, namespace, workshop_model, litellm_proxy,
                                                   litellm_api):
    guid = unique('s').replace('-', '')
    workload = Workload(k8s_cluster, str(tmp_path), {
        'ACTION': 'provision', 'guid': guid, 'ocp4_workload_litemaas_user_keys_models': [workshop_model],
        'ocp4_workload_litemaas_user_keys_litellm_url': litellm_proxy.base_url,
        'ocp4_workload_litemaas_user_keys_litellm_master_key': litellm_proxy.master_key,
        'ocp4_workload_litemaas_user_keys_namespace': namespace, 'agnosticd_user_info': {'runtime': 48},
        'ansible_python_interpreter': ansible_env()['ANSIBLE_PYTHON_INTERPRETER']})
    rc, changed, calls = workload.run()
    assert rc == 0, workload.output[-3000:]
    assert calls.users == {}
    data, msg = calls.data, calls.messages
    assert data['litellm_key_alias'] == guid + '-user1' and data['litellm_key_duration'] == '48h'
    assert 'LiteLLM virtual key: ' + data['litellm_virtual_key'] in msg
    assert 'LiteLLM API base URL: %s/v1' % litellm_proxy.base_url in msg
    assert chat(litellm_api, data['litellm_virtual_key'], workshop_model).status_code == 200
    assert_no_secrets(workload.output, [data['litellm_virtual_key'], litellm_proxy.master_key])
    rc, changed, calls = workload.run(ACTION='destroy')
    assert rc == 0


def three_users(guid, model, litellm_proxy, namespace):
    """The variables of a 3-user provision of order guid on this session's proxy."""
    return {'ACTION': 'provision', 'guid': guid, 'num_users': 3, 'ocp4_workload_litemaas_user_keys_models': [model],
            'ocp4_workload_litemaas_user_keys_litellm_url': litellm_proxy.base_url,
            'ocp4_workload_litemaas_user_keys_litellm_master_key': litellm_proxy.master_key,
            'ocp4_workload_litemaas_user_keys_namespace': namespace,
            'ansible_python_interpreter': ansible_env()['ANSIBLE_PYTHON_INTERPRETER']}


def test_other_workloads_users_are_kept(k8s_cluster, tmp_path, namespace, workshop_model, litellm_proxy):
    """AgnosticD's own plugin (agnosticd.core, v2): the first user through one call, the others through one call of data.users;
    what the file held for the order's users and for other users stays, merged as the plugin merges one user."""
    guid = unique('o').replace('-', '')
    workload = Workload(k8s_cluster, str(tmp_path), three_users(guid, workshop_model, litellm_proxy, namespace))
    earlier = {'openshift_console_url': 'https://console.example.test', 'users': {
        'user2': {'openshift_password': 'pw2', 'msg': 'OpenShift password: pw2'},
        'user9': {'openshift_password': 'pw9', 'msg': 'OpenShift password: pw9'}}}
    rc, dummy, report = workload.run(user_data=earlier)
    assert rc == 0, workload.output[-3000:]
    assert sorted(report.users) == ['user1', 'user2', 'user3', 'user9']
    assert report.users['user9'] == earlier['users']['user9']
    assert report.data['openshift_console_url'] == 'https://console.example.test' and report.data['litellm_user_count'] == 3
    two = report.users['user2']
    assert two['openshift_password'] == 'pw2' and two['litellm_key_alias'] == guid + '-user2'
    assert two['msg'].startswith('OpenShift password: pw2\nLiteLLM API base URL: ')
    assert 'LiteLLM virtual key: ' + two['litellm_virtual_key'] in two['msg'].split('\n')
    assert all(report.users[u]['litellm_virtual_key'] for u in ('user1', 'user2', 'user3'))
    # the first user through a call of their own, the others in one call: the loop of one call per user is skipped
    fallback = workload.output.split('Give each other user their key]', 1)[1].split('TASK [', 1)[0]
    assert 'ok: [' not in fallback and 'changed: [' not in fallback and 'skipping: [' in fallback, fallback
    assert_no_secrets(workload.output, [d['litellm_virtual_key'] for d in report.users.values() if 'litellm_virtual_key' in d]
                      + [litellm_proxy.master_key, 'pw2'])
    assert workload.run(ACTION='destroy')[0] == 0


def test_an_agnosticd_user_info_without_the_file_gets_one_call_per_user(k8s_cluster, tmp_path, namespace,
                                                                        workshop_model, litellm_proxy):
    """An agnosticd_user_info that keeps no user data file where AgnosticD's does: each user gets a call of their own."""
    guid = unique('r').replace('-', '')
    workload = Workload(k8s_cluster, str(tmp_path), three_users(guid, workshop_model, litellm_proxy, namespace),
                        flavour='recording')
    rc, dummy, report = workload.run()
    assert rc == 0, workload.output[-3000:]
    assert [c['user'] for c in report.calls] == ['user1', 'user2', 'user3', None]
    assert all(d['litellm_virtual_key'] and 'LiteLLM virtual key: ' + d['litellm_virtual_key'] in d['msg']
               for d in report.users.values())
    assert workload.run(ACTION='destroy')[0] == 0


def test_bad_order_fails_before_anything_is_written(k8s_cluster, tmp_path, namespace, litellm_proxy, litellm_db):
    workload = Workload(k8s_cluster, str(tmp_path), {
        'ACTION': 'provision', 'guid': 'Not_A_Guid', 'ocp4_workload_litemaas_user_keys_models': ['x'],
        'ocp4_workload_litemaas_user_keys_litellm_url': litellm_proxy.base_url,
        'ocp4_workload_litemaas_user_keys_namespace': namespace,
        'ansible_python_interpreter': ansible_env()['ANSIBLE_PYTHON_INTERPRETER']})
    before = rows(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_VerificationToken"')
    rc, dummy, dummy = workload.run()
    assert rc != 0 and "needs the order's guid" in workload.output, workload.output[-3000:]
    rc, dummy, dummy = workload.run(guid='okguid', ocp4_workload_litemaas_user_keys_models=['no-such-model-anywhere'])
    assert rc != 0 and 'models: no-such-model-anywhere not on this proxy' in workload.output, workload.output[-3000:]
    rc, dummy, dummy = workload.run(guid='okguid', ocp4_workload_litemaas_user_keys_alias_format='{user}-{guid}')
    assert rc != 0 and 'must contain {guid} and then {user}' in workload.output, workload.output[-3000:]
    assert rows(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_VerificationToken"') == before


def test_two_provisions_at_once_give_each_user_one_working_key(k8s_cluster, tmp_path, namespace, workshop_model,
                                                               litellm_proxy, litellm_api, litellm_db):
    """A provision and its retry overlapping: one key per user in LiteLLM, the Secret holds the surviving values, and
    the next provision hands out working keys for everyone and changes nothing."""
    guid = unique('c').replace('-', '')
    variables = {'ACTION': 'provision', 'guid': guid, 'num_users': 6,
                 'ocp4_workload_litemaas_user_keys_models': [workshop_model],
                 'ocp4_workload_litemaas_user_keys_litellm_url': litellm_proxy.base_url,
                 'ocp4_workload_litemaas_user_keys_namespace': namespace,
                 'ansible_python_interpreter': ansible_env()['ANSIBLE_PYTHON_INTERPRETER']}
    runs = [Workload(k8s_cluster, str(tmp_path / str(n)), variables) for n in range(2)]
    for run in runs:
        os.makedirs(run.workdir, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda run: run.run(), runs))
    assert any(rc == 0 for rc, dummy, dummy in results), [run.output[-2000:] for run in runs]
    counted = rows(litellm_db, 'SELECT key_alias, count(*) AS n FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s '
                               'GROUP BY key_alias', guid + '-%')
    assert sorted((r['key_alias'], r['n']) for r in counted) == [('%s-user%d' % (guid, n), 1) for n in range(1, 7)]

    rc, changed, calls = runs[0].run()
    assert rc == 0 and changed == 0, runs[0].output[-3000:]
    stored = dict((r['key_alias'], r['token']) for r in rows(
        litellm_db, 'SELECT key_alias, token FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s', guid + '-%'))
    handed_out = per_user(calls)
    assert sorted(handed_out) == ['user%d' % n for n in range(1, 7)]
    for data in handed_out.values():
        assert hashlib.sha256(data['litellm_virtual_key'].encode()).hexdigest() == stored[data['litellm_key_alias']]
        assert chat(litellm_api, data['litellm_virtual_key'], workshop_model).status_code == 200
    assert runs[0].run(ACTION='destroy')[0] == 0


# ---- runs killed at any point (review-2 section B): SIGKILL of ansible-playbook, as a cancelled AAP job ends it

PENDING = 'litemaas.rhpds.io/pending-keys'


def wait_for(condition, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ds waiting for %s' % (timeout, what))
        time.sleep(0.2)


def module_running(group):
    """Whether a process of this process group runs a module: anything but ansible-playbook's own processes (its
    worker stays). By process group, since how the module is started (a file, or Python reading it on stdin with
    pipelining) differs between ansible-core releases."""
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/stat' % pid, encoding='utf-8') as f:
                stat = f.read()
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                cmdline = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(')') + 2:].split()
        if int(fields[2]) == group and fields[0] != 'Z' and b'ansible-playbook' not in cmdline:
            return True
    return False


def kill_group(group):
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Fleet:
    """What an order's keys are in LiteLLM's database and in the cluster, read from outside the code under test."""

    def __init__(self, litellm_db, namespace, guid):
        self.db, self.namespace, self.guid = litellm_db, namespace, guid

    def tokens(self):
        """alias -> [token, ...] of every key of the order."""
        found = {}
        for row in rows(self.db, 'SELECT key_alias, token FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s',
                        self.guid + '-%'):
            found.setdefault(row['key_alias'], []).append(row['token'])
        return found

    def secret(self):
        """(alias -> value, the pending aliases) of the order's Secret."""
        secret = client.CoreV1Api().read_namespaced_secret('litellm-user-keys-' + self.guid, self.namespace)
        pending = (secret.metadata.annotations or {}).get(PENDING) or ''
        return (dict((k, base64.b64decode(v).decode()) for k, v in (secret.data or {}).items()),
                set(a for a in pending.split(',') if a))

    def assert_every_key_has_its_value_stored(self, users):
        """One key per alias, each one's value in the Secret, and the value each user was given is that one."""
        tokens, (values, pending) = self.tokens(), self.secret()
        assert sorted(tokens) == sorted('%s-%s' % (self.guid, user) for user in users)
        assert all(len(t) == 1 for t in tokens.values()), tokens
        for alias, (token,) in tokens.items():
            assert hashlib.sha256(values[alias].encode()).hexdigest() == token, alias
        assert pending == set()
        return values


def killable_workload(k8s_cluster, tmp_path, namespace, workshop_model, url, num_users, prefix):
    guid = unique(prefix).replace('-', '')
    return guid, Workload(k8s_cluster, str(tmp_path), {
        'ACTION': 'provision', 'guid': guid, 'num_users': num_users,
        'ocp4_workload_litemaas_user_keys_models': [workshop_model],
        'ocp4_workload_litemaas_user_keys_litellm_url': url,
        'ocp4_workload_litemaas_user_keys_namespace': namespace,
        'ansible_python_interpreter': ansible_env()['ANSIBLE_PYTHON_INTERPRETER']})


KILL_POINTS = {
    'values stored, no key written yet': 'Create, update and purge the keys of fleet',
    'keys written, pending marks not cleared yet': 'Compare the stored values with the keys',
}


@pytest.mark.parametrize('point', sorted(KILL_POINTS))
def test_a_provision_killed_between_its_steps_is_finished_with_the_same_values(
        point, k8s_cluster, tmp_path, namespace, workshop_model, litellm_proxy, litellm_api, litellm_db, api_proxy):
    users = ['user%d' % n for n in range(1, 9)]
    guid, workload = killable_workload(k8s_cluster, tmp_path, namespace, workshop_model, api_proxy.url, len(users), 'k')
    fleet = Fleet(litellm_db, namespace, guid)
    rc, dummy, dummy = workload.run(kill_at=KILL_POINTS[point])
    assert rc == -signal.SIGKILL, workload.output[-3000:]
    written_ahead, pending = fleet.secret()
    assert sorted(written_ahead) == sorted(pending) == sorted('%s-%s' % (guid, u) for u in users)
    made = fleet.tokens()
    assert len(made) == (0 if point.startswith('values stored') else len(users))
    assert_no_secrets(workload.output, list(written_ahead.values()) + [litellm_proxy.master_key])

    api_proxy.reset()
    rc, changed, calls = workload.run()
    assert rc == 0 and changed >= 1, workload.output[-3000:]
    # each missing key created once, with the value written ahead; nothing written twice
    assert api_proxy.counts().get('POST /key/generate', 0) == len(users) - len(made)
    assert fleet.assert_every_key_has_its_value_stored(users) == written_ahead
    handed_out = per_user(calls)
    assert dict((u, d['litellm_virtual_key']) for u, d in handed_out.items()) == dict(
        (u, written_ahead['%s-%s' % (guid, u)]) for u in users)
    assert chat(litellm_api, handed_out['user1']['litellm_virtual_key'], workshop_model).status_code == 200
    rc, changed, dummy = workload.run()
    assert rc == 0 and changed == 0, workload.output[-3000:]
    assert workload.run(ACTION='destroy')[0] == 0


def test_a_provision_killed_during_its_key_writes_stops_writing_and_is_finished_by_the_next(
        k8s_cluster, tmp_path, namespace, workshop_model, litellm_proxy, litellm_api, litellm_db, api_proxy):
    """ansible-playbook killed while LiteLLM holds some of its key writes: the module below it sends no further
    write once those are answered, and the next run creates the rest with the values stored before."""
    users = ['user%d' % n for n in range(1, 13)]
    guid, workload = killable_workload(k8s_cluster, tmp_path, namespace, workshop_model, api_proxy.url, len(users), 'd')
    fleet = Fleet(litellm_db, namespace, guid)
    api_proxy.hold('POST', '/key/generate', after=3)
    proc = workload.start()
    try:
        wait_for(lambda: api_proxy.counts().get('POST /key/generate', 0) >= 4, 'a key write held by the proxy')
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        api_proxy.release()
        wait_for(lambda: not module_running(proc.pid), 'the litellm_keys module of the killed run to end')
        # (ansible-core 2.21 ends the module with its ansible-playbook; LiteLLM still answers what was forwarded)
        wait_for(lambda: api_proxy.in_flight() == 0, 'LiteLLM to answer the key writes sent before the kill')
    finally:
        api_proxy.release()
        kill_group(proc.pid)
    sent = api_proxy.counts()['POST /key/generate']
    # 3 answered before, the (at most 4, parallel) held ones answered after the kill, then nothing
    assert 4 <= sent <= 3 + 4, api_proxy.log
    made = fleet.tokens()
    written_ahead, dummy = fleet.secret()
    assert len(made) == sent and sorted(written_ahead) == sorted('%s-%s' % (guid, u) for u in users)
    for alias, (token,) in made.items():
        assert hashlib.sha256(written_ahead[alias].encode()).hexdigest() == token

    api_proxy.clear_faults()
    api_proxy.reset()
    rc, changed, calls = workload.run()
    assert rc == 0, workload.output[-3000:]
    assert api_proxy.counts().get('POST /key/generate', 0) == len(users) - sent
    assert fleet.assert_every_key_has_its_value_stored(users) == written_ahead
    assert all(d['litellm_virtual_key'] for d in per_user(calls).values())
    assert chat(litellm_api, per_user(calls)['user12']['litellm_virtual_key'], workshop_model).status_code == 200
    with open(os.path.join(workload.workdir, 'started.log'), encoding='utf-8') as f:
        assert_no_secrets(f.read() + workload.output, list(written_ahead.values()) + [litellm_proxy.master_key])
    assert workload.run(ACTION='destroy')[0] == 0


def test_a_rotation_killed_before_its_key_writes_leaves_users_named_and_the_next_rotation_finishes(
        k8s_cluster, tmp_path, namespace, workshop_model, litellm_proxy, litellm_api, litellm_db, api_proxy):
    users = ['user%d' % n for n in range(1, 7)]
    guid, workload = killable_workload(k8s_cluster, tmp_path, namespace, workshop_model, api_proxy.url, len(users), 'r')
    fleet = Fleet(litellm_db, namespace, guid)
    assert workload.run()[0] == 0, workload.output[-3000:]
    lost = ['%s-user2' % guid, '%s-user5' % guid]
    client.CoreV1Api().patch_namespaced_secret('litellm-user-keys-' + guid, namespace, {'data': dict.fromkeys(lost)})
    before = fleet.tokens()

    rc, dummy, dummy = workload.run(kill_at='Rotate the keys to the stored values',
                                    ocp4_workload_litemaas_user_keys_rotate_unusable=True)
    assert rc == -signal.SIGKILL, workload.output[-3000:]
    values, pending = fleet.secret()
    assert pending == set(lost) and all(values[a] for a in lost) and fleet.tokens() == before

    # not told to rotate: the users without a working key are named, the run fails, nothing is written
    rc, dummy, calls = workload.run()
    assert rc != 0 and 'no working LiteLLM key for 2 of its users: user2, user5 ' in workload.output, workload.output[-3000:]
    assert per_user(calls)['user2']['litellm_virtual_key'] == '' and per_user(calls)['user1']['litellm_virtual_key']
    assert fleet.tokens() == before

    api_proxy.reset()
    rc, dummy, calls = workload.run(ocp4_workload_litemaas_user_keys_rotate_unusable=True)
    assert rc == 0, workload.output[-3000:]
    assert api_proxy.counts().get('POST /key/generate', 0) == 2
    values = fleet.assert_every_key_has_its_value_stored(users)
    assert all(fleet.tokens()[a] != before[a] for a in lost)
    for user in ('user2', 'user5'):
        key = per_user(calls)[user]['litellm_virtual_key']
        assert key == values['%s-%s' % (guid, user)]
        assert chat(litellm_api, key, workshop_model).status_code == 200
    assert workload.run(ACTION='destroy')[0] == 0
