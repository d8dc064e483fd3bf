"""Workshop-scale benchmark: M models + K keys (default 100 + 500) through the bulk modules, side by side in the
same run with what a user would otherwise pick: the single-item modules in an Ansible loop, and
litellm-as-code 0.5.0 (PyPI, in its own venv), stock and with two patches for OSS proxies.

Four phases per tool, each one ansible-playbook (or litellm-as-code) run of the whole declaration:
first apply, no-op rerun, 10 keys changed, purge of 50 keys. For each: wall time, and the requests per endpoint
as counted by a loopback proxy in front of LiteLLM (tests/harness/litellm/api_proxy.py) - not by the code under
test. After each phase the proxy's state is read straight from LiteLLM's database and checked.

    tests/benchmark/run.sh [--models 100] [--keys 500] [--parallel 4] [--tools bulk,loop,lac,lac-patched]
                           [--litellm-workers 1]

Prints numbers, asserts nothing. Starts a proxy with the test harness (LITELLM_VERSION selects it), or reuses
the one named by LITELLM_API_BASE / LITELLM_MASTER_KEY / LITELLM_TEST_DATABASE_URL / LITELLM_TEST_UPSTREAM.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(TESTS, 'harness'), os.path.join(TESTS, 'harness', 'litellm'),
                os.path.join(TESTS, 'integration', 'litellm')]

from collection_path import make_importable  # noqa: E402
make_importable()
from api_proxy import ApiProxy  # noqa: E402  pylint: disable=wrong-import-position
from harness import proxy_from_env  # noqa: E402  pylint: disable=wrong-import-position
from support import ansible_env, unique  # noqa: E402  pylint: disable=wrong-import-position

CONNECTION = '''
  module_defaults:
    group/rhpds.litemaas.litellm:
      api_url: "{{ url }}"
      master_key: "{{ master_key }}"
'''
BULK_PLAYBOOK = '''
- name: Workshop through the bulk modules
  hosts: localhost
  connection: local
  gather_facts: false
''' + CONNECTION + '''
  tasks:
    - name: Models
      rhpds.litemaas.litellm_models:
        models: "{{ models }}"
        purge: true
        purge_selector: {tag: "{{ tag }}"}
        parallel: "{{ parallel }}"
    - name: Keys
      rhpds.litemaas.litellm_keys:
        keys: "{{ keys }}"
        purge: true
        purge_selector: {key_alias_prefix: "{{ prefix }}"}
        parallel: "{{ parallel }}"
      no_log: true
'''
LOOP_PLAYBOOK = '''
- name: Workshop through the single-item modules in a loop
  hosts: localhost
  connection: local
  gather_facts: false
''' + CONNECTION + '''
  tasks:
    - name: Models
      rhpds.litemaas.litellm_model:
        model_name: "{{ item.model_name }}"
        litellm_params: "{{ item.litellm_params }}"
        model_info: "{{ item.model_info }}"
      loop: "{{ models }}"
      loop_control: {label: "{{ item.model_name }}"}
    - name: Keys
      rhpds.litemaas.litellm_key:
        key_alias: "{{ item.key_alias }}"
        user_id: "{{ item.user_id }}"
        models: "{{ item.models }}"
        max_budget: "{{ item.max_budget }}"
        duration: "{{ item.duration }}"
      loop: "{{ keys }}"
      loop_control: {label: "{{ item.key_alias }}"}
      no_log: true
    - name: Keys no longer wanted
      rhpds.litemaas.litellm_key:
        key_alias: "{{ item }}"
        state: absent
      loop: "{{ removed }}"
'''


FLOOR_PLAYBOOKS = {
    'one no-op task': '''
- name: Nothing but one task
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: One task
      ansible.builtin.debug:
        msg: nothing
''',
    # What any two module tasks cost that take the declaration in and hand a result of its size back: ping returns
    # its data.
    'two ping tasks carrying the declaration': '''
- name: Two trivial modules with the declaration
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Models
      ansible.builtin.ping:
        data: "{{ models | to_json }}"
    - name: Keys
      ansible.builtin.ping:
        data: "{{ keys | to_json }}"
''',
    # The same without a module process: set_fact runs inside ansible-playbook, as a task whose work were done by
    # an action plugin on the controller would.
    'two in-controller tasks carrying the declaration': '''
- name: Two tasks run by ansible-playbook itself with the declaration
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Models
      ansible.builtin.set_fact:
        declared_models: "{{ models | to_json }}"
    - name: Keys
      ansible.builtin.set_fact:
        declared_keys: "{{ keys | to_json }}"
''',
}


def playbook_floors(workdir, models, keys):
    """Wall time (the median of three) of ansible-playbook running one no-op task, two trivial module tasks carrying
    the declaration (what every ansible-playbook row below includes whatever its modules do), and two tasks carrying
    it that ansible-playbook runs in its own process (no module process at all)."""
    variables = os.path.join(workdir, 'floor-vars.json')
    with open(variables, 'w', encoding='utf-8') as f:
        json.dump({'models': models, 'keys': keys}, f)
    floors = {}
    for name, text in FLOOR_PLAYBOOKS.items():
        playbook = os.path.join(workdir, 'floor.yml')
        with open(playbook, 'w', encoding='utf-8') as f:
            f.write(text)
        times = []
        for dummy in range(3):
            started = time.monotonic()
            subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook,
                            '-e', '@' + variables], env=ansible_env(), capture_output=True, timeout=300, check=True)
            times.append(time.monotonic() - started)
        floors[name] = sorted(times)[1]
    return floors


def declaration(prefix, n_models, n_keys, upstream):
    models = [{'model_name': '%sm%03d' % (prefix, n),
               'litellm_params': {'model': 'openai/fake-%03d' % n, 'api_base': upstream,
                                  'api_key': 'sk-bench-upstream-%04d' % n},
               'model_info': {'mode': 'chat'}} for n in range(n_models)]
    keys = [{'key_alias': '%suser%d' % (prefix, n), 'user_id': '%suser%d' % (prefix, n),
             'models': [models[n % n_models]['model_name']], 'max_budget': 10, 'duration': '30d'}
            for n in range(1, n_keys + 1)]
    changed = [dict(k, max_budget=20) if n < 10 else k for n, k in enumerate(keys)]
    return [  # (phase, models, keys, aliases to remove, keys expected afterwards)
        ('first apply', models, keys, [], keys),
        ('no-op rerun', models, keys, [], keys),
        ('10 keys changed', models, changed, [], changed),
        ('purge of 50 keys', models, changed[:-50], [k['key_alias'] for k in changed[-50:]], changed[:-50]),
    ]


class Tool:
    def __init__(self, name, label, workdir, proxy_url, master_key, parallel):
        self.name, self.label, self.workdir = name, label, workdir
        self.url, self.master_key, self.parallel = proxy_url, master_key, parallel

    def run(self, prefix, models, keys, removed):
        """Apply the declaration; returns (succeeded, last lines of its output)."""
        if self.name in ('bulk', 'loop'):
            playbook = os.path.join(self.workdir, self.name + '.yml')
            with open(playbook, 'w', encoding='utf-8') as f:
                f.write(BULK_PLAYBOOK if self.name == 'bulk' else LOOP_PLAYBOOK)
            variables = os.path.join(self.workdir, 'vars.json')
            with open(variables, 'w', encoding='utf-8') as f:
                json.dump({'url': self.url, 'master_key': self.master_key, 'models': models, 'keys': keys,
                           'removed': removed, 'tag': 'bench-' + prefix.rstrip('-'), 'prefix': prefix,
                           'parallel': self.parallel}, f)
            cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook, '-e', '@' + variables]
            env = ansible_env()
        else:
            import yaml
            spec = os.path.join(self.workdir, 'spec.yml')
            with open(spec, 'w', encoding='utf-8') as f:
                yaml.safe_dump({'models': models, 'virtual_keys': keys}, f)
            cmd = [os.environ['LITELLM_AS_CODE_PYTHON'], os.path.join(HERE, 'litellm_as_code_run.py')]
            cmd += (['--patched'] if self.name == 'lac-patched' else []) + [spec, '--base-url', self.url,
                                                                            '--api-key', self.master_key]
            env = dict(os.environ)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=7200, check=False)
        output = (proc.stdout + proc.stderr).strip().splitlines()
        errors = [line for line in output if 'error' in line.lower() or 'fatal' in line.lower()]
        return proc.returncode == 0, (errors or output[-3:] or [''])[-1][:160]


class Database:
    """LiteLLM's own database: the state after each phase, read without any of the tools."""

    def __init__(self, url):
        import psycopg
        self.conn = psycopg.connect(url, autocommit=True)

    def state(self, prefix):
        with self.conn.cursor() as cur:
            cur.execute('SELECT key_alias, max_budget FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s',
                        (prefix + '%',))
            keys = dict(cur.fetchall())
            cur.execute('SELECT count(*) FROM "LiteLLM_ProxyModelTable" WHERE model_name LIKE %s', (prefix + '%',))
            models = cur.fetchone()[0]
        return models, keys

    def check(self, prefix, models, keys):
        n_models, stored = self.state(prefix)
        wanted = dict((k['key_alias'], float(k['max_budget'])) for k in keys)
        problems = []
        if n_models != len(models):
            problems.append('%d models, not %d' % (n_models, len(models)))
        if stored != wanted:
            problems.append('%d keys (%d wrong or missing, %d extra)' % (
                len(stored), sum(1 for a, b in wanted.items() if stored.get(a) != b), len(set(stored) - set(wanted))))
        return '; '.join(problems) or 'ok'

    def clear(self, api, prefix):
        """Remove what a tool left, straight through the API (not counted)."""
        import requests
        headers = {'Authorization': 'Bearer ' + api[1]}
        aliases = list(self.state(prefix)[1])
        for start in range(0, len(aliases), 100):
            requests.post(api[0] + '/key/delete', json={'key_aliases': aliases[start:start + 100]}, headers=headers,
                          timeout=120)
        with self.conn.cursor() as cur:
            cur.execute('SELECT model_id FROM "LiteLLM_ProxyModelTable" WHERE model_name LIKE %s', (prefix + '%',))
            for (model_id,) in cur.fetchall():
                requests.post(api[0] + '/model/delete', json={'id': model_id}, headers=headers, timeout=120)


