"""When the grader itself fails, does it say so in one line, exit non-zero, lose nothing, and resume?

* an output folder that cannot be written: refused before any kernel runs;
* a disk that fills while the outputs are written: no output replaced, no
  temporary file left, and the same command afterwards resumes from the cache;
* a kernel that fails to start: tried again (a busy machine), and reported
  with its start-up log when it never starts.
"""
from __future__ import annotations

import asyncio
import errno
import os
import queue
import shutil
from pathlib import Path

import pytest

from autograder.core import atomic
from autograder.cli import main
from autograder.runners import grade_submissions
from autograder.kernel import sandbox
from fixtures.grade import lab as fx

pytestmark = pytest.mark.xdist_group("grade_failures")


@pytest.fixture
def subs(root, tmp_path) -> list[Path]:
    folder = tmp_path / "subs"
    return fx.write(folder, {"solution": fx.read(root, "solution"), "release": fx.read(root, "release")})


def grade(root, subs, out, **kw):
    return grade_submissions(lab=fx.LAB, submissions=subs, out=out, root=root, workers=2, timeout=120, **kw)


def test_an_unwritable_output_folder_is_refused_before_grading(root, subs, tmp_path, capsys):
    """--out naming a file: does the CLI exit 1 with one line naming the folder, without a traceback?"""
    out = tmp_path / "taken"
    out.write_text("not a folder")
    code = main(["--root", str(root), "grade", "--lab", fx.LAB, "--out", str(out), *map(str, subs)])
    err = capsys.readouterr().err
    assert code == 1
    assert str(out) in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_full_disk_while_writing_replaces_nothing_and_a_rerun_resumes(root, subs, tmp_path, monkeypatch):
    """The disk fills while the results are staged: are the previous outputs intact, no temp file left,
    and does the same command then resume from the cache?"""
    out = tmp_path / "out"
    first = grade(root, subs, out)
    assert first.ok, first.error
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".grade-cache" not in p.parts}
    (out / "feedback" / "solution.html").unlink()  # the second run must write it again ...
    subs[1].write_text(subs[1].read_text().replace('"cells": [', '"cells": [', 1) + "\n")  # ... and regrade one
    real_stage, calls = atomic.stage, []

    def fills_up(path, text):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_stage(path, text)

    monkeypatch.setattr(atomic, "stage", fills_up)
    second = grade(root, subs, out)
    assert not second.ok and "No space left on device" in second.error
    assert "no result file was overwritten" in second.error and "run the same command again" in second.error
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".grade-cache" not in p.parts}
    assert after == {p: b for p, b in before.items() if p.name != "solution.html"}
    assert not [p for p in out.rglob("*.tmp")], "a temporary file was left behind"
    monkeypatch.setattr(atomic, "stage", real_stage)
    third = grade(root, subs, out)
    assert third.ok and third.skipped == 2, "the rerun should take both results from the cache"
    assert (out / "feedback" / "solution.html").is_file()


def test_an_output_folder_that_vanishes_mid_run_is_written_whole(root, subs, tmp_path, monkeypatch):
    """The output folder is deleted while kernels run: does the run still end with every output, whole?"""
    out = tmp_path / "out"
    from autograder.runners import progress

    real_update = progress.Progress.update

    def update_and_vanish(self, *args, **kw):
        shutil.rmtree(out, ignore_errors=True)
        return real_update(self, *args, **kw)

    monkeypatch.setattr(progress.Progress, "update", update_and_vanish)
    run = grade(root, subs, out)
    assert run.ok, run.error
    assert {p.name for p in out.iterdir()} >= {"gradebook.csv", "results.json", "junit.xml", "feedback"}
    assert len((out / "gradebook.csv").read_text().strip().splitlines()) == 3


@pytest.fixture
def flaky_start(monkeypatch, tmp_path):
    """Kernels whose start fails the first ``fails`` times: a wrapper that exits before the kernel runs."""
    monkeypatch.setattr(sandbox, "START_PAUSE", 0.1)
    real = sandbox.kernel_command
    counter = tmp_path / "starts"

    def install(fails: int):
        script = (f'n=$(cat {counter} 2>/dev/null || echo 0); echo $((n+1)) > {counter}; '
                  f'if [ "$n" -lt {fails} ]; then echo "ImportError: simulated start-up failure" >&2; exit 3; fi; '
                  'exec "$@"')
        monkeypatch.setattr(sandbox, "kernel_command",
                            lambda conn, hide: ["/bin/sh", "-c", script, "flaky", *real(conn, hide)])
    return install, counter


