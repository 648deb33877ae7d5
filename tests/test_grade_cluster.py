"""Grading on a Dask cluster: same outputs as local grading, nothing secret sent, faults lose nothing.

One cluster for the module: a scheduler in this process and two worker
processes (nannies), every one of them on 127.0.0.1, with
``allowed-failures`` 1 (a task whose worker dies twice is given up) so the
poison test stays short. Every byte this process writes to the cluster is
recorded (``distributed.comm.tcp.to_frames``) for the test that no key value
or solution reaches a worker.
"""
from __future__ import annotations

import json
import os
import re
import signal
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fixtures.grade import lab as fx

from autograder.runners import cluster as cl
from autograder.runners import grade_submissions
from autograder.core.folder_lock import LOCK
from autograder.core.values import decode

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
from distributed.comm import tcp  # noqa: E402

pytestmark = pytest.mark.xdist_group("grade_cluster")


# ---- no cluster needed -------------------------------------------------------------------------

@pytest.mark.parametrize("text, parsed", [
    ("local:2", ("local", 2)), (" local:16 ", ("local", 16)),
    ("tcp://127.0.0.1:8786", ("address", "tcp://127.0.0.1:8786")),
    ("tcp://scheduler.cluster.local:8786", ("address", "tcp://scheduler.cluster.local:8786")),
    ("tls://[::1]:8786", ("address", "tls://[::1]:8786")),
])
def test_scheduler_addresses_are_understood(text, parsed):
    """Are local:N and tcp://HOST:PORT (names, IPv6) read as what they say?"""
    assert cl.parse_scheduler(text) == parsed


@pytest.mark.parametrize("text", ["local:0", "local", "127.0.0.1", "http://127.0.0.1:8786", "tcp://127.0.0.1",
                                  "tcp://a b:1"])
def test_a_bad_scheduler_address_is_refused_before_anything_runs(text, tmp_path, caplog):
    """Is a malformed --scheduler refused at once, saying what an address looks like?"""
    run = grade_submissions(lab=fx.LAB, submissions=[tmp_path], out=tmp_path / "out", scheduler=text)
    assert not run.ok and "--scheduler" in run.error
    assert "tcp://" in caplog.text and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(root, tmp_path, monkeypatch, capsys):
    """Does a scheduler that is not there fail the run (not hang), naming the address and `dask scheduler`?"""
    monkeypatch.setattr(cl, "CONNECT_TIMEOUT", 2)
    paths = fx.write(tmp_path / "subs", {"release": fx.read(root, "release")})
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root,
                            scheduler="tcp://127.0.0.1:9")
    assert not run.ok and "tcp://127.0.0.1:9" in run.error and "dask scheduler" in run.error


def test_the_data_sent_with_a_submission_leaves_out_the_key_and_classmates(tmp_path):
    """Does a submission's folder travel without labs/keys (a repository root) or a classmate's folder?"""
    from autograder.grade.submission import folder_files

    for rel in ("data.csv", "more/table.txt", "labs/keys/lab.json", "labs/solution/lab.ipynb", "bob/bob.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "alice.ipynb").write_text("{}")
    hide = [tmp_path / "labs" / "keys", tmp_path / "labs" / "solution", tmp_path / "bob", tmp_path]
    sent = sorted(rel.as_posix() for _, rel in folder_files(tmp_path, skip=hide))
    assert sent == ["data.csv", "more/table.txt"]


# ---- on a cluster ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    """(LocalCluster, recorded frames): 2 worker processes on 127.0.0.1; all bytes this process sends."""
    from distributed import LocalCluster

    sent: list[bytes] = []
    real = tcp.to_frames

    async def recording(msg, **kwargs):
        frames = await real(msg, **kwargs)
        sent.append(b"".join(bytes(f) for f in frames))
        return frames

    config = {**cl.LOCAL_CONFIG, "distributed.scheduler.allowed-failures": 1,
              "distributed.comm.compression": False}
    with pytest.MonkeyPatch.context() as mp, dask.config.set(config):
        mp.setattr(tcp, "to_frames", recording)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0", memory_limit=0) as local:
            assert all(w.startswith("tcp://127.0.0.1:") for w in local.scheduler.workers)
            yield local, sent


def _wait_for_workers(local, n=2, timeout=60):
    deadline = time.monotonic() + timeout
    while len(local.scheduler.workers) < n:
        assert time.monotonic() < deadline, "the killed worker did not come back"
        time.sleep(0.2)


def _outputs(out: Path) -> dict[str, object]:
    """Every output file's content, results.json without timings (the only part allowed to differ)."""
    found = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(out.rglob("*")) if p.is_file() and ".grade-cache" not in p.parts
             and p.name != LOCK}  # the folder's lock, not an output
    results = json.loads(found.pop("results.json"))
    for r in results["submissions"]:
        r.pop("timings")
    found["results.json"] = results
    return found


