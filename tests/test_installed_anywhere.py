"""Does grading work wherever the course is installed, and does no kernel outlive its grader?

The fence binds the interpreter, the packages and the data read-only into each
kernel's new root, which also gets private ``/tmp`` and ``/dev/shm``. These
tests put those things where people really put them: a wheel in a venv under
``/tmp``, a checkout under a path with a space, data in ``/dev/shm`` or
``/var/tmp``, and grade (or run a kernel) fenced.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from autograder.kernel import fence, sandbox
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT
from wheels import build_wheel, tracked_copy

pytestmark = [pytest.mark.skipif(bool(fence.available()), reason=f"no fence on this host: {fence.available()}"),
              pytest.mark.xdist_group("installed_anywhere")]


def course_folder(where: Path) -> Path:
    """What an instructor grades from: the example lab's master and key, no packages."""
    for kind, suffix in (("source", ".ipynb"), ("keys", ".json")):
        (where / "labs" / kind).mkdir(parents=True)
        shutil.copy2(EXAMPLE_ROOT / "labs" / kind / f"{EXAMPLE_LAB}{suffix}", where / "labs" / kind)
    return where


def submissions(where: Path) -> list[Path]:
    """The built solution (full marks) and release (zero) as two students' notebooks."""
    where.mkdir(parents=True)
    for kind in ("solution", "release"):
        shutil.copy2(EXAMPLE_ROOT / "labs" / kind / f"{EXAMPLE_LAB}.ipynb", where / f"{kind}.ipynb")
    return sorted(where.glob("*.ipynb"))


def grade(python: str, root: Path, out: Path, subs: list[Path], *, env=None) -> dict[str, tuple]:
    """Run ``python -m autograder.cli grade`` fenced; ``{student: (status, score, max)}``."""
    done = subprocess.run([python, "-m", "autograder.cli", "--root", str(root), "grade", "--lab", EXAMPLE_LAB,
                           "--out", str(out), "--workers", "2", *map(str, subs)],
                          cwd=out.parent, env=env, capture_output=True, text=True, timeout=300)
    results = json.loads((out / "results.json").read_text())["submissions"] if done.returncode == 0 else []
    assert done.returncode == 0, done.stderr[-3000:]
    assert all(r["status"] == "graded" for r in results), [(r["student"], r["detail"][:800]) for r in results]
    return {r["student"]: (r["status"], r["score"], r["max_score"]) for r in results}


