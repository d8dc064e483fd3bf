"""Benchmark of the main job: the AgnosticD workload ocp4_workload_litemaas_user_keys end to end on the real proxy
and the real kube-apiserver, at several workshop sizes, side by side in the same run with what its predecessor does
(one rhpds.litemaas.litellm_key call per user, in an Ansible loop).

Phases of the workload, each one ansible-playbook run: provision, re-provision, provision after one user's key was
deleted by hand, destroy. Phases of the loop: provision, re-provision, destroy. For each: wall time, the slowest
tasks (a timing callback, as profile_tasks shows them) and the requests per endpoint as a loopback proxy in front of
LiteLLM counts them (tests/harness/litellm/api_proxy.py). After each phase LiteLLM's database is read to check the
phase did what it should. The workload reports to AgnosticD's own agnosticd_user_info (v2, tests/data/agnosticd),
which reads and rewrites its whole user data file at each call. Floors timed beside: ansible-playbook with one no-op
task, and that plugin alone with the same per-user data, given one call per user (what a workload looping over its
users costs) or, as the workload does, the first user and then all others in one call.

    tests/benchmark/workload.sh [--users 50,500,2000] [--loop-users 50,500] [--per-user-floor 50,500]
                                [--json FILE] [--svg FILE]

Prints numbers, asserts nothing. Starts a proxy (LITELLM_VERSION) and a kube-apiserver with the test harness, or
reuses those named by LITELLM_API_BASE / LITELLM_MASTER_KEY / LITELLM_TEST_DATABASE_URL / LITELLM_TEST_UPSTREAM and
K8S_TEST_KUBECONFIG.
"""
import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path[:0] = [os.path.join(TESTS, 'harness'), os.path.join(TESTS, 'harness', 'litellm'),
                os.path.join(TESTS, 'harness', 'k8s'), os.path.join(TESTS, 'integration', 'litellm')]

from collection_path import make_importable  # noqa: E402
make_importable()
from api_proxy import ApiProxy  # noqa: E402  pylint: disable=wrong-import-position
from harness import proxy_from_env  # noqa: E402  pylint: disable=wrong-import-position
from local_cluster import local_cluster  # noqa: E402  pylint: disable=wrong-import-position
from support import COLLECTIONS_DIR, ansible_env, unique  # noqa: E402  pylint: disable=wrong-import-position
import agnosticd  # noqa: E402  pylint: disable=wrong-import-position
import benchmark  # noqa: E402  pylint: disable=wrong-import-position

WORKLOAD_PLAYBOOK = os.path.join(TESTS, 'integration', 'litellm', 'playbooks', 'user_keys_workload.yml')
LOOP_PLAYBOOK = '''
- name: One rhpds.litemaas.litellm_key call per user, as the predecessor workload does
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Give each user a key
      rhpds.litemaas.litellm_key:
        api_url: "{{ url }}"
        master_key: "{{ master_key }}"
        key_alias: "{{ guid }}-user{{ item }}"
        models: "{{ models }}"
        duration: 2d
        state: "{{ state }}"
      loop: "{{ range(1, num_users + 1) | list }}"
      no_log: true
'''
FLOOR_PLAYBOOKS = {
    'ansible-playbook, one no-op task': benchmark.FLOOR_PLAYBOOKS['one no-op task'],
    'agnosticd_user_info, one call per user': '''
- name: What reporting every user to AgnosticD costs, one call per user
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Give each user their key
      agnosticd.core.agnosticd_user_info:
        user: "user{{ item }}"
        msg: "{{ user_msg }}"
        data: "{{ user_data | combine({'litellm_key_alias': 'g-user' ~ item}) }}"
      loop: "{{ range(1, num_users + 1) | list }}"
      no_log: true
''',
    'agnosticd_user_info, the first user then all in one call': '''
- name: What reporting every user to AgnosticD costs, as the workload does it
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Give the first user their key
      agnosticd.core.agnosticd_user_info:
        user: user1
        msg: "{{ user_msg }}"
        data: "{{ user_data | combine({'litellm_key_alias': 'g-user1'}) }}"
      no_log: true
    - name: Give the other users their keys
      agnosticd.core.agnosticd_user_info:
        data:
          users: "{{ all_users }}"
      no_log: true
''',
}
# What the workload gives each user (tests/benchmark floors use the same shape and sizes).
FLOOR_USER_DATA = {
    'litellm_api_endpoint': 'https://litellm.example.test', 'litellm_api_base_url': 'https://litellm.example.test/v1',
    'litellm_virtual_key': 'sk-' + 'x' * 22, 'litellm_key_id': 'f' * 64, 'litellm_available_models': ['m'],
    'litellm_available_models_list': 'm', 'litellm_key_duration': '2d', 'litellm_key_expires': '2026-12-09T12:00:00Z'}