def test_a_kernel_that_fails_to_start_once_is_retried(root, subs, tmp_path, flaky_start):
    """One failed start: is the submission still graded, with one more start than submissions?"""
    install, counter = flaky_start
    install(fails=1)
    run = grade(root, subs[:1], tmp_path / "out", unfenced=True)  # the wrapper wraps the unfenced command;
    # the retry loop around it is the fenced kernels' too
    assert run.ok, run.error
    assert [(r["status"], r["score"]) for r in run.results] == [("graded", 7)]
    assert counter.read_text().strip() == "2"


def test_a_kernel_that_never_starts_is_reported_with_its_log(root, subs, tmp_path, flaky_start):
    """A kernel that never starts: is the row an error naming the tries and the start-up log, and the run
    not ok (the grader, not the student, failed)?"""
    install, _ = flaky_start
    install(fails=99)
    run = grade(root, subs[:1], tmp_path / "out", unfenced=True)
    assert not run.ok
    (row,) = run.results
    assert row["status"] == "error" and row["score"] == 0
    assert f"did not start ({sandbox.START_TRIES} tries)" in row["detail"]
    assert "simulated start-up failure" in row["detail"]


def test_the_build_retries_a_kernel_that_dies_before_its_first_cell(monkeypatch):
    """nbclient's "Kernel died before replying to kernel_info" once: does the build's run go through?"""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.assign import execute

    monkeypatch.setattr(execute, "START_PAUSE", 0.1)
    real, calls = NotebookClient.async_start_new_kernel_client, []

    async def dies_once(self):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return await real(self)

    monkeypatch.setattr(NotebookClient, "async_start_new_kernel_client", dies_once)
    run = execute.execute_notebook(new_notebook(cells=[new_code_cell("print(6 * 7)")]), mode="student")
    assert len(calls) == 2 and run.nb.cells[0].outputs[0]["text"] == "42\n"


class _LateSubscriber:
    """A kernel client whose first kernel_info reply comes before its iopub subscription is joined."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.iopub: list[dict] = []

    def kernel_info(self) -> str:
        self.asked.append(f"info-{len(self.asked)}")
        if len(self.asked) > 1:  # joined by now: the handshake's status messages arrive
            self.iopub += [{"msg_type": "status"}, {"msg_type": "status"}]
        return self.asked[-1]

    async def get_shell_msg(self, timeout):
        return {"parent_header": {"msg_id": self.asked[-1]}}

    async def get_iopub_msg(self, timeout):
        if not self.iopub:
            raise queue.Empty
        return self.iopub.pop(0)


class _Alive:
    returncode = None

    def poll(self):
        return None


def test_a_kernel_unheard_on_iopub_is_asked_again_before_any_cell():
    """A shell reply without iopub messages: is the kernel asked again, so no cell's idle status is lost?

    (Without this, about one batch in ten ran a first cell into the
    time limit: the idle status was published before the grader subscribed.)"""
    kc = _LateSubscriber()
    assert asyncio.run(sandbox._wait_for_ready(kc, _Alive())) == ""
    assert len(kc.asked) == 2 and kc.iopub == []


def test_links_and_fifos_in_a_class_folder_never_hang_the_grader(root, tmp_path):
    """A FIFO named like a notebook, a FIFO beside it as a data file and a link to the solution: does the
    batch finish, refuse the link and the FIFO with their reasons, and grade the honest notebook?"""
    folder = tmp_path / "class"
    solution, = fx.write(folder, {"alice": fx.read(root, "solution")})
    os.mkfifo(folder / "bob.ipynb")
    os.mkfifo(folder / "numbers.csv")  # a data file the kernel's scratch copy would wait on
    (folder / "carol.ipynb").symlink_to(solution)
    run = grade(root, [folder], tmp_path / "out")
    assert run.ok, run.error
    by = {r["student"]: r for r in run.results}
    assert (by["alice"]["status"], by["alice"]["score"]) == ("graded", by["alice"]["max_score"])
    assert by["bob"]["status"] == "error" and "FIFO" in by["bob"]["detail"]
    assert by["carol"]["status"] == "error" and "symbolic link" in by["carol"]["detail"]
    assert (tmp_path / "out" / "feedback" / "bob.html").is_file()