@pytest.fixture(scope="module")
def adversarial(root, tmp_path_factory):
    """The example lab's honest and adversarial submissions, and their local grading (2 workers)."""
    folder = tmp_path_factory.mktemp("subs")
    paths = fx.write(folder, fx.variants(root)) + [fx.not_json(folder)]
    out = tmp_path_factory.mktemp("local")
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, workers=2, timeout=120,
                            memory_mb=1024)
    assert run.ok, run.error
    return paths, out


@pytest.fixture(scope="module")
def on_cluster(cluster, adversarial, root, tmp_path_factory):
    paths, _ = adversarial
    out = tmp_path_factory.mktemp("cluster")
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, timeout=120, memory_mb=1024,
                            scheduler=cluster[0].scheduler_address)
    return run, out


@pytest.mark.slow
def test_cluster_grading_writes_what_local_grading_writes(adversarial, on_cluster):
    """Are gradebook, results, feedback and JUnit the same as a local run's, timings apart?"""
    run, out = on_cluster
    assert run.ok, run.error
    by = {r["student"]: r for r in run.results}
    assert by["solution"]["score"] == by["solution"]["max_score"] > 0 and by["release"]["score"] == 0
    assert by["os_exit"]["status"] == "error" and "died" in by["os_exit"]["detail"]
    assert by["memory_hog"]["status"] == "error" and "memory" in by["memory_hog"]["detail"]
    local, remote = _outputs(adversarial[1]), _outputs(out)
    assert sorted(local) == sorted(remote) and len(local) == 3 + len(adversarial[0])
    for name in local:
        assert remote[name] == local[name], name


@pytest.mark.slow
def test_a_coordinator_rerun_resumes_from_the_cache(cluster, adversarial, on_cluster, root):
    """Does a second run into the same --out take every result from the cache and send no kernel?"""
    _, out = on_cluster
    before = _outputs(out)
    sent = cluster[1]
    sent.clear()
    run = grade_submissions(lab=fx.LAB, submissions=adversarial[0], out=out, root=root, timeout=120,
                            memory_mb=1024, scheduler=cluster[0].scheduler_address)
    assert run.ok and run.skipped == len(adversarial[0])
    assert not any(b"run_job" in frame for frame in sent)
    assert _outputs(out) == before


def _floats(value) -> list[float]:
    arr = np.asarray(value)
    return [float(x) for x in arr.ravel()] if arr.dtype.kind == "f" else []


def _secrets(root: Path) -> dict[bytes, str]:
    """Byte patterns that would mean a key value or a solution travelled, and what each one is."""
    key = json.loads((root / "labs" / "keys" / f"{fx.LAB}.json").read_text())
    found: dict[bytes, str] = {}
    for cid, check in key["checks"].items():
        for field in ("value", "target"):
            if field not in check:
                continue
            value = decode(check[field])
            for x in _floats(value):
                if x != int(x):  # integers and 0/1 labels are everywhere in any message
                    found[struct.pack("<d", x)] = f"{cid}.{field} {x!r} (binary)"
                    found[struct.pack(">d", x)] = f"{cid}.{field} {x!r} (binary, big-endian)"
                    found[repr(x).encode()] = f"{cid}.{field} {x!r} (text)"
            if isinstance(value, str):
                found[value.encode()] = f"{cid}.{field} {value!r}"
            arr = np.asarray(value)
            if arr.dtype.kind in "iu" and arr.size >= 16:
                found[arr.astype("<i8").tobytes()] = f"{cid}.{field} (int64 array)"
                found[json.dumps(arr.tolist()[:24])[1:-1].encode()] = f"{cid}.{field} (as text)"
    source = fx.read(root, "source")
    ungraded = {line.strip() for c in source.cells if "BEGIN SOLUTION" not in c.source
                for line in c.source.splitlines()}
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if "END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) >= 8 and line.strip() not in ungraded:
                found[line.strip().encode()] = f"solution line {line.strip()!r}"
            elif "BEGIN SOLUTION" in line:
                inside = True
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            found[cell.source.splitlines()[0].encode()] = "the model answer of a manual cell"
    return found


