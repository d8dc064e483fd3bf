"""Two LiteLLM replicas on one database behind a round-robin front (as the deploy role runs them with
litemaas_litellm_replicas > 1): model writes wait until both replicas serve the change instead of failing at random;
on 1.81 a change of model_info alone reaches only the replica that made it, and the module says so.

The pair has a database of its own, so the tests know which models it holds: LiteLLM 1.81 drops a deleted
deployment from the replica that did not handle the delete at that replica's next reload only while the database
holds some model (ProxyConfig._delete_deployment returns early on an empty table). A keeper deployment stays for
every test but the last, which deletes it."""
import pytest

from support import model_by_id, model_rows, run_module, unique

UNREACHABLE = {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}


@pytest.fixture(scope='module')
def replicas(litellm_proxy):
    """{'front': URL, 'urls': [primary URL, replica URL], 'conn': module connection options through the front,
    'keeper': model_id}: two proxies on a new database, a loopback front that sends each request to the next of
    the two, and one deployment created through the primary before the replica starts."""
    from api_proxy import ApiProxy
    from harness import LiteLLMProxy

    primary = LiteLLMProxy(version=litellm_proxy.version).start()
    replica = None
    try:
        keeper = run_module('litellm_model', dict(api_url=primary.base_url, master_key=primary.master_key,
                                                  model_name=unique('keeper'), litellm_params=UNREACHABLE))
        assert keeper['changed'] and not keeper['failed'], keeper
        replica = LiteLLMProxy(replica_of=primary).start()
        with ApiProxy([primary.base_url, replica.base_url]) as front:
            yield {'front': front.url, 'urls': [primary.base_url, replica.base_url],
                   'conn': {'api_url': front.url, 'master_key': primary.master_key},
                   'database_url': primary.database_url,
                   'keeper': keeper['model']['model_id'], 'version': primary.version}
    finally:
        survivors = (replica.stop() if replica else []) + primary.stop()
        assert not survivors


def on_each(litellm_api, replicas, model_id):
    """The deployment as each replica serves it, read from each directly."""
    return [model_by_id(type(litellm_api)(url, replicas['conn']['master_key']), model_id) for url in replicas['urls']]


def test_model_changes_converge_on_both_replicas(litellm_api, replicas):
    name = unique('replicated')
    args = dict(replicas['conn'], model_name=name, litellm_params=dict(UNREACHABLE, rpm=1))
    created = run_module('litellm_model', args, timeout=300)
    assert created['changed'] and not created['failed'], created
    model_id = created['model']['model_id']
    assert all(shown is not None for shown in on_each(litellm_api, replicas, model_id))

    rpm = dict(args, litellm_params=dict(args['litellm_params'], rpm=2))
    changed = run_module('litellm_model', rpm, timeout=300)
    assert changed['changed'] and not changed['failed'], changed
    assert [shown['litellm_params']['rpm'] for shown in on_each(litellm_api, replicas, model_id)] == [2, 2]
    assert run_module('litellm_model', rpm, timeout=300)['changed'] is False

    mode = dict(rpm, model_info={'mode': 'chat'})
    changed = run_module('litellm_model', mode, timeout=300)
    assert changed['changed'] and not changed['failed'], changed
    modes = [shown['model_info'].get('mode') for shown in on_each(litellm_api, replicas, model_id)]
    if replicas['version'].startswith('1.81.'):
        assert 'chat' in modes  # at least the replica that made the change
        assert any('shows a change of only model_name or model_info on the replica that made it' in str(w)
                   for w in changed.get('warnings', [])), changed
    else:
        assert modes == ['chat', 'chat'] and not changed.get('warnings')
        assert run_module('litellm_model', mode, timeout=300)['changed'] is False

    deleted = run_module('litellm_model', dict(replicas['conn'], model_id=model_id, state='absent'), timeout=300)
    assert deleted['changed'] and not deleted['failed'] and not deleted.get('warnings'), deleted
    assert on_each(litellm_api, replicas, model_id) == [None, None]


