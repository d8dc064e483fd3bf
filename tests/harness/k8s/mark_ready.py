"""Play the kubelet for a test cluster that has none: mark Pods Running and Ready.

The local kube-apiserver has a kube-controller-manager but no scheduler or kubelet, so Pods stay
Pending and Deployments/StatefulSets never become ready. This helper writes what a kubelet would
write, through the pods/status subresource: phase Running, the Ready/ContainersReady/Initialized/
PodScheduled conditions and one ready containerStatus per container. The real ReplicaSet,
Deployment and StatefulSet controllers then roll that up into readyReplicas/availableReplicas,
exactly as on a real cluster, so roles can use their real readiness waits.

    python mark_ready.py --namespace rhpds --duration 600     # keep marking new Pods for up to 600 s
    python mark_ready.py --namespace rhpds --once             # one pass, then exit

Bounded: it exits after --duration seconds (default 600), on SIGTERM/SIGINT, or after one pass
with --once. It only touches Pods in the namespaces it is given. KUBECONFIG (or --kubeconfig)
selects the cluster.
"""

import argparse
import datetime
import signal
import sys
import time

from kubernetes import client, config
from kubernetes.client.rest import ApiException

_stop = False


def _handle_signal(signum, frame):  # pylint: disable=unused-argument
    global _stop  # pylint: disable=global-statement
    _stop = True


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_ready(pod):
    for cond in (pod.status.conditions or []) if pod.status else []:
        if cond.type == "Ready":
            return cond.status == "True"
    return False


def _status_patch(pod):
    now = _now()
    conditions = [
        {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
    ]

    def container_status(c, running):
        state = (
            {"running": {"startedAt": now}}
            if running
            else {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}
        )
        return {
            "name": c.name,
            "image": c.image,
            "imageID": "",
            "ready": running,
            "started": running,
            "restartCount": 0,
            "state": state,
        }

    status = {
        "phase": "Running",
        "conditions": conditions,
        "startTime": now,
        "podIP": "10.128.0.10",
        "hostIP": "127.0.0.1",
        "containerStatuses": [container_status(c, True) for c in pod.spec.containers],
    }
    if pod.spec.init_containers:
        status["initContainerStatuses"] = [container_status(c, False) for c in pod.spec.init_containers]
    return {"status": status}


def mark_namespace(api, namespace):
    """Mark every not-ready, not-terminating Pod in namespace ready. Returns the names marked."""
    marked = []
    try:
        pods = api.list_namespaced_pod(namespace).items
    except ApiException as exc:
        if exc.status == 404:
            return marked
        raise
    for pod in pods:
        if pod.metadata.deletion_timestamp or _is_ready(pod):
            continue
        try:
            api.patch_namespaced_pod_status(pod.metadata.name, namespace, _status_patch(pod))
            marked.append(pod.metadata.name)
        except ApiException as exc:
            if exc.status not in (404, 409):  # deleted or changed meanwhile: next pass
                raise
    return marked


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", "-n", action="append", required=True, help="namespace to watch (repeatable)")
    parser.add_argument("--duration", type=float, default=600, help="stop after this many seconds (default 600)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between passes (default 0.5)")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG)")
    parser.add_argument("--quiet", "-q", action="store_true")
    args = parser.parse_args(argv)

    config.load_kube_config(config_file=args.kubeconfig)
    api = client.CoreV1Api()
    signal.signal(signal.SIGTERM, _handle_signal)
    signal.signal(signal.SIGINT, _handle_signal)

    deadline = time.monotonic() + args.duration
    while not _stop and time.monotonic() < deadline:
        for ns in args.namespace:
            for name in mark_namespace(api, ns):
                if not args.quiet:
                    print("mark_ready: %s/%s Running and Ready" % (ns, name), flush=True)
        if args.once:
            break
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