FLOOR_USER_MSG = ('LiteLLM API base URL: https://litellm.example.test/v1\nLiteLLM virtual key: sk-' + 'x' * 22
                  + '\nAvailable models: m\nKey expires: 2026-12-09T12:00:00Z')
WORKLOAD_PHASES = ('provision', 're-provision', 'one key deleted by hand', 'destroy')
LOOP_PHASES = ('provision', 're-provision', 'destroy')


class Stand:
    """The proxy, the cluster and the model and namespace every run uses."""

    def __init__(self, proxy, kubeconfig, workdir):
        from kubernetes import client, config
        import requests
        self.proxy, self.kubeconfig, self.workdir = proxy, kubeconfig, workdir
        self.model = unique('bench-workshop-model')
        self.namespace = unique('bench-keys')
        requests.post(proxy.base_url + '/model/new', headers={'Authorization': 'Bearer ' + proxy.master_key}, json={
            'model_name': self.model, 'litellm_params': {'model': 'openai/fake-workshop', 'api_base': proxy.upstream_url,
                                                         'api_key': 'sk-bench-upstream-0001'}}, timeout=120).raise_for_status()
        config.load_kube_config(config_file=kubeconfig)
        client.CoreV1Api().create_namespace({'metadata': {'name': self.namespace}})
        self.agnosticd_collections, dummy = agnosticd.install(os.path.join(workdir, 'agnosticd'))
        self.output_dir = os.path.join(workdir, 'output')
        os.makedirs(self.output_dir)

    def keys(self, prefix):
        """alias -> token of the keys whose alias starts with prefix, from LiteLLM's database."""
        import psycopg
        with psycopg.connect(self.proxy.database_url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute('SELECT key_alias, token FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s', (prefix + '%',))
            return dict(cur.fetchall())

    def delete_key(self, alias):
        import requests
        requests.post(self.proxy.base_url + '/key/delete', headers={'Authorization': 'Bearer ' + self.proxy.master_key},
                      json={'key_aliases': [alias]}, timeout=120).raise_for_status()

    def playbook(self, playbook, variables, counter_url):
        """ansible-playbook with the timing callback; returns (rc, seconds, {task: seconds}, last output lines)."""
        times = os.path.join(self.workdir, 'task-times.json')
        if os.path.exists(times):
            os.unlink(times)
        agnosticd.clear(self.output_dir)  # each run reports into a user data file of its own, as in AgnosticD
        env = ansible_env({'KUBECONFIG': self.kubeconfig, 'TASK_TIMES_FILE': times,
                           'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR + os.pathsep + self.agnosticd_collections,
                           'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'),
                           'ANSIBLE_CALLBACKS_ENABLED': 'task_times', 'LITELLM_API_BASE': '', 'LITELLM_MASTER_KEY': ''})
        variables = dict(variables, url=counter_url, master_key=self.proxy.master_key, models=[self.model],
                         output_dir=self.output_dir, ansible_python_interpreter=env['ANSIBLE_PYTHON_INTERPRETER'])
        path = os.path.join(self.workdir, 'vars.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(variables, f)
        cmd = [os.path.join(os.path.dirname(env['ANSIBLE_PYTHON_INTERPRETER']), 'ansible-playbook'), playbook,
               '-e', '@' + path]
        started = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=7200, check=False)
        seconds = time.monotonic() - started
        task_times = {}
        if os.path.exists(times):
            with open(times, encoding='utf-8') as f:
                task_times = json.load(f)
        return proc.returncode, seconds, task_times, (proc.stdout + proc.stderr).strip().splitlines()[-3:]


