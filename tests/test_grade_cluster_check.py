"""Every worker is checked before it grades: fence, versions of what the labs import, data (cluster_check).

The cluster here is a scheduler and a worker in this process (a thread each,
on 127.0.0.1), whose fence is made unavailable by patching
``fence.available``: nothing here runs a kernel.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from autograder.core.conditions import Conditions
from autograder.runners import cluster as cl
from autograder.runners import cluster_check as cc
from autograder.kernel import fence
from autograder.runners import grade_submissions
from fixtures.grade import lab as fx

distributed = pytest.importorskip("distributed")

NO_FENCE = "this host does not allow new namespaces: unshare: Operation not permitted"


def test_a_local_build_suffix_is_the_same_release():
    """Does torch 2.13.0+cpu on a worker match 2.13.0 on the coordinator, while another spaCy does not?"""
    here = (("torch", "2.13.0+cpu"), ("spacy", "3.8.18"), ("numpy", "2.4.6"))
    there = (("torch", "2.13.0"), ("spacy", "3.7.0"), ("numpy", "2.4.6"), ("gensim", "4.4.0"))
    assert cc.differences(here, there) == ["spacy 3.8.18 here, 3.7.0 on the coordinator",
                                           "gensim missing here, 4.4.0 on the coordinator"]
    assert cc.differences(here, (("torch", "2.13.0+cu121"),)) == []
    assert cc.differences(here, (("torch", "2.12.0"),)) == ["torch 2.13.0+cpu here, 2.12.0 on the coordinator"]


def test_the_versions_compared_cover_every_library_the_labs_import():
    """Are Python, our code's hash, seqlabs, torch, NumPy, spaCy, gensim, NLTK and ipykernel all compared?"""
    names = [name for name, _ in cc.versions()]
    for wanted in ("python", "autograder+seqlabs code", "seqlabs", "torch", "numpy", "spacy", "gensim", "nltk",
                   "ipykernel"):
        assert wanted in names


def test_each_reason_to_refuse_a_worker_is_named_with_its_fix():
    """Does a worker that cannot fence, has another gensim, or other data get one line naming each fix?"""
    mine = cc.versions()
    good = {"fence": "", "versions": mine, "data": "sha256:abc"}
    assert cc.refusal(good, versions_wanted=mine, data_wanted="sha256:abc", data_dir="/d") == ""
    line = cc.describe("tls://10.0.0.7:4000", good, "", fenced=True, data_dir="/d")
    assert line == "worker tls://10.0.0.7:4000: fence ok, versions as here, data as the key's (sha256:abc)"
    bad = {"fence": NO_FENCE, "versions": tuple((k, "0.0" if k == "gensim" else v) for k, v in mine),
           "data": "none (No such file or directory)"}
    why = cc.refusal(bad, versions_wanted=mine, data_wanted="sha256:abc", data_dir="/d")
    assert NO_FENCE in why and "--unfenced" in why and "securityContext" in why
    assert "gensim 0.0 here" in why and "constraints.txt" in why
    assert "the data at /d are not the key's" in why
    assert cc.describe("w", bad, why, fenced=True, data_dir="/d").startswith("worker w: REFUSED: ")
    assert cc.refusal(bad, versions_wanted=mine, data_wanted="", data_dir=None).count(";") == 1  # no data check


@pytest.fixture
def unfenceable(monkeypatch):
    """A cluster in this process whose worker cannot fence (``fence.available`` patched)."""
    from distributed import LocalCluster

    monkeypatch.setattr(fence, "available", lambda: NO_FENCE)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1", protocol="tcp://",
                      dashboard_address="127.0.0.1:0", memory_limit=0) as local:
        yield local


