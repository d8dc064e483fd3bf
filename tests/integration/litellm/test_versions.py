"""The LiteLLM version the real proxy answers with, and the advisories of meta/litellm_advisories.yml that apply to
it: returned by the _info modules and reported by the status playbook (its portal part needs only the proxy).
What each matrix version must report is written out here, not computed with the code under test."""
import pytest

from support import assert_no_secrets, run_module, run_playbook

# Per version: advisories the report must name, and ones it must not (GHSA-r75f-5x8p-qvmc starts at 1.81.16).
EXPECTED = {
    '1.108.7': ([], ['LiteLLM advisory:']),
    '1.106.12': ([], ['LiteLLM advisory:']),
    '1.81.15': (['LiteLLM advisory: GHSA-4xpc-pv4p-pm3w / CVE-2026-49468 (critical)',
                 'LiteLLM advisory: GHSA-7488-6r32-c95q / CVE-2026-59822 (high, in CISA KEV)',
                 'LiteLLM advisory: GHSA-v4p8-mg3p-g94g / CVE-2026-42271 (high, in CISA KEV)'],
                ['GHSA-r75f-5x8p-qvmc', 'GHSA-7hp6-4w63-5g45']),
}


def test_info_modules_return_the_proxy_version(litellm_proxy, conn):
    for module in ('litellm_model_info', 'litellm_key_info'):
        result = run_module(module, conn)
        assert not result.get('failed') and result['changed'] is False, result
        assert result['litellm_version'] == litellm_proxy.version, module


def test_status_reports_the_version_and_its_advisories(litellm_proxy, tmp_path):
    if litellm_proxy.version not in EXPECTED:
        pytest.skip('no expectation written for LiteLLM %s' % litellm_proxy.version)
    env = {'LITELLM_API_BASE': litellm_proxy.base_url, 'LITELLM_MASTER_KEY': litellm_proxy.master_key,
           'LITEMAAS_API_URL': '', 'LITEMAAS_ADMIN_API_KEY': '', 'KUBECONFIG': str(tmp_path / 'no-kubeconfig')}
    run = run_playbook('playbooks/status.yml', env=env, verbosity=3, extra_args=['--tags', 'portal']).assert_ok()
    assert run.changed == 0
    assert 'LiteLLM version: %s' % litellm_proxy.version in run.output
    present, absent = EXPECTED[litellm_proxy.version]
    for line in present:
        assert line in run.output, line
    for text in absent:
        assert text not in run.output, text
    if not present:
        assert 'LiteLLM advisories: none known for LiteLLM %s' % litellm_proxy.version in run.output
    else:
        assert 'fixed in 1.84.0' in run.output
    assert_no_secrets(run.output, [litellm_proxy.master_key])
