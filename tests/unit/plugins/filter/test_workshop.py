"""The workshop workload's filters: the order's keys and what AgnosticD shows of them."""
from ansible_collections.rhpds.litemaas.plugins.filter.workshop_fleet import agnosticd_users, workshop_fleet, workshop_report

URL = 'https://litellm.example.test'


def test_one_key_per_user_and_the_instructors():
    fleet = workshop_fleet('g1', 2, ['granite'], max_budget=5, admin_key=True, admin_max_budget=50, duration=' 2d ',
                           metadata={'team': 'x'}, catalog_item='wk')
    assert [(m['user'], m['admin'], m['spec']['key_alias']) for m in fleet] == [
        ('user1', False, 'g1-user1'), ('user2', False, 'g1-user2'), ('admin', True, 'g1-admin')]
    spec = fleet[0]['spec']
    assert spec == {'key_alias': 'g1-user1', 'user_id': 'g1-user1', 'models': ['granite'], 'max_budget': 5,
                    'budget_duration': None, 'rpm_limit': None, 'tpm_limit': None, 'duration': '2d',
                    'metadata': {'team': 'x', 'guid': 'g1', 'user': 'user1', 'catalog_item': 'wk',
                                 'created_by': 'rhpds.litemaas.ocp4_workload_litemaas_user_keys'}}
    assert fleet[2]['spec']['max_budget'] == 50


def test_each_user_gets_their_own_key_and_the_order_the_shared_facts():
    fleet = workshop_fleet('g1', 2, ['a', 'b'], admin_key=True)
    keys = [{'key_alias': 'g1-user1', 'api_key': 'sk-one', 'token': 't1', 'expires': '2026-12-09T00:00:00Z'},
            {'key_alias': 'g1-user2', 'api_key': None, 'token': 't2', 'expires': None, 'problem': 'lost'},
            {'key_alias': 'g1-admin', 'api_key': 'sk-admin', 'token': 't3', 'expires': None}]
    report = workshop_report(keys, fleet, URL, ['a', 'b'], '2d')
    one, two = report['users']
    assert one['user'] == 'user1' and one['data']['litellm_virtual_key'] == 'sk-one'
    assert one['data']['litellm_api_base_url'] == URL + '/v1' and one['data']['litellm_available_models_list'] == 'a, b'
    assert 'LiteLLM virtual key: sk-one' in one['msg'] and 'Key expires: 2026-12-09T00:00:00Z' in one['msg']
    assert two['data']['litellm_virtual_key'] == '' and 'LiteLLM virtual key: not available (lost)' in two['msg']
    assert report['data']['litellm_user_count'] == 2 and report['data']['litellm_admin_virtual_key'] == 'sk-admin'
    assert 'litellm_virtual_key' not in report['data'] and report['msg'][-1] == 'Instructor LiteLLM virtual key: sk-admin'


def test_a_single_user_order_reports_to_the_order():
    fleet = workshop_fleet('g1', 1, ['a'])
    report = workshop_report([{'key_alias': 'g1-user1', 'api_key': 'sk-one', 'token': 't'}], fleet, URL, ['a'], '48h',
                             single=True)
    assert report['users'] == [] and report['data']['litellm_virtual_key'] == 'sk-one'
    assert 'LiteLLM virtual key: sk-one' in report['msg']


def users(*names):
    return [{'user': n, 'data': {'litellm_virtual_key': 'sk-' + n, 'litellm_key_alias': 'g-' + n},
             'msg': 'LiteLLM virtual key: sk-' + n} for n in names]


def test_the_other_users_are_merged_as_agnosticd_user_info_merges_one():
    report = users('user1', 'user2', 'user3')
    written = {'users': {'user1': dict(report[0]['data'], msg=report[0]['msg']),
                         'user2': {'openshift_password': 'pw', 'litellm_virtual_key': 'sk-old', 'msg': 'OpenShift: pw'},
                         'user9': {'x': 1}}, 'top': 'kept'}
    merged = agnosticd_users(written, report)
    assert merged['user1'] == written['users']['user1'] and merged['user9'] == {'x': 1}
    assert merged['user2'] == {'openshift_password': 'pw', 'litellm_virtual_key': 'sk-user2', 'litellm_key_alias': 'g-user2',
                               'msg': 'OpenShift: pw\nLiteLLM virtual key: sk-user2'}
    assert merged['user3'] == dict(report[2]['data'], msg='LiteLLM virtual key: sk-user3')
    assert written['users']['user2']['litellm_virtual_key'] == 'sk-old'  # the input is left as it was


def test_a_file_without_the_first_user_as_given_is_not_agnosticd_s():
    report = users('user1', 'user2')
    assert agnosticd_users({}, report) == {}
    assert agnosticd_users(None, report) == {}
    assert agnosticd_users({'users': {'user2': {}}}, report) == {}
    assert agnosticd_users({'users': {'user1': {'litellm_virtual_key': 'sk-other', 'litellm_key_alias': 'g-user1'}}},
                           report) == {}
    assert agnosticd_users({'users': 'not a mapping'}, report) == {}
    assert agnosticd_users({'users': {}}, []) == {}
