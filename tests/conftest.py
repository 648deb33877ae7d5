"""Shared fixtures: the repository root, a scratch copy of labs/, lab0_example built once, a fresh autograder."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.core import events
from autograder.notebook import tally

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_LAB = "lab0_example"
# The tests' own frozen copy of the example lab and its built files: tests that assert facts about the
# example (its checks, its points) use it, so the real labs/source/lab0_example.ipynb stays free to edit.
EXAMPLE_ROOT = Path(__file__).resolve().parent / "fixtures" / "example"


# seqlabs.seeding.seed_everything sets these for the subprocesses of a kernel, by design: restored quietly
SET_BY_SEEDING = frozenset({"PYTHONHASHSEED", "CUBLAS_WORKSPACE_CONFIG"})
OUR_PREFIXES = ("SEQLABS_", "AUTOGRADER_", "JPY_", "LANG", "LC_")


@pytest.fixture(autouse=True)
def environment_left_as_found():
    """Every test leaves os.environ as it found it: restored, and the test that changed ours fails.

    A ``SEQLABS_DATA`` left set by the data-fetch test (``monkeypatch.delenv`` of an unset variable records
    nothing to undo) pointed every later test in its worker at that test's fetched files instead of the
    suite's own data. Set variables with ``monkeypatch.setenv``.
    """
    before = dict(os.environ)
    yield
    changed = sorted(k for k in before.keys() | os.environ.keys()
                     if before.get(k) != os.environ.get(k) and k != "PYTEST_CURRENT_TEST")  # pytest's own
    for name in changed:
        if name in before:
            os.environ[name] = before[name]
        else:
            del os.environ[name]
    # fail for what changes how our code runs: a variable that was there, or one of ours; a library's new
    # variable (PyTorch sets TORCHINDUCTOR_CACHE_DIR on first use) is only removed again
    changed = [name for name in changed if name not in SET_BY_SEEDING
               and (name in before or name.startswith(OUR_PREFIXES))]
    if changed:
        pytest.fail(f"this test changed environment variables it did not restore: {', '.join(changed)} "
                    "(use monkeypatch.setenv / monkeypatch.delenv after a setenv)", pytrace=False)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (holds labs/, autograder/, src/)."""
    return REPO_ROOT


def copy_labs(root: Path, *, labs: list[str] | None = None, generated: bool = True, src: Path | None = None,
              translations: bool = False) -> Path:
    """Copy ``src``'s labs/ (default: the repository's; only ``labs`` if given; generated notebooks and keys too
    iff ``generated``) under ``root``; with ``translations`` also the PO files (labs/i18n/<lang>/) and, iff
    ``generated``, the notebooks built in each language (labs/release/<lang>/, labs/solution/<lang>/)."""
    src = src or (EXAMPLE_ROOT if labs == [EXAMPLE_LAB] else REPO_ROOT)
    for kind in ("source", "release", "solution", "keys"):
        (root / "labs" / kind).mkdir(parents=True, exist_ok=True)
        if kind != "source" and not generated:
            continue
        for path in sorted((src / "labs" / kind).glob("*")):
            if path.is_file() and (labs is None or path.stem in labs):
                shutil.copy2(path, root / "labs" / kind / path.name)
    if translations:
        for path in sorted((src / "labs").glob("*/*/*")):
            kind, _lang = path.parts[-3], path.parts[-2]
            wanted = (path.suffix == ".po" and kind == "i18n") or (generated and kind in ("release", "solution"))
            if path.is_file() and wanted and (labs is None or path.stem in labs):
                (root / path.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, root / path.relative_to(src))
    return root


@pytest.fixture
def labs_copy(tmp_path: Path) -> Path:
    """A temporary root holding a copy of labs/ (masters, generated notebooks and keys); build it freely."""
    return copy_labs(tmp_path)


@dataclass
class BuiltLabs:
    """A root where some labs were built from the committed masters, with what the build printed."""
    root: Path
    log: list[str] = field(default_factory=list)

    def path(self, lab: str, kind: str) -> Path:
        from autograder.assign import lab_paths

        return lab_paths(self.root, lab)[kind]


@pytest.fixture(scope="session")
def built_labs(tmp_path_factory: pytest.TempPathFactory):
    """``get(lab) -> BuiltLabs``: the lab built (with verification) from its committed master, once a session."""
    from autograder.assign import build_labs

    cache: dict[str, BuiltLabs] = {}

    def get(lab: str) -> BuiltLabs:
        if lab not in cache:
            root = copy_labs(tmp_path_factory.mktemp(f"built-{lab}"), labs=[lab], generated=False)
            built = BuiltLabs(root)
            report = build_labs(labs=[lab], root=root, log=built.log.append)
            assert report.ok, "\n".join(map(str, report.errors.values()))
            cache[lab] = built
        return cache[lab]

    return get


@pytest.fixture(scope="session")
def built_lab0(built_labs) -> BuiltLabs:
    """lab0_example built from its master into a temporary root."""
    return built_labs(EXAMPLE_LAB)


