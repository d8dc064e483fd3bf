"""Start and stop the test cluster of k8s-local.sh from Python (the k8s tier's and the litellm tier's fixtures).

    with local_cluster(run_dir, apps_domain) as kubeconfig:
        ...   # a kube-apiserver with the OpenShift CRDs and the Ingress config "cluster"

K8S_TEST_KUBECONFIG names a running cluster to reuse instead (it is prepared, never stopped).
"""
import contextlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def prepare(kubeconfig, apps_domain, python=sys.executable):
    """Load the OpenShift CRDs and (re)create the config objects, the Ingress "cluster" among them."""
    subprocess.run([python, os.path.join(HERE, "prepare_cluster.py"), "--kubeconfig", kubeconfig,
                    "--apps-domain", apps_domain], check=True, timeout=120)


@contextlib.contextmanager
def local_cluster(run_dir, apps_domain, python=sys.executable):
    reuse = os.environ.get("K8S_TEST_KUBECONFIG")
    env = dict(os.environ, K8S_RUN_DIR=run_dir)
    if reuse:
        kubeconfig = reuse
    else:
        subprocess.run([os.path.join(HERE, "k8s-local.sh"), "start"], env=env, check=True, timeout=300)
        kubeconfig = os.path.join(run_dir, "kubeconfig")
    try:
        prepare(kubeconfig, apps_domain, python)
        yield kubeconfig
    finally:
        if not reuse:
            subprocess.run([os.path.join(HERE, "k8s-local.sh"), "stop"], env=env, check=False, timeout=120)