def _leaks(blob: bytes, secrets: dict[bytes, str]) -> list[str]:
    return [what for pattern, what in secrets.items() if pattern in blob]


@pytest.mark.slow
def test_no_key_value_or_solution_reaches_a_worker(cluster, root, tmp_path):
    """Does nothing this process sends the cluster hold a key value, a solution or a model answer?

    Graded: submissions without the answers (the release and three that cheat).
    The hidden test cells do travel, as code in the restored notebook: the
    kernel must run them, as it does locally; their expected values stay here.
    """
    release = fx.read(root, "release")
    subs = {k: v for k, v in fx.variants(root).items() if k in ("release", "test_edited", "fake_print",
                                                                 "redefines_check")}
    paths = fx.write(tmp_path / "subs", subs)
    local, sent = cluster
    sent.clear()
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root, timeout=120,
                            scheduler=local.scheduler_address)
    assert run.ok and len(run.results) == 4 and all(r["score"] == 0 for r in run.results)
    blob = b"\n".join(sent)
    secrets = _secrets(root)
    assert len(secrets) >= 20, secrets  # the search looks for something: the key has values, the source solutions
    key_text = (root / "labs" / "keys" / f"{fx.LAB}.json").read_bytes()
    assert len(_leaks(key_text + json.dumps(decode_all(key_text)).encode(), secrets)) >= 5  # it finds them
    assert _leaks(blob, secrets) == []
    # What must travel does: the restored test cells, hidden ones included, and no release token.
    hidden = next(c.source for c in fx.read(root, "source").cells if "BEGIN HIDDEN TESTS" in c.source)
    hidden_line = hidden.split("### BEGIN HIDDEN TESTS")[1].strip().splitlines()[1].strip()
    assert hidden_line.encode() in blob
    tokens = re.findall(r"[A-Za-z0-9+/=_-]{24,}", release.cells[fx.index_of(release, "setup")].source)
    assert tokens and not any(t.encode() in blob for t in tokens)


def decode_all(key_text: bytes):
    key = json.loads(key_text)
    return {cid: np.asarray(decode(c["value"])).tolist() for cid, c in key["checks"].items()}


def _grading(key, student_prefix: str) -> bool:
    """Is ``key`` a grading job's (``("grade", student, nonce)``) for a student whose name starts so?"""
    return isinstance(key, tuple) and key[0] == "grade" and str(key[1]).startswith(student_prefix)


def _killer(local, *, prefix: str, kills: int, after_s: float, killed: list):
    """Kill (SIGKILL) the worker process running the job of a student whose name starts with ``prefix``,
    ``kills`` times."""
    def loop():
        deadline = time.monotonic() + 240
        while len(killed) < kills and time.monotonic() < deadline:
            busy = [(ws, [ts.key for ts in ws.processing]) for ws in list(local.scheduler.workers.values())]
            target = next(((ws, keys) for ws, keys in busy if any(_grading(k, prefix) for k in keys)), None)
            if target is None:
                time.sleep(0.1)
                continue
            time.sleep(after_s)  # its kernel is running by then
            ws, keys = target
            if ws.address in local.scheduler.workers and any(
                    ts.key in keys for ts in local.scheduler.workers[ws.address].processing):
                os.kill(ws.pid, signal.SIGKILL)
                killed.append((ws.address, keys))
                while ws.address in local.scheduler.workers:
                    time.sleep(0.1)
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _orphans(label: str) -> list[int]:
    import psutil

    found = []
    for p in psutil.process_iter(["pid"]):
        try:
            if f"seqlabs-{label}" in p.cwd():
                found.append(p.pid)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_no_submission(cluster, root, tmp_path, capsys):
    """Does killing a worker while it runs a kernel still give every submission exactly one, right, result?"""
    local, _ = cluster
    _wait_for_workers(local)
    slow = {f"kill{i}": fx.with_cell(fx.read(root, "solution"), "q1_tests", f"import time\ntime.sleep(4)  # {i}")
            for i in range(4)}  # four different notebooks: four cache entries
    paths = fx.write(tmp_path / "subs", slow)
    killed: list = []
    thread = _killer(local, prefix="kill", kills=1, after_s=2.0, killed=killed)
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root, timeout=120,
                            scheduler=local.scheduler_address)
    thread.join(timeout=5)
    assert killed, "no worker was killed while running a kernel"
    assert run.ok, run.error
    assert sorted(r["student"] for r in run.results) == [f"kill{i}" for i in range(4)]
    assert all((r["status"], r["score"]) == ("graded", r["max_score"]) for r in run.results), [
        (r["student"], r["detail"]) for r in run.results]
    assert len(list((tmp_path / "out" / ".grade-cache").glob("*.json"))) == 4
    lines = [ln for ln in capsys.readouterr().err.splitlines() if re.match(r"\[\d+/4\] kill\d", ln)]
    assert len(lines) == 4 and all(" on 127.0.0.1:" in ln for ln in lines), lines
    _assert_no_orphans("kill")