def workload_variables(stand, guid, users, counter_url, action):
    return {'ACTION': action, 'guid': guid, 'num_users': users,
            'ocp4_workload_litemaas_user_keys_models': [stand.model],
            'ocp4_workload_litemaas_user_keys_duration': '2d',
            'ocp4_workload_litemaas_user_keys_litellm_url': counter_url,
            'ocp4_workload_litemaas_user_keys_litellm_master_key': stand.proxy.master_key,
            'ocp4_workload_litemaas_user_keys_namespace': stand.namespace}


def run_tool(stand, tool, users, results):
    guid = unique('w' if tool == 'workload' else 'l').replace('-', '')
    prefix = guid + '-'
    with ApiProxy(stand.proxy.base_url) as counter:
        for phase in (WORKLOAD_PHASES if tool == 'workload' else LOOP_PHASES):
            if phase == 'one key deleted by hand':
                stand.delete_key(prefix + 'user1')  # straight to LiteLLM, not counted
            action = 'destroy' if phase == 'destroy' else 'provision'
            if tool == 'workload':
                variables, playbook = workload_variables(stand, guid, users, counter.url, action), WORKLOAD_PLAYBOOK
            else:
                variables = {'guid': guid, 'num_users': users, 'state': 'absent' if action == 'destroy' else 'present'}
                playbook = os.path.join(stand.workdir, 'loop.yml')
                with open(playbook, 'w', encoding='utf-8') as f:
                    f.write(LOOP_PLAYBOOK)
            counter.reset()
            rc, seconds, task_times, last = stand.playbook(playbook, variables, counter.url)
            counts = counter.counts()
            keys = stand.keys(prefix)
            state = 'ok' if len(keys) == (0 if action == 'destroy' else users) else '%d keys' % len(keys)
            row = {'tool': tool, 'users': users, 'phase': phase, 'seconds': round(seconds, 2), 'succeeded': rc == 0,
                   'state': state, 'counts': counts, 'requests': sum(counts.values()),
                   'writes': sum(n for e, n in counts.items() if not e.startswith('GET ')),
                   'slowest_tasks': sorted(((round(t, 2), name) for name, t in task_times.items()), reverse=True)[:5],
                   'error': None if rc == 0 else ' / '.join(last)[:300]}
            results.append(row)
            print('%-8s %5d users  %-24s %7.1f s %6d requests %6d writes  %s%s' % (
                tool, users, phase, seconds, row['requests'], row['writes'], state,
                '' if rc == 0 else '  FAILED: ' + row['error']), flush=True)


def floors(stand, users_list, per_user_sizes):
    rows = []
    for name, text in FLOOR_PLAYBOOKS.items():
        playbook = os.path.join(stand.workdir, 'floor.yml')
        with open(playbook, 'w', encoding='utf-8') as f:
            f.write(text)
        sizes = per_user_sizes if 'per user' in name else users_list if 'one call' in name else users_list[:1]
        for users in sizes:
            all_users = dict(('user%d' % n, dict(FLOOR_USER_DATA, litellm_key_alias='g-user%d' % n, msg=FLOOR_USER_MSG))
                             for n in range(1, users + 1))
            rc, seconds, dummy, last = stand.playbook(playbook, {
                'num_users': users, 'user_data': FLOOR_USER_DATA, 'user_msg': FLOOR_USER_MSG, 'all_users': all_users}, '')
            rows.append({'floor': name, 'users': users, 'seconds': round(seconds, 2), 'succeeded': rc == 0})
            print('floor    %5d users  %-45s %7.1f s%s' % (users, name, seconds, '' if rc == 0 else '  FAILED: %s' % last),
                  flush=True)
    return rows


