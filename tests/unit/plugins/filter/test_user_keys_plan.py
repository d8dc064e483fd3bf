"""The role litellm_user_keys' filters: which value each key is to have before litellm_keys runs (write-ahead), and
which value each key gives its user afterwards."""
import base64
import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rhpds.litemaas.plugins.filter.user_keys_plan import (
    PENDING_ANNOTATION, user_keys_plan, user_keys_write_ahead)

STORED = 'sk-stored-value-0123456789'


def b64(value):
    return base64.b64encode(value.encode()).decode()


def token(value):
    return hashlib.sha256(value.encode()).hexdigest()


def secret(data, pending=()):
    return {'data': dict((k, b64(v)) for k, v in data.items()),
            'metadata': {'annotations': {PENDING_ANNOTATION: ','.join(pending)} if pending else {}}}


def entry(alias, action, value=None, **extra):
    return dict({'key_alias': alias, 'action': action, 'token': token(value) if value else None, 'status': 'active'},
                **extra)


def test_a_stored_value_is_kept_and_a_missing_one_is_made_and_written_ahead():
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1'}, {'key_alias': 'f-u2'}])
    u1, u2 = ahead['keys']
    assert u1 == {'key_alias': 'f-u1', 'key': STORED, 'key_mismatch': 'keep'}
    assert u2['key'].startswith('sk-') and len(u2['key']) >= 16 and u2['key_mismatch'] == 'keep'
    assert ahead['put'] == {'f-u2': b64(u2['key'])}
    assert ahead['annotations'] == {PENDING_ANNOTATION: 'f-u2'}
    assert ahead['written']['data'] == {'f-u1': b64(STORED), 'f-u2': b64(u2['key'])}


def test_nothing_to_write_when_every_value_is_stored():
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1'}])
    assert ahead['put'] == {} and ahead['annotations'] == {PENDING_ANNOTATION: None}


def test_a_pending_value_is_reused_for_the_create_a_killed_run_did_not_make():
    check = {'virtual_keys': [entry('f-u1', 'created')]}
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}, pending=['f-u1']), [{'key_alias': 'f-u1'}], check=check)
    assert ahead['keys'][0]['key'] == STORED and ahead['put'] == {}


def test_a_key_deleted_by_hand_gets_a_new_value_not_its_old_one():
    check = {'virtual_keys': [entry('f-u1', 'created')]}
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1'}], check=check,
                                  checked_secret=secret({'f-u1': STORED}))
    assert ahead['keys'][0]['key'] != STORED and list(ahead['put']) == ['f-u1']
    assert ahead['annotations'] == {PENDING_ANNOTATION: 'f-u1'}


def test_a_value_another_run_stored_since_the_check_is_taken_not_replaced():
    """Two provisions at once: this run's check saw no key and no value; the other run then stored its value,
    created the key and cleared its pending mark. This run takes that value (its create meets that key)."""
    check = {'virtual_keys': [entry('f-u1', 'created')]}
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1'}], check=check,
                                  checked_secret=secret({}))
    assert ahead['keys'][0]['key'] == STORED and ahead['put'] == {}


def test_rotate_and_regenerate_give_new_values_that_replace_the_key():
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1'}], rotate=True)
    assert ahead['keys'][0]['key'] != STORED and 'key_mismatch' not in ahead['keys'][0]
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1', 'regenerate': True}])
    assert ahead['keys'][0]['key'] != STORED and 'regenerate' not in ahead['keys'][0]


def test_an_unusable_stored_value_is_replaced_and_a_declared_one_is_used():
    ahead = user_keys_write_ahead(secret({'f-u1': 'garbage'}), [{'key_alias': 'f-u1'}])
    assert ahead['keys'][0]['key'].startswith('sk-') and list(ahead['put']) == ['f-u1']
    declared = 'sk-declared-value-000000'
    ahead = user_keys_write_ahead(secret({'f-u1': STORED}), [{'key_alias': 'f-u1', 'key': declared}])
    assert ahead['keys'][0] == {'key_alias': 'f-u1', 'key': declared} and ahead['put'] == {'f-u1': b64(declared)}


def test_write_ahead_refuses_entries_without_alias():
    with pytest.raises(AnsibleFilterError, match='each with key_alias'):
        user_keys_write_ahead({}, [{'models': ['m']}])


def test_plan_hands_out_matching_values_and_names_the_unusable_ones():
    applied = {'virtual_keys': [entry('f-u1', 'none', STORED), entry('f-u2', 'none', 'sk-someone-elses-value-00'),
                                entry('f-u3', 'none', 'sk-no-stored-value-00000'), entry('f-u4', 'deleted'),
                                entry('f-u5', 'failed', msg='f-u5: refused')]}
    plan = user_keys_plan(secret({'f-u1': STORED, 'f-u2': 'sk-stale-value-000000000', 'f-u4': STORED}), applied)
    by_alias = dict((k['key_alias'], k) for k in plan['keys'])
    assert by_alias['f-u1']['api_key'] == STORED and by_alias['f-u1']['problem'] is None
    assert by_alias['f-u2']['api_key'] is None and 'no longer this key' in by_alias['f-u2']['problem']
    assert by_alias['f-u3']['problem'] == 'its value is not stored in the Secret'
    assert by_alias['f-u5']['problem'] == 'f-u5: refused' and 'f-u4' not in by_alias
    assert plan['unusable'] == ['f-u2', 'f-u3'] and plan['remove'] == ['f-u4']


def test_plan_clears_the_pending_mark_of_keys_seen_and_keeps_it_for_keys_not_made():
    applied = {'virtual_keys': [entry('f-u1', 'created', STORED), entry('f-u2', 'failed', msg='x')]}
    plan = user_keys_plan(secret({'f-u1': STORED, 'f-u2': 'sk-pending-value-0000000'}, pending=['f-u1', 'f-u2']), applied)
    assert plan['annotations'] == {PENDING_ANNOTATION: 'f-u2'} and not plan['settled']
    applied = {'virtual_keys': [entry('f-u1', 'created')]}  # check mode: no key yet
    plan = user_keys_plan(secret({}, pending=['f-u1']), applied)
    assert plan['settled'] and plan['keys'][0]['problem'] is None and plan['keys'][0]['api_key'] is None


def test_plan_purges_entries_the_run_does_not_manage():
    applied = {'virtual_keys': [entry('f-u1', 'none', STORED)]}
    plan = user_keys_plan(secret({'f-u1': STORED, 'f-old': STORED}, pending=['f-old']), applied, purge=True)
    assert plan['remove'] == ['f-old'] and plan['annotations'] == {PENDING_ANNOTATION: None}


def test_plan_refuses_what_is_not_a_litellm_keys_result():
    with pytest.raises(AnsibleFilterError, match='needs the result'):
        user_keys_plan({}, {'msg': 'failed'})
