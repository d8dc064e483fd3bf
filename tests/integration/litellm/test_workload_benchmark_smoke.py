"""The main job's benchmark (tests/benchmark/workload.py) still runs, at a tiny scale, against this session's proxy
and kube-apiserver: every phase of the workload and of the one-call-per-user loop does what it should (the benchmark
reads LiteLLM's database after each), the floors run, the plot is drawn, and the request counts the workload is
built for hold as the benchmark's loopback proxy counts them. Wall times are the benchmark's to print
(docs/performance.md), not this test's to assert."""
import json
import os
import subprocess
import sys

from support import REPO


def test_workload_benchmark_runs_every_phase(litellm_proxy, k8s_cluster, tmp_path):
    report, plot = tmp_path / 'workload.json', tmp_path / 'workload.svg'
    env = dict(os.environ, K8S_TEST_KUBECONFIG=k8s_cluster, **litellm_proxy.env())
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'tests', 'benchmark', 'workload.py'),
                           '--users', '4', '--loop-users', '4', '--per-user-floor', '4',
                           '--json', str(report), '--svg', str(plot)],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(report.read_text())
    rows = dict(((row['tool'], row['phase']), row) for row in results['results'])
    assert sorted(rows) == sorted([('workload', phase) for phase in (
        'provision', 're-provision', 'one key deleted by hand', 'destroy')] + [('loop', phase) for phase in (
            'provision', 're-provision', 'destroy')]), sorted(rows)
    for key, row in rows.items():
        assert row['succeeded'] and row['state'] == 'ok', (key, row)
        assert row['slowest_tasks'], (key, row)
    assert all(row['succeeded'] for row in results['floors']), results['floors']
    assert {row['floor'] for row in results['floors']} == {
        'ansible-playbook, one no-op task', 'agnosticd_user_info, one call per user',
        'agnosticd_user_info, the first user then all in one call'}, results['floors']

    # The workload's re-provision reads the keys once and writes nothing; the hand-deleted key is made again alone.
    assert rows['workload', 're-provision']['writes'] == 0, rows['workload', 're-provision']
    assert rows['workload', 'one key deleted by hand']['counts'].get('POST /key/generate') == 1, \
        rows['workload', 'one key deleted by hand']
    assert rows['workload', 'one key deleted by hand']['writes'] == 1, rows['workload', 'one key deleted by hand']
    assert plot.read_text().startswith('<svg'), plot.read_text()[:200]
