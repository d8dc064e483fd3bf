"""Helpers of the packaging checks: the checkout's location, commands of the tools venv, a clean copy."""
import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args, cwd=None, env=None):
    """Run a command, failing the test with its output when it fails; return its stdout."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, '%s failed (%s):\n%s\n%s' % (' '.join(args), proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def copy_checkout(dest):
    """Copy the files git would commit (tracked or new, not ignored) to dest."""
    names = run('git', 'ls-files', '-co', '--exclude-standard', '-z', cwd=REPO).split('\0')
    for name in filter(None, names):
        src = os.path.join(REPO, name)
        if not os.path.lexists(src):  # deleted in the working tree, not yet in git
            continue
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)
