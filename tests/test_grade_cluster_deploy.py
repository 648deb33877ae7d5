"""docs/deploy as written: the Kubernetes manifests against the Kubernetes API schema, the worker image's contents.

The schema is the one the ``kubernetes-validate`` package ships (offline,
strict: an unknown field is an error) for its latest Kubernetes version. No
Kubernetes cluster runs here: what the fence needs from a pod is checked
field by field against what ``autograder.kernel.fence`` does, not by running
a pod.
"""
from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pytest
import yaml

from autograder.runners import cluster as cl
from autograder.runners import cluster_tls

DEPLOY = Path(__file__).parents[1] / "docs" / "deploy"
TLS_MOUNT = Path("/run/seqlabs-tls")


def _manifests() -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text())}


def test_every_manifest_is_valid_against_the_kubernetes_api_schema():
    """Does each object validate, strictly, against the shipped schema of the latest Kubernetes version?"""
    kv = pytest.importorskip("kubernetes_validate")
    docs = _manifests()
    assert len(docs) == 7
    for name, doc in docs.items():
        kv.validate(doc, kv.latest_version(), strict=True)
    broken = docs["Deployment", "dask-worker"]
    sc = broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    sc["procMnt"] = sc.pop("procMount")
    with pytest.raises(kv.ValidationError, match="procMnt"):  # the validation looks at the fields we rely on
        kv.validate(broken, kv.latest_version(), strict=True)


def _pod(kind_name: tuple[str, str]) -> dict:
    return _manifests()[kind_name]["spec"]["template"]["spec"]


def test_the_worker_pod_has_what_the_fence_needs():
    """Root in a user namespace of its own, CAP_SYS_ADMIN, an unmasked /proc, no AppArmor confinement; the
    certificates and data mounted where a fenced kernel does not see them or reads them only."""
    pod = _pod(("Deployment", "dask-worker"))
    (worker,) = pod["containers"]
    sc = worker["securityContext"]
    assert pod["hostUsers"] is False and sc["procMount"] == "Unmasked"
    assert sc["runAsUser"] == 0 and sc["runAsNonRoot"] is False and sc["privileged"] is False
    assert sc["capabilities"]["add"] == ["SYS_ADMIN"] and sc["allowPrivilegeEscalation"] is True
    assert sc["appArmorProfile"] == {"type": "Unconfined"} and sc["seccompProfile"] == {"type": "RuntimeDefault"}
    mounts = {m["mountPath"]: m for m in worker["volumeMounts"]}
    assert mounts[str(TLS_MOUNT)]["readOnly"] and mounts["/data/seqlabs"]["readOnly"]
    from autograder.kernel import fence

    for ro in fence.SYSTEM_RO:  # a fenced kernel sees these read-only: the key must not be among them
        assert not str(TLS_MOUNT).startswith(ro + "/")
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "seqlabs-tls"
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] in {n for k, n in _manifests() if
                                                                     k == "PersistentVolumeClaim"}
    assert pod["automountServiceAccountToken"] is False


def test_the_scheduler_pod_runs_unprivileged():
    pod = _pod(("Deployment", "dask-scheduler"))
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    (scheduler,) = pod["containers"]
    assert scheduler["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_the_pods_run_the_by_hand_recipe_with_tls_and_no_dashboard(tmp_path):
    """Are the pods' commands those of `autograder cluster certs` (TLS, no dashboard, HTTP on 127.0.0.1), options
    the `dask` CLI accepts, and does the worker reach the scheduler's Service?"""
    from distributed.cli.dask_scheduler import main as scheduler_cli
    from distributed.cli.dask_worker import main as worker_cli

    docs = _manifests()
    service = docs["Service", "dask-scheduler"]
    scheduler, worker = (_pod(("Deployment", n))["containers"][0] for n in ("dask-scheduler", "dask-worker"))
    assert service["spec"]["selector"] == docs["Deployment", "dask-scheduler"]["spec"]["template"]["metadata"]["labels"]
    port = service["spec"]["ports"][0]["port"]
    host = service["metadata"]["name"]
    expected = cluster_tls.scheduler_command(TLS_MOUNT, host=host, port=port)
    drop_host = expected.index("--host")
    assert scheduler["command"] == expected[:drop_host] + expected[drop_host + 2:]  # the pod's own address
    assert worker["command"] == cluster_tls.worker_command(TLS_MOUNT, host=host, port=port, nworkers=4)
    for name in (cluster_tls.CA, cluster_tls.CERT, cluster_tls.KEY):  # click wants the files to exist
        (tmp_path / name).write_text("")
    here = [str(tmp_path / Path(w).name) if w.startswith(str(TLS_MOUNT)) else w for w in scheduler["command"]]
    scheduler_cli.make_context("dask scheduler", here[2:])  # click refuses an unknown option
    here = [str(tmp_path / Path(w).name) if w.startswith(str(TLS_MOUNT)) else w for w in worker["command"]]
    worker_cli.make_context("dask worker", here[2:])
    assert cl.parse_scheduler(worker["command"][2])[0] == "address"
    env = {e["name"]: e["value"] for c in (scheduler, worker) for e in c["env"]}
    assert env == {**cluster_tls.SCHEDULER_ENV, **cluster_tls.WORKER_ENV}


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches decides; ``!`` re-includes."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        if fnmatch.fnmatchcase(path, pattern) or any(fnmatch.fnmatchcase(path[:i], pattern)
                                                     for i in range(len(path)) if path[i] == "/"):
            ignored = not negate
    return ignored


def test_the_worker_image_gets_no_lab_key_or_certificate(repo_root):
    """Does the build context (Dockerfile.worker.dockerignore) admit only the wheel and the pins, so that nothing
    of labs/, no key, no certificate reaches the image; and does the image keep root for the fence?"""
    patterns = [ln.strip() for ln in (DEPLOY / "Dockerfile.worker.dockerignore").read_text().splitlines()
                if ln.strip() and not ln.startswith("#")]
    tracked = subprocess.run(["git", "ls-files"], cwd=repo_root, capture_output=True, text=True,
                             check=True).stdout.split()
    candidates = tracked + ["dist/seqlabs-0.1.0-py3-none-any.whl", "certs/cluster-key.pem", "out/lab0/results.json"]
    sent = sorted(p for p in candidates if not _ignored(p, patterns))
    assert sent == ["constraints.txt", "dist/seqlabs-0.1.0-py3-none-any.whl"]
    assert any(p.startswith("labs/keys/") for p in tracked)  # there was something to keep out
    dockerfile = (DEPLOY / "Dockerfile.worker").read_text()
    copied = [w for ln in dockerfile.splitlines() if ln.startswith(("COPY", "ADD")) for w in ln.split()[1:-1]]
    assert copied and all(not _ignored(p, patterns) for p in copied), copied
    assert not any(ln.startswith("USER") for ln in dockerfile.splitlines())  # the fence needs root