def test_a_worker_that_cannot_fence_is_refused_before_anything_is_submitted(unfenceable, root, tmp_path, caplog):
    """Is the batch refused (ok false, no output) with one line for the worker, naming the fence, before any
    job is submitted? The coordinator's own host is not what is asked (it can fence or not: the patch says no)."""
    caplog.set_level(logging.INFO, logger="autograder")
    paths = fx.write(tmp_path / "subs", {"alice": fx.read(root, "solution")})
    submitted = []
    real = distributed.Client.submit
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(distributed.Client, "submit", lambda *a, **k: submitted.append(a) or real(*a, **k))
        run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root,
                                scheduler=unfenceable.scheduler_address)
    assert not run.ok and "may not grade" in run.error and NO_FENCE in run.error
    assert "nothing was submitted" in run.error and submitted == []
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("worker tcp://127.0.0.1:")]
    assert len(lines) == 1 and "REFUSED: it cannot fence" in lines[0], lines
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_with_unfenced_the_same_worker_passes_the_check(unfenceable, root, tmp_path, caplog):
    """Does --unfenced make a worker without a fence acceptable (its line says unfenced)?"""
    import asyncio

    from autograder.runners.batch import load_lab

    caplog.set_level(logging.INFO, logger="autograder")
    lab = load_lab(fx.LAB, root)
    from dataclasses import replace

    lab = replace(lab, fenced=False)

    async def check():
        async with cl.connect(unfenceable.scheduler_address) as client:
            watch = cl._Watch(client, unfenceable.scheduler_address, lab, dashboard=False)
            await watch.first_workers()
            return watch

    watch = asyncio.run(check())
    assert not watch.stopped.is_set() and list(watch.checked.values()) == [""]
    assert any("unfenced (--unfenced)" in r.getMessage() for r in caplog.records)


def test_a_worker_that_cannot_fence_refuses_its_first_job(unfenceable):
    """A worker that joined after the check: does run_job refuse, saying why and how to fix it?"""
    from distributed import Client

    job = cl.KernelJob(label="late", cells=(), restored=frozenset(), files=(), conditions=Conditions(),
                       timeout=10, memory_mb=512, fenced=True, hide=(), versions=cc.versions())
    with Client(unfenceable) as client:
        with pytest.raises(cl.WorkerMismatch, match="cannot fence its kernels in") as err:
            client.submit(cl.run_job, job, pure=False).result(timeout=30)
    assert NO_FENCE in str(err.value) and "--unfenced" in str(err.value)


def test_all_grading_jobs_are_one_task_group():
    """Are the jobs' keys one Dask task group (so that worker-saturation queues them), whatever the student?"""
    from dask.utils import key_split

    keys = [("grade", student, "0" * 32) for student in ("alice", "bob-2", "c-1a2b3c4d")]
    assert {key_split(k) for k in keys} == {"grade"}
    import inspect

    assert 'key=("grade", sub.student' in inspect.getsource(cl.grade_all)


def test_a_worker_hides_its_certificates_from_the_kernels(tmp_path):
    """Does a TLS worker cover the folder of its certificates in its kernels (with them, code could join the
    cluster), and nothing a kernel runs on?"""
    import sys

    from distributed import Client, LocalCluster

    from autograder.runners import cluster_tls

    certs = tmp_path / "worker certs"
    cluster_tls.make_certs(certs)
    security = cluster_tls.security(certs)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1", protocol="tls://",
                      security=security, dashboard_address="127.0.0.1:0", memory_limit=0) as local:
        with Client(local, security=security) as client:
            hidden = client.submit(cl._worker_private, pure=False).result(timeout=30)
    assert certs.resolve() in hidden
    assert not any(h == p or h in p.parents for h in hidden for p in (Path(sys.prefix).resolve(),
                                                                    Path(cl.__file__).resolve()))


def test_a_worker_without_the_package_is_refused_by_name(unfenceable, root, tmp_path, monkeypatch):
    """Is a worker on which the check itself fails (no autograder there) refused, saying so, before grading?"""
    def missing(**_):
        raise ModuleNotFoundError("No module named 'autograder'")

    monkeypatch.setattr(cc, "facts", missing)
    paths = fx.write(tmp_path / "subs", {"alice": fx.read(root, "solution")})
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root,
                            scheduler=unfenceable.scheduler_address)
    assert not run.ok and "nothing was submitted" in run.error
    assert "cannot run the grader's check (ModuleNotFoundError: No module named 'autograder')" in run.error
    assert "pip install -c constraints.txt ." in run.error
