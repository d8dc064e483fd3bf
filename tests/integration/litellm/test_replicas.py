"""Two LiteLLM replicas on one database behind a round-robin front (as the deploy role runs them with
litemaas_litellm_replicas > 1): model writes wait until both replicas serve the change instead of failing at random;
on 1.81 a change of model_info alone reaches only the replica that made it, and the module says so."""
import pytest

from support import model_by_id, run_module, unique


@pytest.fixture(scope='module')
def replicas(litellm_proxy):
    """(front URL, [primary URL, replica URL]): a second proxy on the first one's database, and a loopback front
    that sends each request to the next of the two."""
    from api_proxy import ApiProxy
    from harness import LiteLLMProxy

    replica = LiteLLMProxy(replica_of=litellm_proxy).start()
    try:
        with ApiProxy([litellm_proxy.base_url, replica.base_url]) as front:
            yield front.url, [litellm_proxy.base_url, replica.base_url]
    finally:
        assert not replica.stop()


def on_each(litellm_api, urls, model_id):
    """The deployment as each replica serves it, read from each directly."""
    shown = []
    for url in urls:
        api = type(litellm_api)(url, litellm_api.master_key)
        shown.append(model_by_id(api, model_id))
    return shown


def test_model_changes_converge_on_both_replicas(conn, litellm_api, litellm_proxy, replicas):
    front, urls = replicas
    name = unique('replicated')
    args = dict(conn, api_url=front, model_name=name,
                litellm_params={'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1', 'rpm': 1})
    created = run_module('litellm_model', args, timeout=300)
    assert created['changed'] and not created['failed'], created
    model_id = created['model']['model_id']
    assert all(shown is not None for shown in on_each(litellm_api, urls, model_id))

    rpm = dict(args, litellm_params=dict(args['litellm_params'], rpm=2))
    changed = run_module('litellm_model', rpm, timeout=300)
    assert changed['changed'] and not changed['failed'], changed
    assert [shown['litellm_params']['rpm'] for shown in on_each(litellm_api, urls, model_id)] == [2, 2]
    assert run_module('litellm_model', rpm, timeout=300)['changed'] is False

    mode = dict(rpm, model_info={'mode': 'chat'})
    changed = run_module('litellm_model', mode, timeout=300)
    assert changed['changed'] and not changed['failed'], changed
    modes = [shown['model_info'].get('mode') for shown in on_each(litellm_api, urls, model_id)]
    if litellm_proxy.version.startswith('1.81.'):
        assert 'chat' in modes  # at least the replica that made the change
        assert any('shows a change of only model_name or model_info on the replica that made it' in str(w)
                   for w in changed.get('warnings', [])), changed
    else:
        assert modes == ['chat', 'chat'] and not changed.get('warnings')
        assert run_module('litellm_model', mode, timeout=300)['changed'] is False

    deleted = run_module('litellm_model', dict(conn, api_url=front, model_id=model_id, state='absent'), timeout=300)
    assert deleted['changed'] and not deleted['failed'], deleted
    assert on_each(litellm_api, urls, model_id) == [None, None]


def test_the_bulk_modules_converge_on_both_replicas(conn, litellm_api, replicas):
    front, urls = replicas
    tag = unique('replicated-fleet')
    models = [{'model_name': '%s-%d' % (tag, n), 'litellm_params': {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}}
              for n in range(3)]
    args = dict(conn, api_url=front, models=models, purge_selector={'tag': tag})
    created = run_module('litellm_models', args, timeout=300)
    assert created['counts']['created'] == 3 and not created['failed'], created
    for model in created['models']:
        assert None not in on_each(litellm_api, urls, model['model_id'])
    assert run_module('litellm_models', args, timeout=300)['changed'] is False
    gone = run_module('litellm_models', dict(args, models=[], purge=True), timeout=300)
    assert gone['counts']['deleted'] == 3 and not gone['failed'], gone