@pytest.fixture
def fresh_autograder(monkeypatch):
    """Student mode outside nbgrader, the default profile, an empty tally and no captured events."""
    monkeypatch.setattr(tally, "TALLY", tally.Tally())
    for var in ("AUTOGRADER_MODE", "SEQLABS_PROFILE", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(var, raising=False)
    events.clear()
    yield
    events.clear()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A root holding the example lab's source, key, release and solution (the grader's tests grade it)."""
    from fixtures.grade import lab as fx

    return fx.built_root(tmp_path_factory.mktemp("lab"))


def is_kernel(proc) -> bool:
    """Does ``proc`` run as a graded kernel's uid (``autograder.kernel.fence.UID_BASE`` ...)?"""
    from autograder.kernel.fence import UID_BASE

    return UID_BASE <= proc.uids().real < UID_BASE + 1000


def is_fence(proc) -> bool:
    """Is ``proc`` the fence around a kernel (its ``unshare``, or the script that sets up the namespaces)?"""
    from autograder.kernel.fence import INNER

    return proc.name() == "unshare" or str(INNER) in proc.cmdline()


def kernel_processes() -> list:
    """Every process of a graded kernel's uid on this machine."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if is_kernel(proc):
                found.append(proc)
        except psutil.Error:  # gone meanwhile, or not ours to read
            pass
    return found


def started_by(session_pid: int, processes: list) -> list:
    """Those of ``processes`` a session answers for: its own descendants, and orphans (whose grader is gone).

    Another pytest on the machine (a test's nested ``pytest --collect-only``, a second suite, this one's own
    workers seen from a nested run) has kernels running meanwhile under its own living grader: they are that
    session's to check. An orphan, whose nearest ancestor outside the fence (the kernel's processes, its
    ``unshare`` and namespace script) is init, has no grader left to check it: every session reports it.
    """
    import psutil

    own = []
    for proc in processes:
        try:
            ancestors = proc.parents()
            outside = [a for a in ancestors if not (is_kernel(a) or is_fence(a))]
        except psutil.Error:  # gone meanwhile
            continue
        if any(a.pid == session_pid for a in ancestors) or not outside or outside[0].pid == 1:
            own.append(proc)
    return own


def pytest_sessionfinish(session, exitstatus):
    """The suite's last check: is every fenced kernel it started gone (none outlives its grader)?"""
    import psutil

    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks once, at the end
        return
    _, left = psutil.wait_procs(started_by(os.getpid(), kernel_processes()), timeout=15)  # a namespace's teardown is asynchronous
    if left:
        lines = []
        for proc in left:
            try:
                lines.append(f"pid {proc.pid} uid {proc.uids().real}: {' '.join(proc.cmdline())[:200]}")
            except psutil.Error:
                pass
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "fenced kernels are still running after the suite (a grader's kernel outlived it):\n" + "\n".join(lines)
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# How long each of the suite's longest xdist groups runs (wall seconds on two idle cores; docs/benchmarks.md,
# "The whole test suite" and the labs' sections). `make test` runs `--dist loadgroup --no-loadscope-reorder`:
# xdist then hands the groups out in collection order, one at a time to whichever worker is free, and
# `pytest_collection_modifyitems` below collects the longest first, so that the workers finish together
# (longest processing time first). xdist's own reorder sorts groups by their number of tests, which put
# these one-test rebuilds last, behind dozens of quick groups. A lab's rebuild covers every language of it
# (the build makes them all): a second language lengthens each rebuild by its build step, adds no group.
# Measured in `make test` with `--durations=60` at e6f2800 (a lab's rebuild group: its rebuild and its Spanish
# grading); installed_anywhere and build_lab0 from earlier runs.
GROUP_SECONDS = {
    "rebuild_lab5_attention": 165, "rebuild_lab6_transformer": 100, "rebuild_lab4_seq2seq": 90,
    "rebuild_lab1_rnn_lstm_numpy": 80, "rebuild_lab2_pytorch_lstm": 40, "rebuild_lab3_word2vec": 35,
    "browser": 200, "grade_cluster": 45, "installed_anywhere": 80, "build_lab0": 70,
    "rebuild_lab0_example": 15, "rebuild_fixture_example": 15,
}
SLOW_TEST_SECONDS = 60  # an ungrouped test marked slow (a catalogue of broken models, a lab graded in class)
TEST_SECONDS = 0.2  # any other test


def xdist_group_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return None
    return marker.args[0] if marker.args else marker.kwargs.get("name")


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixtures: this order is the one xdist sees
def pytest_collection_modifyitems(session, config, items):
    """Collect the longest xdist groups (and modules of slow ungrouped tests) first; see ``GROUP_SECONDS``.

    An ungrouped test moves with its module, so that a module's fixtures are still set up once per worker.
    """
    def unit(item: pytest.Item) -> str:
        return xdist_group_of(item) or item.nodeid.split("::")[0]

    cost: dict[str, float] = {}
    for item in items:
        group = xdist_group_of(item)
        if group in GROUP_SECONDS:
            cost[unit(item)] = GROUP_SECONDS[group]
        else:
            cost[unit(item)] = cost.get(unit(item), 0) + (SLOW_TEST_SECONDS if item.get_closest_marker("slow")
                                                          else TEST_SECONDS)
    items.sort(key=lambda item: -cost[unit(item)])  # stable: a group or a module keeps its order
