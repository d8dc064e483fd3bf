"""Speed of the LiteLLM modules against the real proxy: wall time per task and API calls per task.

Prints numbers; asserts nothing. Starts a proxy with the test harness (or reuses the one named by
LITELLM_API_BASE / LITELLM_MASTER_KEY / LITELLM_TEST_DATABASE_URL / LITELLM_TEST_UPSTREAM).

    tests/benchmark/run.sh [--keys 200]

API calls are counted from the proxy's own access log, so they include nothing the module does not send.
"""
import argparse
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(TESTS, 'harness'), os.path.join(TESTS, 'harness', 'litellm'),
                os.path.join(TESTS, 'integration', 'litellm')]

from collection_path import make_importable  # noqa: E402
make_importable()
from harness import proxy_from_env  # noqa: E402
from support import run_module, unique  # noqa: E402

ACCESS_LINE = re.compile(r'"(GET|POST|PATCH|DELETE) (/[^ ?"]*)')


class AccessLog(object):
    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if path and os.path.exists(path) else 0

    def calls(self):
        """API calls logged since the last call of this method."""
        if not self.path:
            return None
        with open(self.path, errors='replace') as f:
            f.seek(self.offset)
            text = f.read()
            self.offset = f.tell()
        return len([m for m in ACCESS_LINE.findall(text) if not m[1].startswith('/health')])


def measure(label, runs, fn, log):
    log.calls()
    started = time.monotonic()
    for n in range(runs):
        result = fn(n)
        assert not result.get('failed'), result
    seconds = time.monotonic() - started
    calls = log.calls()
    per_call = ('%5.1f' % (calls / runs)) if calls is not None else '    ?'
    line = '%-48s %4d tasks %8.2f s %7.0f ms/task %s API calls/task'
    print(line % (label, runs, seconds, 1000 * seconds / runs, per_call))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--keys', type=int, default=100, help='keys in the fleet (default 100)')
    parser.add_argument('--models', type=int, default=20, help='model deployments (default 20)')
    args = parser.parse_args()

    proxy = proxy_from_env(os.environ).start()
    try:
        conn = {'api_url': proxy.base_url, 'master_key': proxy.master_key}
        log = AccessLog(str(proxy.log_path) if proxy.log_path else None)
        print('LiteLLM %s at %s' % (proxy.version, proxy.base_url))
        prefix = unique('bench')
        models = ['%s-model-%03d' % (prefix, n) for n in range(args.models)]

        def model(n, rpm=10):
            return run_module('litellm_model', dict(conn, model_name=models[n], litellm_params={
                'model': 'openai/fake', 'api_key': 'sk-bench-upstream-000', 'api_base': proxy.upstream_url, 'rpm': rpm}))

        measure('litellm_model create', args.models, model, log)
        measure('litellm_model unchanged (rerun)', args.models, model, log)
        measure('litellm_model update (rpm)', args.models, lambda n: model(n, rpm=20), log)
        measure('litellm_model_info (all models)', 5, lambda n: run_module('litellm_model_info', conn), log)

        user = prefix + '@example.com'
        aliases = ['%s-key-%04d' % (prefix, n) for n in range(args.keys)]

        def key(n, budget=10):
            return run_module('litellm_key', dict(conn, key_alias=aliases[n], user_id=user, models=[models[0]],
                                                  max_budget=budget, duration='30d'))

        measure('litellm_key create', args.keys, key, log)
        measure('litellm_key unchanged (rerun)', args.keys, key, log)
        measure('litellm_key update (max_budget)', args.keys, lambda n: key(n, budget=20), log)
        measure('litellm_key_info (user with %d keys)' % args.keys, 5,
                lambda n: run_module('litellm_key_info', dict(conn, user_id=user)), log)
        measure('litellm_key absent', args.keys,
                lambda n: run_module('litellm_key', dict(conn, key_alias=aliases[n], state='absent')), log)
        measure('litellm_model absent', args.models,
                lambda n: run_module('litellm_model', dict(conn, model_name=models[n], state='absent')), log)
    finally:
        proxy.stop()


if __name__ == '__main__':
    main()