def proxy_capacity(base_url, master_key, upstream, prefix, models=20, keys=100):
    """How fast LiteLLM itself takes writes, without any of the tools: plain HTTP with one keep-alive connection per
    thread, one at a time and four at a time, and models and keys four at a time each, both at once (whether
    interleaving the two finds capacity that neither uses alone). Returns {(endpoint, concurrency): writes per
    second}."""
    import threading
    import requests
    from concurrent.futures import ThreadPoolExecutor

    def send(path, bodies, workers):
        sessions = {}

        def one(body):
            session = sessions.setdefault(threading.get_ident(), requests.Session())
            r = session.post(base_url + path, json=body, headers={'Authorization': 'Bearer ' + master_key}, timeout=120)
            r.raise_for_status()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, bodies))
        return len(bodies) / (time.monotonic() - started)

    def model_bodies(tag):
        return [{'model_name': '%sm%d' % (tag, n), 'model_info': {'id': '%sm%d' % (tag, n)},
                 'litellm_params': {'model': 'openai/fake', 'api_base': upstream, 'api_key': 'sk-capacity-0001'}}
                for n in range(models)]

    def key_bodies(tag):
        return [{'key_alias': '%suser%d' % (tag, n), 'max_budget': 10, 'duration': '30d'} for n in range(keys)]

    rates = {}
    for workers in (1, 4):
        tag = '%sc%d-' % (prefix, workers)
        rates[('POST /model/new', workers)] = send('/model/new', model_bodies(tag), workers)
        rates[('POST /key/generate', workers)] = send('/key/generate', key_bodies(tag), workers)
    tag = '%sboth-' % prefix
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: send(*job), [('/model/new', model_bodies(tag), 4),
                                               ('/key/generate', key_bodies(tag), 4)]))
    rates[('POST /model/new and /key/generate together', 8)] = (models + keys) / (time.monotonic() - started)
    return rates


