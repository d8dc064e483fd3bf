"""The workshop benchmark (tests/benchmark) still runs, at a tiny scale, against this session's proxy: every tool
does what each phase asks (the benchmark reads LiteLLM's database after each phase), and the request counts that
issue 8 sets for the bulk modules hold, as the benchmark's loopback proxy counts them. Wall times are the
benchmark's to print (docs/performance.md), not this test's to assert."""
import json
import os
import subprocess
import sys

from support import REPO


def test_benchmark_runs_every_tool(litellm_proxy, tmp_path):
    venv = subprocess.run([os.path.join(REPO, 'tests', 'benchmark', 'litellm-as-code-venv.sh')], capture_output=True,
                          text=True, timeout=900, check=True).stdout.strip()
    report = tmp_path / 'benchmark.json'
    env = dict(os.environ, LITELLM_AS_CODE_PYTHON=os.path.join(venv, 'bin', 'python'), **litellm_proxy.env())
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'tests', 'benchmark', 'benchmark.py'),
                           '--models', '3', '--keys', '12', '--json', str(report)],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = dict(((row['tool'].split(' ')[0] if row['tool'].startswith('rhpds') else row['tool'], row['phase']), row)
                for row in json.loads(report.read_text())['results'])

    for tool in ('rhpds.litemaas', 'single-item modules in a loop'):
        for phase in ('first apply', 'no-op rerun', '10 keys changed', 'purge of 50 keys'):
            assert rows[tool, phase]['succeeded'] and rows[tool, phase]['state'] == 'ok', (tool, phase, rows[tool, phase])
    # Not asserted: stock litellm-as-code stops on 1.106's HTTP 403 from /organization/list, and its key updates
    # name the key by alias only, which 1.106 takes and 1.81 refuses (HTTP 422).
    for phase in ('first apply', 'no-op rerun'):
        row = rows['litellm-as-code 0.5.0 patched', phase]
        assert row['succeeded'] and row['state'] == 'ok', (phase, row)

    bulk = dict((phase, rows['rhpds.litemaas', phase]) for phase in ('no-op rerun', '10 keys changed'))
    assert bulk['no-op rerun']['writes'] == 0 and bulk['no-op rerun']['requests'] <= 7, bulk['no-op rerun']
    assert bulk['10 keys changed']['counts'].get('POST /key/update') == 10, bulk['10 keys changed']
    assert bulk['10 keys changed']['writes'] == 10, bulk['10 keys changed']
