"""Stand-in for ansible-test's pip bootstrap script, which it downloads from a host this network cannot reach.

ansible-test runs it as `python get-pip.py [--no-setuptools] [--no-wheel] <packages...>` in a venv created
without pip. This installs the pip that ships with Python, then lets it install the requested packages from
the package index.
"""
import ensurepip
import os
import runpy
import sys

saved_environment = dict(os.environ)
ensurepip.bootstrap()
# ensurepip sets PIP_CONFIG_FILE=/dev/null, which would drop the machine's pip configuration (index, CA).
os.environ.clear()
os.environ.update(saved_environment)
packages = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
sys.argv = ['pip', 'install', '--upgrade'] + packages
runpy.run_module('pip', run_name='__main__', alter_sys=True)
