"""AgnosticD's own agnosticd_user_info (tests/data/agnosticd), installed where ansible-playbook finds it: v2 as the
collection agnosticd.core, v1 as a playbook action plugin. The plugin writes {output_dir}/{ACTION}-user-data.yaml
(the users' data and messages) and {ACTION}-user-info.yaml (the order's messages)."""
import os
import shutil

import yaml

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'agnosticd')


def install(dest):
    """Returns (collections path holding agnosticd.core, action plugin path of v1)."""
    v2 = os.path.join(dest, 'collections', 'ansible_collections', 'agnosticd', 'core', 'plugins', 'action')
    v1 = os.path.join(dest, 'action_plugins')
    for path, release in ((v2, 'v2'), (v1, 'v1')):
        os.makedirs(path, exist_ok=True)
        shutil.copyfile(os.path.join(DATA, release + '_agnosticd_user_info.py.upstream'),
                        os.path.join(path, 'agnosticd_user_info.py'))
    return os.path.join(dest, 'collections'), v1


def reported(output_dir, action='provision'):
    """(users: {user: data with its msg}, order data, order messages) from the files the plugin wrote."""
    data, info = {}, []
    path = os.path.join(output_dir, action + '-user-data.yaml')
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            data = yaml.safe_load(f) or {}
    path = os.path.join(output_dir, action + '-user-info.yaml')
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            info = yaml.safe_load(f) or []
    users = data.pop('users', {})
    return users, data, info


def clear(output_dir):
    """Remove what the plugin wrote, so the next run's report is its own."""
    for name in os.listdir(output_dir) if os.path.isdir(output_dir) else []:
        if name.endswith(('-user-data.yaml', '-user-info.yaml', '-user-body.yaml')):
            os.unlink(os.path.join(output_dir, name))
