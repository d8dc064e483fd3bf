"""Make a plain kube-apiserver look enough like OpenShift for the litemaas role.

Loads the OpenShift CRDs (Route, OAuthClient, Ingress and Infrastructure config) from
tests/data/openshift-crds, waits until they are Established, then creates what an OpenShift
cluster always has: the Ingress config "cluster" (spec.domain = the apps domain) and the
Infrastructure "cluster" with status.apiServerURL (written through the status subresource).

    python prepare_cluster.py --apps-domain apps.example.test
    python prepare_cluster.py --crds-only          # CRDs, but no Ingress/Infrastructure objects

KUBECONFIG (or --kubeconfig) selects the cluster. Idempotent.
"""

import argparse
import glob
import os
import sys
import time

import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CRDS = os.path.join(HERE, "..", "..", "data", "openshift-crds")


def load_crds(crd_dir, timeout=60):
    ext = client.ApiextensionsV1Api()
    names = []
    for path in sorted(glob.glob(os.path.join(crd_dir, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                name = doc["metadata"]["name"]
                names.append(name)
                try:
                    ext.create_custom_resource_definition(doc)
                except ApiException as exc:
                    if exc.status != 409:
                        raise
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in list(pending):
            crd = ext.read_custom_resource_definition(name)
            if any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or [])):
                pending.discard(name)
        if pending:
            time.sleep(0.2)
    if pending:
        raise SystemExit("CRDs not Established after %ss: %s" % (timeout, ", ".join(sorted(pending))))
    return names


def _ensure_cluster_object(api, plural, body):
    try:
        api.create_cluster_custom_object("config.openshift.io", "v1", plural, body)
    except ApiException as exc:
        if exc.status != 409:
            raise
        api.patch_cluster_custom_object("config.openshift.io", "v1", plural, "cluster", {"spec": body["spec"]})


def openshift_config(apps_domain, api_server_url):
    api = client.CustomObjectsApi()
    _ensure_cluster_object(
        api, "ingresses",
        {"apiVersion": "config.openshift.io/v1", "kind": "Ingress", "metadata": {"name": "cluster"},
         "spec": {"domain": apps_domain}})
    _ensure_cluster_object(
        api, "infrastructures",
        {"apiVersion": "config.openshift.io/v1", "kind": "Infrastructure", "metadata": {"name": "cluster"},
         "spec": {"platformSpec": {"type": "None"}}})
    api.patch_cluster_custom_object_status(
        "config.openshift.io", "v1", "infrastructures", "cluster",
        {"status": {"apiServerURL": api_server_url, "apiServerInternalURI": api_server_url,
                    "infrastructureName": "local-test", "platform": "None",
                    "platformStatus": {"type": "None"}}})


def delete_ingress_config():
    try:
        client.CustomObjectsApi().delete_cluster_custom_object("config.openshift.io", "v1", "ingresses", "cluster")
    except ApiException as exc:
        if exc.status != 404:
            raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps-domain", default="apps.example.test")
    parser.add_argument("--api-server-url", default=None, help="default: https://api.<cluster domain>:6443")
    parser.add_argument("--crd-dir", default=DEFAULT_CRDS)
    parser.add_argument("--crds-only", action="store_true")
    parser.add_argument("--kubeconfig")
    args = parser.parse_args(argv)
    config.load_kube_config(config_file=args.kubeconfig)
    names = load_crds(args.crd_dir)
    print("prepare_cluster: CRDs established: %s" % ", ".join(sorted(names)))
    if not args.crds_only:
        api_url = args.api_server_url or "https://api.%s:6443" % args.apps_domain.split(".", 1)[-1]
        openshift_config(args.apps_domain, api_url)
        print("prepare_cluster: Ingress cluster domain=%s, Infrastructure cluster apiServerURL=%s" % (args.apps_domain, api_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