def svg_plot(results, floor_rows, path):
    """Wall time against users, one line per tool and phase (floors dotted), log-log axes (a straight line of slope 1
    is linear, of slope 2 quadratic)."""
    series = {}
    for row in results:
        if row['succeeded']:
            series.setdefault('%s: %s' % (row['tool'], row['phase']), []).append((row['users'], row['seconds']))
    for row in floor_rows:
        if row['succeeded'] and 'agnosticd_user_info' in row['floor']:
            series.setdefault('floor: ' + row['floor'], []).append((row['users'], row['seconds']))
    if not series:
        return
    width, height, left, bottom, top, right = 900, 480, 70, 50, 20, 390
    xs = [u for points in series.values() for u, dummy in points]
    ys = [max(s, 0.1) for points in series.values() for dummy, s in points]
    x0, x1 = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    y1 = max(y1, y0 + 1)

    def px(users, seconds):
        x = left + (math.log10(users) - x0) / (x1 - x0) * (width - left - right)
        y = height - bottom - (math.log10(max(seconds, 0.1)) - y0) / (y1 - y0) * (height - bottom - top)
        return x, y
    colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f']
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
             % (width, height), '<rect width="100%" height="100%" fill="white"/>']
    for exponent in range(int(y0), int(y1) + 1):
        dummy, y = px(min(xs), 10 ** exponent)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, width - right, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%g s</text>' % (left - 6, y + 4, 10 ** exponent))
    for users in sorted(set(xs)):
        x, dummy = px(users, 1)
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, height - bottom))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x, height - bottom + 16, users))
    parts.append('<text x="%d" y="%d" text-anchor="middle">users (log scale)</text>'
                 % ((left + width - right) // 2, height - 12))
    parts.append('<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">wall time (log scale)</text>'
                 % ((top + height - bottom) // 2, (top + height - bottom) // 2))
    for n, (name, points) in enumerate(sorted(series.items())):
        colour = colours[n % len(colours)]
        dash = ('' if name.startswith('workload') else ' stroke-dasharray="2 3"' if name.startswith('floor')
                else ' stroke-dasharray="6 3"')
        coords = ' '.join('%.1f,%.1f' % px(u, s) for u, s in sorted(points))
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (colour, dash, coords))
        for u, s in points:
            parts.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(u, s) + (colour,)))
        y = top + 10 + 18 * n
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                     % (width - right + 15, y, width - right + 40, y, colour, dash))
        parts.append('<text x="%d" y="%d">%s</text>' % (width - right + 46, y + 4, name))
    parts.append('</svg>')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(parts) + '\n')


def exit_on_sigterm(signum, frame):
    sys.exit(128 + signum)  # unwind, so that every finally stops what this run started


def main():
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--users', default='50,500,2000', help='workshop sizes of the workload (default 50,500,2000)')
    parser.add_argument('--loop-users', default='50,500',
                        help='sizes of the one-call-per-user loop (default 50,500; it takes minutes per phase at 500)')
    parser.add_argument('--per-user-floor', default='50,500',
                        help='sizes at which agnosticd_user_info is timed with one call per user (default 50,500; '
                             'its cost grows with the square of the users: about 140 s at 500)')
    parser.add_argument('--json', help='also write the results to this file')
    parser.add_argument('--svg', help='draw wall time against users into this SVG file')
    args = parser.parse_args()
    sizes = [int(n) for n in args.users.split(',') if n]
    loop_sizes = [int(n) for n in args.loop_users.split(',') if n]
    per_user_sizes = [int(n) for n in args.per_user_floor.split(',') if n]
    results, floor_rows = [], []
    with tempfile.TemporaryDirectory() as workdir:
        proxy = proxy_from_env(os.environ).start()
        try:
            with local_cluster(os.path.join(workdir, 'k8s'), 'apps.example.test') as kubeconfig:
                stand = Stand(proxy, kubeconfig, workdir)
                print('LiteLLM %s; %d cores; workload at %s users, loop at %s' % (
                    proxy.version, os.cpu_count(), sizes, loop_sizes), flush=True)
                floor_rows = floors(stand, sorted(set(sizes + loop_sizes)), per_user_sizes)
                for users in sorted(set(sizes + loop_sizes)):
                    if users in sizes:
                        run_tool(stand, 'workload', users, results)
                    if users in loop_sizes:
                        run_tool(stand, 'loop', users, results)
        finally:
            proxy.stop()
    print('\nSlowest tasks and requests per endpoint (counted by the loopback proxy):')
    for row in results:
        print('  %-8s %5d %-24s %s' % (row['tool'], row['users'], row['phase'], ', '.join(
            '%s %d' % item for item in sorted(row['counts'].items(), key=lambda kv: (-kv[1], kv[0]))) or '-'))
        for seconds, name in row['slowest_tasks'][:3]:
            print('  %40s %6.2f s  %s' % ('', seconds, name))
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump({'litellm': proxy.version, 'floors': floor_rows, 'results': results}, f, indent=1)
    if args.svg:
        svg_plot(results, floor_rows, args.svg)


if __name__ == '__main__':
    main()
