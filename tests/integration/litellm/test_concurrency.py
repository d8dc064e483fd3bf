"""Two runs of the same playbook at once (an AAP job and its retry, two overlapping provisions): they leave no
duplicate key alias and no duplicate model, and the next run changes nothing. Counts come from LiteLLM's database."""
import hashlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from support import VENV_BIN, ansible_env, rows, run_module, run_playbook, unique

LOOP = [
    {'name': 'Models', 'loop': '{{ models }}', 'rhpds.litemaas.litellm_model': {
        'model_name': '{{ item }}', 'litellm_params': {'model': 'openai/fake', 'api_base': '{{ upstream }}'}}},
    {'name': 'Keys', 'loop': '{{ aliases }}', 'no_log': True, 'rhpds.litemaas.litellm_key': {
        'key_alias': '{{ item }}', 'models': '{{ models[:1] }}', 'max_budget': 5, 'duration': '1d'}},
]
BULK = [
    {'name': 'Models', 'rhpds.litemaas.litellm_models': {'models': '{{ model_specs }}'}},
    {'name': 'Keys', 'no_log': True, 'rhpds.litemaas.litellm_keys': {'keys': '{{ key_specs }}'}},
]


def playbook(tmp_path, tasks):
    path = tmp_path / 'fleet.yml'
    path.write_text(yaml.safe_dump([{'name': 'Fleet', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                                     'module_defaults': {'group/rhpds.litemaas.litellm': {
                                         'api_url': '{{ url }}', 'master_key': '{{ master_key }}'}},
                                     'tasks': tasks}]))
    return str(path)