def _assert_no_orphans(label: str) -> None:
    """The kernel of a killed worker dies with it (PR_SET_PDEATHSIG), instead of running on unwatched."""
    deadline = time.monotonic() + 10
    while _orphans(label) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _orphans(label) == []
    import shutil
    import tempfile

    for left in Path(tempfile.gettempdir()).glob(f"seqlabs-{label}*"):  # a killed worker cleans up nothing
        shutil.rmtree(left, ignore_errors=True)


@pytest.mark.slow
def test_a_submission_that_keeps_killing_workers_becomes_an_error_row(cluster, root, tmp_path):
    """Is a submission whose every worker dies given up after the allowed tries, the batch completing on the
    others, with a non-zero exit (the grader's failure, not the notebook's) and the row left out of the cache?"""
    local, _ = cluster
    _wait_for_workers(local)
    poison = fx.with_cell(fx.read(root, "solution"), "q1_tests", "import time\ntime.sleep(120)")
    paths = fx.write(tmp_path / "subs", {"poison": poison, "honest": fx.read(root, "solution")})
    killed: list = []
    thread = _killer(local, prefix="poison", kills=2, after_s=1.0, killed=killed)
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root, timeout=180,
                            scheduler=local.scheduler_address)
    thread.join(timeout=5)
    assert len(killed) == 2
    assert not run.ok and "poison" in run.error, run.error
    by = {r["student"]: r for r in run.results}
    assert (by["honest"]["status"], by["honest"]["score"]) == ("graded", by["honest"]["max_score"])
    assert by["poison"]["status"] == "error" and by["poison"]["score"] == 0
    assert "worker" in by["poison"]["detail"] and "2 tries" in by["poison"]["detail"], by["poison"]["detail"]
    cached = [json.loads(p.read_text())["result"]["student"] for p in (tmp_path / "out" / ".grade-cache").glob("*")]
    assert cached == ["honest"]  # the poison is tried again by a re-run
    _assert_no_orphans("poison")


@pytest.mark.slow
def test_the_command_line_grades_on_a_local_cluster(root, tmp_path, capsys):
    """Does `autograder grade --scheduler local:1` check its worker, grade, write the gradebook and exit 0, the
    local cluster speaking TLS?"""
    from autograder.cli import main

    paths = fx.write(tmp_path / "subs", {"alice": fx.read(root, "solution")})
    code = main(["--root", str(root), "grade", "--lab", fx.LAB, "--out", str(tmp_path / "out"),
                 "--scheduler", "local:1", *map(str, paths)])
    assert code == 0
    import csv

    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open()))
    assert [(r["student"], r["status"], r["score"] == r["max_score"] != "0") for r in rows] == [
        ("alice", "graded", True)]
    err = capsys.readouterr().err
    assert "per worker: 127.0.0.1:" in err
    # Checked before grading, and on TLS: another user of this machine cannot reach this run's scheduler.
    assert "note: worker tls://127.0.0.1:" in err and "fence ok" in err