def expect_full_and_zero(graded: dict[str, tuple]) -> None:
    assert graded["solution"][1] == graded["solution"][2] > 0, graded
    assert graded["release"][1] == 0, graded


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A folder under /tmp whose name has a space and a non-ASCII letter."""
    path = Path(tempfile.mkdtemp(prefix="seqlabs instalación ", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def bare_venv(where: Path) -> tuple[str, str]:
    """A venv at ``where`` whose third-party packages come from the environment running the tests and
    that holds none of ours; its python and its site-packages folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = str(where / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # A path added by a .pth line is not a site folder: the editable install's finder there stays off.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n")
    done = subprocess.run([python, "-c", "import autograder"], capture_output=True, cwd=where)
    assert done.returncode != 0, "the bare venv sees our packages"
    return python, site


def test_wheel_in_a_venv_under_tmp_grades_fenced(place, tmp_path_factory):
    """A venv under /tmp holding the wheel: does the solution get full marks and the release zero, fenced?"""
    venv = place / "venv"
    python, site = bare_venv(venv)
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    where = subprocess.run([python, "-c", "import autograder, seqlabs; print(autograder.__file__, seqlabs.__file__)"],
                           capture_output=True, text=True, check=True, cwd=place).stdout
    assert where.count(site) == 2, f"the venv's python imported our packages from elsewhere: {where}"
    graded = grade(python, course_folder(place / "course"), place / "out", submissions(place / "subs"))
    expect_full_and_zero(graded)
    # A venv others cannot read (made in a `mktemp -d` folder, say) cannot be shown to the kernel's user:
    # refused before any kernel, naming the folder and the fix.
    venv.chmod(0o700)
    try:
        done = subprocess.run([python, "-m", "autograder.cli", "--root", str(place / "course"), "grade", "--lab",
                               EXAMPLE_LAB, "--out", str(place / "out-closed"), str(place / "subs")],
                              cwd=place, capture_output=True, text=True, timeout=120)
    finally:
        venv.chmod(0o755)
    assert done.returncode == 1 and f"cannot read {venv} (mode 0700)" in done.stderr and "chmod o+rX" in done.stderr
    assert not (place / "out-closed" / "results.json").exists()


def test_checkout_under_a_path_with_a_space_grades_fenced(place):
    """A checkout under '/tmp/... instalación .../my course', run from its folders (PYTHONPATH), with a
    Python that has none of our packages: do the kernels run on the checkout's, fenced?"""
    checkout = tracked_copy(place / "my course" / "seqlabs")
    python, _ = bare_venv(place / "bare venv")
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{checkout / 'src'}"}
    graded = grade(python, checkout, place / "out-checkout", submissions(place / "subs-checkout"), env=env)
    expect_full_and_zero(graded)


@pytest.mark.parametrize("parent", ["/tmp", "/var/tmp", "/dev/shm"])
def test_data_wherever_it_lives_is_seen_read_only(parent, tmp_path):
    """Data under /tmp, /var/tmp or /dev/shm (a name with a space): can the kernel read it but not write it?"""
    if not os.path.isdir(parent):
        pytest.skip(f"{parent} does not exist here")
    data = Path(tempfile.mkdtemp(prefix="seqlabs data ", dir=parent))
    data.chmod(0o755)  # the kernel runs as a user of its own
    try:
        (data / "corpus.txt").write_text("hola mundo\n")
        probe = (
            "import os, json, sys\n"
            f"d = {str(data)!r}\n"
            "text = open(os.path.join(d, 'corpus.txt')).read().strip()\n"
            "try:\n    open(os.path.join(d, 'new.txt'), 'w'); wrote = 1\n"
            "except OSError:\n    wrote = 0\n"
            "sys.audit('seqlabs.event', json.dumps({'event': 'block', 'block': text, 'points': wrote, 'error': None}))\n")
        run = asyncio.run(sandbox.execute([{"cell_type": "code", "source": probe}], workdir=tmp_path, restored={0},
                                          timeout=60, memory_mb=2048, env={**os.environ, "SEQLABS_DATA": str(data)},
                                          fenced=True))
        assert run.status == "ok", (run.detail, run.cell_errors)
        assert [(e["block"], e["points"]) for e in run.events] == [("hola mundo", 0)]
        assert not (data / "new.txt").exists()
    finally:
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("data", ["/tmp", "/dev", "/"])
def test_a_data_folder_holding_the_kernels_private_places_is_refused_first(data, tmp_path):
    """Data in /tmp itself: is grading refused before any kernel, naming the folder and the fix?"""
    from autograder.core.conditions import Conditions
    from autograder.runners.batch import grade_submissions

    problem = fence.path_problem(data)
    assert data in problem and "folder of their own" in problem
    root = course_folder(tmp_path / "course")
    conditions = Conditions(profile="fast", data="sha256:test", data_dir=Path(data))
    with pytest.MonkeyPatch.context() as mp:
        started = []
        mp.setattr(sandbox, "execute", lambda *a, **k: started.append(1))
        run = grade_submissions(lab=EXAMPLE_LAB, submissions=submissions(tmp_path / "subs"), out=tmp_path / "out",
                                root=root, conditions=conditions)
    assert not run.ok and data in run.error and not started
    (tmp_path / "data").mkdir(mode=0o755)
    assert fence.path_problem(str(tmp_path / "data")) == ""


def _kernels_under(pid: int) -> list[psutil.Process]:
    try:
        tree = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    return [p for p in tree if fence.UID_BASE <= p.uids().real < fence.UID_BASE + 1000]


def test_no_kernel_outlives_a_grader_killed_mid_batch(place):
    """The grader SIGKILLed while its kernels run a long cell: is every kernel gone soon after?"""
    subs = place / "subs-kill"
    subs.mkdir()
    release = json.loads((EXAMPLE_ROOT / "labs" / "release" / f"{EXAMPLE_LAB}.ipynb").read_text())
    release["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                             "source": "import time\ntime.sleep(600)"})
    for name in ("ann", "ben"):
        (subs / f"{name}.ipynb").write_text(json.dumps(release))
    out = place / "out-kill"
    grader = subprocess.Popen([sys.executable, "-m", "autograder.cli", "--root", str(EXAMPLE_ROOT), "grade",
                               "--lab", EXAMPLE_LAB, "--out", str(out), "--workers", "2", str(subs)],
                              cwd=place, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        kernels: list[psutil.Process] = []
        while len(kernels) < 2 and time.monotonic() < deadline and grader.poll() is None:
            time.sleep(0.5)
            kernels = _kernels_under(grader.pid)
        assert len(kernels) == 2, "the two kernels never started"
        helpers = [p for p in psutil.Process(grader.pid).children(recursive=True) if p not in kernels]
        time.sleep(2)  # well into the notebooks
        os.kill(grader.pid, signal.SIGKILL)  # the grader alone: an OOM kill, a cancelled job
        grader.wait()
        gone, alive = psutil.wait_procs(kernels + helpers, timeout=15)
        assert alive == [], f"left running after the grader died: {[(p.pid, p.uids().real) for p in alive]}"
    finally:
        if grader.poll() is None:
            grader.kill()


def test_user_install_under_tmp_grades_fenced(place, tmp_path_factory):
    """`pip install --user` (its user base under /tmp): does the kernel, whose HOME is its scratch folder,
    still find the packages, fenced?"""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    if sys.prefix == sys.base_prefix or not base.is_file():
        pytest.skip("needs the base interpreter of a venv (a user install outside any venv)")
    env = {**os.environ, "PYTHONUSERBASE": str(place / "user base"), "PIP_NO_INPUT": "1"}
    env.pop("VIRTUAL_ENV", None)
    site = subprocess.run([str(base), "-c", "import site; print(site.getusersitepackages())"], env=env,
                          capture_output=True, text=True, check=True, cwd=place).stdout.strip()
    if subprocess.run([str(base), "-c", "import autograder"], env=env, capture_output=True, cwd=place).returncode == 0:
        pytest.skip("the base interpreter already has our packages")
    wheel = build_wheel(tmp_path_factory.mktemp("wheel-user"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(base), "install", "-q", "--user", "--no-deps",
                    "--no-index", "--no-warn-script-location", str(wheel)], check=True, env=env)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n")
    graded = grade(str(base), course_folder(place / "course-user"), place / "out-user",
                   submissions(place / "subs-user"), env=env)
    expect_full_and_zero(graded)
