"""Does `autograder grade` grade the example lab right, the same for any worker count, and resume?

The kernel-backed tests share one graded batch (module scope); the discovery
tests need no kernel.
"""
from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.runners import grade_submissions
from autograder.kernel import sandbox
from autograder.runners.batch import private_folders
from autograder.grade.discover import discover
from fixtures.grade import lab as fx

pytestmark = pytest.mark.xdist_group("grade")  # one worker: the graded batch is built once


@pytest.fixture(scope="module")
def subs(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("subs")
    return fx.write(folder, {"solution": fx.read(root, "solution"), "release": fx.read(root, "release")})


@pytest.fixture(scope="module")
def graded(root, subs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    run = grade_submissions(lab=fx.LAB, submissions=subs, out=out, root=root, workers=2, timeout=120)
    return run


def _by(run):
    return {r["student"]: r for r in run.results}


def test_solution_gets_full_marks_and_release_zero(graded, root):
    """Does the built solution score full marks and the release zero, both graded?"""
    assert graded.ok, graded.error
    by = _by(graded)
    key = json.loads((root / "labs" / "keys" / f"{fx.LAB}.json").read_text())
    full = by["solution"]["max_score"]
    assert full > 0 and full == sum(b["points"] for b in key["blocks"].values())
    assert (by["solution"]["status"], by["solution"]["score"]) == ("graded", full)
    assert (by["release"]["status"], by["release"]["score"]) == ("graded", 0)
    assert all(b["ok"] for b in by["solution"]["blocks"].values())
    assert not any(b["ok"] for b in by["release"]["blocks"].values())


def test_manual_cells_are_pending_with_their_points(graded):
    """Is the hand-graded answer listed as pending with its points, and not scored?"""
    r = _by(graded)["solution"]
    assert r["manual"] == {"q5_answer": {"points": 2.0, "status": "pending"}}
    rows = list(csv.DictReader((graded.out / "gradebook.csv").open()))
    assert {row["q5_answer (manual)"] for row in rows} == {"pending"}


def _essence(run):
    return {r["student"]: (r["status"], r["score"], {b: (v["earned"], v["checks"]) for b, v in r["blocks"].items()})
            for r in run.results}


def test_results_do_not_depend_on_workers(graded, root, subs, tmp_path):
    """Do 1 and 2 workers give identical results?"""
    one = grade_submissions(lab=fx.LAB, submissions=subs, out=tmp_path, root=root, workers=1, timeout=120)
    assert _essence(one) == _essence(graded)


def test_grading_works_where_an_event_loop_already_runs(graded, root, subs, tmp_path):
    """Does a caller with a running event loop (a Jupyter cell, Playwright's sync API) get the same grades?"""
    async def from_a_running_loop():
        return grade_submissions(lab=fx.LAB, submissions=subs, out=tmp_path, root=root, workers=2, timeout=120)

    run = asyncio.run(from_a_running_loop())
    assert run.ok, run.error
    assert _essence(run) == _essence(graded)


def test_rerun_skips_unchanged_submissions(graded, root, subs, tmp_path):
    """Does a re-run take unchanged submissions from the cache, and regrade a changed one?"""
    again = grade_submissions(lab=fx.LAB, submissions=subs, out=graded.out, root=root, workers=2, timeout=120)
    assert again.ok and again.skipped == 2 and _essence(again) == _essence(graded)
    changed = tmp_path / "release.ipynb"
    nb = nbformat.read(subs[1], as_version=4)
    nb.metadata["touched"] = True
    nbformat.write(nb, changed)
    mixed = grade_submissions(lab=fx.LAB, submissions=[subs[0], changed], out=graded.out, root=root,
                              workers=2, timeout=120)
    assert mixed.skipped == 1 and _essence(mixed) == _essence(graded)


def test_cli_exit_codes(graded, root, subs, tmp_path):
    """Does the CLI exit 0 when every submission got a result, non-zero when the grader cannot run?"""
    assert main(["--root", str(root), "grade", "--lab", fx.LAB, "--out", str(graded.out), *map(str, subs)]) == 0
    assert main(["--root", str(tmp_path), "grade", "--lab", fx.LAB, "--out", str(tmp_path / "o"),
                 *map(str, subs)]) == 1  # no key under this root


def _report(block: str, points: str) -> str:
    """Probe code (run as a restored cell) that reports ``block``/``points`` on the grader's sealed channel."""
    return ("def _n(p):\n    try:\n        return len(__import__('os').listdir(p))\n"
            "    except OSError:\n        return 0\n"
            f"__import__('sys').audit('seqlabs.event', __import__('json').dumps({{'event': 'block', "
            f"'block': {block}, 'points': {points}, 'error': None}}))\n")


FENCES = [pytest.param(True, id="fenced"), pytest.param(False, id="partial")]


def _skip_unless(fenced: bool) -> None:
    from autograder.kernel import fence

    if fenced and fence.available():
        pytest.skip(f"no fence on this host: {fence.available()}")
    if not fenced and not sandbox.partial_fence():
        pytest.skip("unshare is not permitted here: kernels run unfenced (documented)")


@pytest.mark.parametrize("fenced", FENCES)
def test_kernel_is_fenced(root, tmp_path, fenced):
    """Can a kernel neither reach the network nor read the answer key?"""
    _skip_unless(fenced)
    probe = (
        "import socket, os\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); net = 'open'\n"
        "except OSError as e:\n    net = 'blocked'\n"
        + _report("net", f"_n({str(root / 'labs' / 'keys')!r})")
    )
    run = asyncio.run(sandbox.execute([{"cell_type": "code", "source": probe}], workdir=tmp_path, restored={0},
                                      timeout=30, memory_mb=2048, env=dict(os.environ), hide=fx_hide(root),
                                      fenced=fenced))
    assert run.status == "ok", (run.detail, run.cell_errors)
    assert [(e["block"], e["points"]) for e in run.events] == [("blocked", 0)]


def fx_hide(root: Path) -> list[Path]:
    labs = root.resolve() / "labs"
    return [labs / "source", labs / "keys", labs / "solution"]


def _nb(path: Path, metadata=None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(metadata or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_discover_names_students(tmp_path):
    """Is the student id the file stem (never a name in the metadata), the folder for `<lab>.ipynb`?"""
    a = _nb(tmp_path / "subs" / "alice.ipynb")
    b = _nb(tmp_path / "subs" / "x.ipynb", {"autograder": {"student": "bob/../../evil"}})
    c = _nb(tmp_path / "submitted" / "carol" / "lab0.ipynb")
    _nb(tmp_path / "subs" / ".ipynb_checkpoints" / "alice-checkpoint.ipynb")
    d = _nb(tmp_path / "more" / "alice.ipynb")
    found = discover([tmp_path / "subs", tmp_path / "submitted", d], lab="lab0")
    assert {s.path: s.student for s in found} == {
        d.resolve(): "alice", b.resolve(): "x", c.resolve(): "carol", a.resolve(): "alice-2"}
    assert all("/" not in s.student for s in found)


@pytest.mark.slow
def test_demo_builds_grades_and_prints_the_gradebook(tmp_path, capsys):
    """Does `autograder demo` build the example lab, grade solution (full) and release (zero), print a table?"""
    from autograder.demo import run_demo

    (tmp_path / "labs" / "source").mkdir(parents=True)
    (tmp_path / "labs" / "source" / f"{fx.LAB}.ipynb").write_bytes(
        (fx.EXAMPLE / "labs" / "source" / f"{fx.LAB}.ipynb").read_bytes())
    assert run_demo(root=tmp_path, out=tmp_path / "out")
    table = capsys.readouterr().out
    assert "solution" in table and "release" in table and "full ✓" in table and "zero ✓" in table
    assert (tmp_path / "out" / fx.LAB / "gradebook.csv").is_file()


def test_kernel_env_keeps_secrets_out(monkeypatch):
    """Does a kernel get grade mode and the key's conditions, but none of the grader's other variables?"""
    from autograder.core.conditions import Conditions
    from autograder.kernel.sandbox import graded_kernel_env

    monkeypatch.setenv("CI_DEPLOY_TOKEN", "hunter2")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("SEQLABS_PROFILE", "full")
    monkeypatch.setenv("SEQLABS_DATA", "/somewhere/else")
    monkeypatch.setenv("SEQLABS_PROGRESS", "bar")
    env = graded_kernel_env(Conditions())
    assert env["AUTOGRADER_MODE"] == "grade" and env["SEQLABS_PROFILE"] == "fast"
    assert env["SEQLABS_PROGRESS"] == "log" and "SEQLABS_DATA" not in env
    assert "CI_DEPLOY_TOKEN" not in env and "NBGRADER_EXECUTION" not in env and "PATH" in env


@pytest.mark.parametrize("fenced", FENCES)
def test_fenced_kernel_cannot_lift_its_limits(tmp_path, fenced):
    """Can student code neither unmount the hidden key folder nor raise its memory limit?"""
    _skip_unless(fenced)
    hidden = tmp_path / "keys"
    hidden.mkdir()
    (hidden / "lab.json").write_text("{}")
    probe = (
        "import os, resource, subprocess\n"
        f"subprocess.run(['umount', {str(hidden)!r}], capture_output=True)\n"
        "try:\n    resource.setrlimit(resource.RLIMIT_AS, (-1, -1)); lifted = 'lifted'\n"
        "except (ValueError, OSError):\n    lifted = 'kept'\n"
        + _report("lifted", f"_n({str(hidden)!r})")
    )
    work = tmp_path / "work"
    work.mkdir()
    run = asyncio.run(sandbox.execute([{"cell_type": "code", "source": probe}], workdir=work, restored={0},
                                      timeout=30, memory_mb=2048, env=dict(os.environ), hide=[hidden],
                                      fenced=fenced))
    assert run.status == "ok", (run.detail, run.cell_errors)
    assert [(e["block"], e["points"]) for e in run.events] == [("kept", 0)]


@pytest.mark.parametrize("fenced", FENCES)
def test_nothing_a_kernel_started_outlives_it(tmp_path, fenced):
    """Is a detached grandchild (its own session) gone once the notebook is done?"""
    import uuid

    import psutil

    marker = f"seqlabs-orphan-{uuid.uuid4().hex}"
    probe = ("import subprocess, sys\n"
             f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}],"
             " start_new_session=True)\n")
    _skip_unless(fenced)
    run = asyncio.run(sandbox.execute([{"cell_type": "code", "source": probe}], workdir=tmp_path, restored=set(),
                                      timeout=30, memory_mb=2048, env=dict(os.environ), fenced=fenced))
    assert run.status == "ok", (run.detail, run.cell_errors)
    found = [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]
    _, left = psutil.wait_procs(found, timeout=10)  # the namespace's teardown is asynchronous
    for p in left:
        p.kill()  # tidy up before failing
    if not fenced and "-p" not in sandbox.partial_fence():
        pytest.skip("no PID namespace here: a detached grandchild can outlive its kernel (documented)")
    assert left == []


@pytest.mark.parametrize("fenced", FENCES)
def test_classmates_and_results_are_hidden_from_kernels(root, tmp_path, fenced):
    """Are the submissions' folders and the output folder hidden from a kernel, but not what it runs on?"""
    folder = tmp_path / "class"
    _nb(folder / "alice.ipynb")
    _nb(folder / "bob.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    hidden = private_folders(discover([folder], lab=fx.LAB), out, root=root)
    assert hidden == sorted([folder.resolve(), out.resolve()])
    # A submission kept in the temporary folder itself, or in the repository, leaves that folder visible.
    for keep in (Path(tempfile.gettempdir()), Path(sys.prefix), root):
        assert private_folders([type("Sub", (), {"path": keep / "x.ipynb"})()], out, root=root) == [out.resolve()]
    _skip_unless(fenced)
    probe = _report("'seen'", f"_n({str(folder)!r}) + _n({str(out)!r})")
    workdir = Path(tempfile.mkdtemp())
    run = asyncio.run(sandbox.execute([{"cell_type": "code", "source": probe}], workdir=workdir, restored={0},
                                      timeout=30, memory_mb=2048, env=dict(os.environ), hide=hidden,
                                      fenced=fenced))
    assert run.status == "ok", (run.detail, run.cell_errors)
    assert [(e["block"], e["points"]) for e in run.events] == [("seen", 0)]