def test_the_bulk_modules_converge_on_both_replicas(litellm_api, replicas):
    tag = unique('replicated-fleet')
    models = [{'model_name': '%s-%d' % (tag, n), 'litellm_params': UNREACHABLE} for n in range(3)]
    args = dict(replicas['conn'], models=models, purge_selector={'tag': tag})
    created = run_module('litellm_models', args, timeout=300)
    assert created['counts']['created'] == 3 and not created['failed'], created
    for model in created['models']:
        assert None not in on_each(litellm_api, replicas, model['model_id'])
    assert run_module('litellm_models', args, timeout=300)['changed'] is False
    gone = run_module('litellm_models', dict(args, models=[], purge=True), timeout=300)
    assert gone['counts']['deleted'] == 3 and not gone['failed'], gone
    for model in created['models']:
        assert on_each(litellm_api, replicas, model['model_id']) == [None, None]


@pytest.mark.parametrize('module', ['litellm_model', 'litellm_models'])
def test_a_rerun_through_a_replica_that_has_not_reloaded_writes_nothing(litellm_api, replicas, module):
    """A replica takes what another one wrote at its next reload from the database (every 30 s); until then it
    lists neither the deployment nor reads it by id. A rerun through it must compare with the database row instead of
    creating the deployment again, which fails on its id and used to end in replacing it."""
    import psycopg
    from api_proxy import ApiProxy
    from psycopg.rows import dict_row

    primary, replica = replicas['urls']
    spec = {'model_name': unique('not-reloaded'), 'litellm_params': dict(UNREACHABLE, rpm=1)}
    args = spec if module == 'litellm_model' else {'models': [spec]}
    created = run_module(module, dict(replicas['conn'], api_url=primary, **args))
    assert created['changed'] and not created['failed'], created
    with psycopg.connect(replicas['database_url'], autocommit=True, row_factory=dict_row) as db:
        row = model_rows(db, (created.get('model') or created.get('models', [{}])[0])['model_id'])
        with ApiProxy(replica) as counted:
            rerun = run_module(module, dict(replicas['conn'], api_url=counted.url, **args), timeout=300)
            counts = counted.counts()
        assert rerun['changed'] is False and not rerun['failed'], rerun
        assert [e for e in counts if not e.startswith('GET ')] == [], counts
        assert model_rows(db, row[0]['model_id']) == row  # neither replaced nor touched
    if model_by_id(type(litellm_api)(replica, replicas['conn']['master_key']), row[0]['model_id']) is None:
        # The replica had not reloaded when the rerun read it: the rerun went through the database row.
        assert any('does not serve it yet' in str(w) for w in rerun.get('warnings', [])), rerun
    run_module('litellm_model', dict(replicas['conn'], model_id=row[0]['model_id'], state='absent'), timeout=300)


def test_a_key_for_a_model_a_replica_has_not_loaded_yet_is_accepted(replicas):
    """The keys' model check reads the router of the pod that answers; a model another replica has just created is
    found in the database instead of failing the task with "not on this proxy"."""
    primary, replica = replicas['urls']
    name = unique('not-reloaded-for-a-key')
    created = run_module('litellm_model', dict(replicas['conn'], api_url=primary, model_name=name,
                                               litellm_params=UNREACHABLE))
    assert created['changed'] and not created['failed'], created
    key = dict(replicas['conn'], api_url=replica, key_alias=unique('replica-key'), models=[name])
    made = run_module('litellm_key', key, timeout=300)
    assert made['changed'] and not made['failed'], made
    run_module('litellm_key', dict(key, state='absent'), timeout=300)
    run_module('litellm_model', dict(replicas['conn'], model_id=created['model']['model_id'], state='absent'),
               timeout=300)


def test_deleting_the_last_database_model(litellm_api, replicas):
    """1.106 drops it everywhere; 1.81 keeps serving it on the replica that did not handle the delete, and the module
    says so (and that a restart ends it) instead of failing."""
    deleted = run_module('litellm_model', dict(replicas['conn'], model_id=replicas['keeper'], state='absent',
                                               consistency_timeout=40), timeout=300)
    assert deleted['changed'] and not deleted['failed'], deleted
    shown = on_each(litellm_api, replicas, replicas['keeper'])
    if replicas['version'].startswith('1.81.'):
        assert shown.count(None) <= 1, shown
        assert any('keeps serving it on every pod that did not handle the delete until the pod restarts' in str(w)
                   for w in deleted.get('warnings', [])), deleted
    else:
        assert shown == [None, None] and not deleted.get('warnings'), deleted