@pytest.mark.parametrize('tasks', [LOOP, BULK], ids=['single-item modules in a loop', 'bulk modules'])
def test_two_runs_at_once_leave_no_duplicates_and_the_next_converges(tmp_path, litellm_proxy, litellm_db, tasks):
    prefix = unique('race') + '-'
    extra = {'url': litellm_proxy.base_url, 'master_key': litellm_proxy.master_key, 'upstream': litellm_proxy.upstream_url,
             'models': ['%smodel%d' % (prefix, n) for n in range(5)], 'aliases': ['%suser%d' % (prefix, n) for n in range(20)]}
    # The same declaration for the bulk modules (ansible-core alone has no filter that builds these lists).
    extra['model_specs'] = [{'model_name': name, 'litellm_params': {'model': 'openai/fake', 'api_base': extra['upstream']}}
                            for name in extra['models']]
    extra['key_specs'] = [{'key_alias': alias, 'models': extra['models'][:1], 'max_budget': 5, 'duration': '1d'}
                          for alias in extra['aliases']]
    path = playbook(tmp_path, tasks)
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), path, '-e', json.dumps(extra)]
    runs = [subprocess.Popen(cmd, cwd=str(tmp_path), env=ansible_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for dummy in range(2)]
    outputs = [run.communicate(timeout=900)[0] for run in runs]

    keys = rows(litellm_db, 'SELECT key_alias, count(*) AS n FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s '
                            'GROUP BY key_alias', prefix + '%')
    models = rows(litellm_db, 'SELECT model_name, count(*) AS n FROM "LiteLLM_ProxyModelTable" WHERE model_name LIKE %s '
                              'GROUP BY model_name', prefix + '%')
    assert sorted(k['key_alias'] for k in keys) == sorted(extra['aliases']) and all(k['n'] == 1 for k in keys), \
        (keys, [o[-3000:] for o in outputs])
    assert sorted(m['model_name'] for m in models) == sorted(extra['models']) and all(m['n'] == 1 for m in models), \
        (models, [o[-3000:] for o in outputs])
    assert any(run.returncode == 0 for run in runs), [l for o in outputs for l in o.splitlines() if 'ERROR' in l or 'failed:' in l or 'Module failed' in l]

    after = run_playbook(path, extra, verbosity=0).assert_ok()
    assert after.changed == 0, after.output[-3000:]
    cleanup = [{'name': 'Keys', 'rhpds.litemaas.litellm_keys': {'keys': [], 'purge': True,
                                                                'purge_selector': {'key_alias_prefix': prefix}}},
               {'name': 'Models', 'loop': '{{ models }}', 'rhpds.litemaas.litellm_model': {
                   'model_name': '{{ item }}', 'state': 'absent'}}]
    run_playbook(playbook(tmp_path, cleanup), extra, verbosity=0).assert_ok()


def test_two_bulk_runs_over_several_pages_then_repair_keep_every_live_key(tmp_path, litellm_proxy, litellm_db):
    """review-2 N1: with more keys than three pages of /key/list (100 each), one run's creates shift the pages the
    other reads while it pages. The runs leave one key per alias, and repair_duplicates=true afterwards deletes
    no key that is an alias's only one (a row read twice is one key) and leaves no alias with two."""
    prefix = unique('pages') + '-'
    aliases = ['%suser%03d' % (prefix, n) for n in range(330)]
    extra = {'url': litellm_proxy.base_url, 'master_key': litellm_proxy.master_key,
             'key_specs': [{'key_alias': alias, 'max_budget': 1} for alias in aliases]}
    path = playbook(tmp_path, [{'name': 'Keys', 'no_log': True, 'rhpds.litemaas.litellm_keys': {
        'keys': '{{ key_specs }}', 'parallel': 8, 'repair_duplicates': '{{ repair | default(false) }}'}}])
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), path, '-e', json.dumps(extra)]
    runs = [subprocess.Popen(cmd, cwd=str(tmp_path), env=ansible_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for dummy in range(2)]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    assert any(run.returncode == 0 for run in runs), [o[-3000:] for o in outputs]

    def tokens():
        found = {}
        for row in rows(litellm_db, 'SELECT key_alias, token, created_at FROM "LiteLLM_VerificationToken" '
                                    'WHERE key_alias LIKE %s ORDER BY created_at, token', prefix + '%'):
            found.setdefault(row['key_alias'], []).append(row['token'])
        return found
    before = tokens()
    assert sorted(before) == aliases

    run_playbook(path, dict(extra, repair=True), verbosity=0).assert_ok()
    after = tokens()
    assert sorted(after) == aliases and all(len(t) == 1 for t in after.values()), after
    # the key that stays is the one every alias had, or the oldest of an alias's several
    assert all(after[alias] == before[alias][:1] for alias in aliases)
    cleanup = [{'name': 'Keys', 'rhpds.litemaas.litellm_keys': {'keys': [], 'purge': True,
                                                                'purge_selector': {'key_alias_prefix': prefix}}}]
    run_playbook(playbook(tmp_path, cleanup), extra, verbosity=0).assert_ok()


def test_two_rotations_of_one_key_at_once_leave_one_key_whose_value_a_run_returned(conn, litellm_api, litellm_db):
    """review-2 N11: each run parks the old key, creates a new one and deletes the old; whichever way the two
    interleave, one key has the alias afterwards, nothing stays parked, and its value is one a run returned."""
    for attempt in range(3):
        alias = unique('rotate-race')
        assert run_module('litellm_key', dict(conn, key_alias=alias, max_budget=1))['changed']
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda n: run_module('litellm_key', dict(conn, key_alias=alias, regenerate=True)),
                                    range(2)))
        keys = rows(litellm_db, 'SELECT key_alias, token FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s',
                    alias + '%')
        assert [k['key_alias'] for k in keys] == [alias], (attempt, keys, results)
        returned = [r['api_key'] for r in results if r.get('api_key')]
        assert [v for v in returned if hashlib.sha256(v.encode()).hexdigest() == keys[0]['token']], (attempt, results)
        live = [v for v in returned if hashlib.sha256(v.encode()).hexdigest() == keys[0]['token']][0]
        assert litellm_api.request('GET', '/key/info', key=live).status_code == 200
        run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))
