"""What the LiteLLM integration tests use to run the collection and to look at the proxy independently.

- run_module(): executes a module file directly (the way Ansible does, with check/diff flags), fast.
- run_playbook(): runs ansible-playbook at -vvv and parses the recap, for playbooks, examples and logs.
- model_by_id(), key_by_alias(), rows(), ...: read LiteLLM's state over HTTP and straight from PostgreSQL
  (the conftest's litellm_api and litellm_db fixtures), never through the code under test.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS_DIR = os.environ['COLLECTIONS_DIR']  # set by tests/conftest.py
# The collection the tests run: installed from its tarball by tests/run.sh, else this checkout (collection_path.py).
COLLECTION = os.path.join(COLLECTIONS_DIR, 'ansible_collections', 'rhpds', 'litemaas')
VENV_BIN = os.path.dirname(sys.executable)
RECAP_RE = re.compile(r'^localhost\s+:\s+(.*)$', re.M)


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def module_path(name):
    return os.path.join(COLLECTION, 'plugins', 'modules', name + '.py')


def run_module(name, args, check=False, diff=True, env=None, timeout=120):
    """Run one module like Ansible does and return its JSON result (with 'failed' set on failure).
    env: extra environment variables; a None value removes the variable."""
    payload = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump({'ANSIBLE_MODULE_ARGS': payload}, f)
    try:
        run_env = dict(os.environ, PYTHONPATH=COLLECTIONS_DIR, **(env or {}))
        run_env = dict((k, v) for k, v in run_env.items() if v is not None)
        proc = subprocess.run([sys.executable, module_path(name), f.name], capture_output=True, text=True,
                              timeout=timeout, env=run_env, check=False)
    finally:
        os.unlink(f.name)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError('module %s printed no JSON (rc=%s):\n%s\n%s'
                             % (name, proc.returncode, proc.stdout, proc.stderr))
    result.setdefault('failed', False)
    return result


class PlaybookRun(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        match = RECAP_RE.search(self.output)
        self.recap = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', match.group(1))) if match else {}

    @property
    def changed(self):
        return self.recap.get('changed')

    def assert_ok(self):
        assert self.rc == 0 and self.recap.get('failed') == 0, self.output[-6000:]
        return self


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'PATH': VENV_BIN + os.pathsep + env.get('PATH', ''),
    })
    env.update(extra or {})
    return env


def run_playbook(playbook, extra_vars=None, env=None, check=False, diff=False, verbosity=3, timeout=600, extra_args=()):
    """ansible-playbook at -vvv by default, so that tests can search the whole log for secrets. A relative playbook
    path is the collection's (playbooks/..., docs/scenarios/...)."""
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), playbook] + list(extra_args)
    if verbosity:
        cmd.append('-' + 'v' * verbosity)
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    if extra_vars:
        cmd += ['-e', json.dumps(extra_vars)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ansible_env(env),
                          cwd=COLLECTION, check=False)
    return PlaybookRun(proc)


def assert_no_secrets(text, secrets, allowed=None):
    """Fail if any secret appears in text; `allowed` maps a secret to the number of times it may appear."""
    allowed = allowed or {}
    for secret in secrets:
        count = text.count(secret)
        assert count == allowed.get(secret, 0), 'secret ...%s appears %d time(s) in the output' % (secret[-4:], count)


def model_by_id(api, model_id):
    """The deployment as /model/info shows it, or None (read with the master key, not the collection)."""
    r = api.get('/model/info', params={'litellm_model_id': model_id})
    if r.status_code in (400, 404):
        return None
    r.raise_for_status()
    data = r.json()['data']
    return data[0] if data else None


def key_by_alias(api, alias):
    r = api.get('/key/list', params={'key_alias': alias, 'return_full_object': 'true', 'size': 100})
    r.raise_for_status()
    keys = [k for k in r.json()['keys'] if k['key_alias'] == alias]
    return keys[0] if keys else None


def delete_models_named(api, *names):
    """Remove every deployment with these public names (test set-up and clean-up, straight through the API)."""
    for m in api.get('/model/info').json()['data']:
        if m['model_name'] in names:
            api.post('/model/delete', json={'id': m['model_info']['id']}).raise_for_status()


def chat(api, key, model, content='hello'):
    return api.post('/chat/completions', key=key, json={'model': model, 'messages': [{'role': 'user', 'content': content}]})


def rows(db, sql, *params):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def model_rows(db, model_id):
    return rows(db, 'SELECT * FROM "LiteLLM_ProxyModelTable" WHERE model_id = %s', model_id)


def key_rows(db, alias):
    return rows(db, 'SELECT * FROM "LiteLLM_VerificationToken" WHERE key_alias = %s', alias)


def table_counts(db):
    """Row counts of every table a module may write, to prove that a failed task wrote nothing."""
    return dict((table, rows(db, 'SELECT count(*) AS n FROM "%s"' % table)[0]['n'])
                for table in ('LiteLLM_ProxyModelTable', 'LiteLLM_VerificationToken', 'LiteLLM_TeamTable',
                              'LiteLLM_UserTable'))