def endpoints(counts):
    return ', '.join('%s %d' % (name, n) for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def measure(name, label, proxy, workdir, args, results):
    """The four phases of one tool against one proxy, each counted by a fresh loopback proxy in front of it."""
    db = Database(proxy.database_url)
    prefix = unique('b' + name.replace('-', '')) + '-'
    with ApiProxy(proxy.base_url) as counter:
        tool = Tool(name, label, workdir, counter.url, proxy.master_key, args.parallel)
        for phase, models, keys, removed, expected in declaration(prefix, args.models, args.keys, proxy.upstream_url):
            counter.reset()
            started = time.monotonic()
            succeeded, last_line = tool.run(prefix, models, keys, removed)
            seconds = time.monotonic() - started
            counts = counter.counts()
            row = {'phase': phase, 'tool': label, 'seconds': round(seconds, 1), 'counts': counts,
                   'requests': sum(counts.values()), 'writes': sum(n for e, n in counts.items() if not e.startswith('GET ')),
                   'succeeded': succeeded, 'state': db.check(prefix, models, expected),
                   'error': None if succeeded else last_line}
            results.append(row)
            print('%-17s %-42s %7.1f s %6d requests %6d writes  %s%s' % (
                phase, label, seconds, row['requests'], row['writes'], row['state'],
                '' if succeeded else '  FAILED: ' + last_line), flush=True)
    db.clear((proxy.base_url, proxy.master_key), prefix)


def exit_on_sigterm(signum, frame):
    # As for Ctrl-C: unwind, so that every finally stops the proxies this run started (they run in sessions of their
    # own, and a plain SIGTERM would leave them behind).
    sys.exit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--models', type=int, default=100)
    parser.add_argument('--keys', type=int, default=500)
    parser.add_argument('--parallel', type=int, default=4, help='parallel requests of the bulk modules (default 4)')
    parser.add_argument('--tools', default='bulk,loop,lac,lac-patched',
                        help='comma list of bulk, loop, lac, lac-patched (default: all)')
    parser.add_argument('--litellm-workers', type=int, default=1,
                        help="LiteLLM's --num_workers for the proxies the benchmark starts (default 1)")
    parser.add_argument('--json', help='also write the results to this file')
    args = parser.parse_args()
    labels = {'bulk': 'rhpds.litemaas bulk modules (parallel %d)' % args.parallel,
              'loop': 'single-item modules in a loop',
              'lac': 'litellm-as-code 0.5.0 stock', 'lac-patched': 'litellm-as-code 0.5.0 patched'}
    tools = [t for t in args.tools.split(',') if t]
    results, capacity, version = [], {}, None
    with tempfile.TemporaryDirectory() as workdir:
        first_models, first_keys = declaration('floor-', args.models, args.keys, 'http://127.0.0.1:9/v1')[0][1:3]
        floors = playbook_floors(workdir, first_models, first_keys)
        print('%d models + %d keys; %d cores; LiteLLM workers: %d; ansible-playbook with %s (included in every '
              'ansible-playbook row)' % (args.models, args.keys, os.cpu_count(), args.litellm_workers, ', '.join(
                  '%s: %.1f s' % item for item in floors.items())), flush=True)
        for name in tools + ['capacity']:
            # Each tool gets a proxy of its own, started the same way, so that none works on what another left
            # behind (users, audit and spend rows); a proxy named in the environment is shared instead.
            proxy = proxy_from_env(os.environ, num_workers=args.litellm_workers).start()
            version = proxy.version
            try:
                if name == 'capacity':
                    prefix = unique('bcapacity') + '-'
                    capacity = proxy_capacity(proxy.base_url, proxy.master_key, proxy.upstream_url, prefix,
                                              models=min(20, args.models), keys=min(100, args.keys))
                    Database(proxy.database_url).clear((proxy.base_url, proxy.master_key), prefix)
                else:
                    measure(name, labels[name], proxy, workdir, args, results)
            finally:
                proxy.stop()

    print('\nLiteLLM %s alone (plain HTTP, keep-alive, no tool, fresh proxy): ' % version + ', '.join(
        '%s %.1f/s with %d at a time' % (endpoint, rate, workers) for (endpoint, workers), rate in sorted(capacity.items())))
    print('\nRequests per endpoint (counted by the loopback proxy):')
    for row in results:
        print('  %-17s %-42s %s' % (row['phase'], row['tool'], endpoints(row['counts']) or '-'))
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump({'litellm': version, 'litellm_workers': args.litellm_workers, 'models': args.models, 'keys': args.keys,
                       'ansible_playbook_floors_seconds': dict((name, round(t, 2)) for name, t in floors.items()),
                       'results': results,
                       'litellm_writes_per_second': dict(('%s, %d at a time' % key, round(rate, 1))
                                                         for key, rate in capacity.items())}, f, indent=1)


if __name__ == '__main__':
    main()
