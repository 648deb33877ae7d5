"""docs/deploy/slurm_grade.py as written, against stand-in sbatch/squeue/scancel that run each job here.

The stand-ins (tests/fixtures/slurm) run the job script dask-jobqueue writes
in a process group of its own, so dask-jobqueue's real code path runs: the
SLURMCluster, its job script, adapt, the separate scheduler process, TLS,
and scancel at the end. ``STANDIN_SLURM_NO_FENCE=1`` gives the jobs an
``unshare`` that is refused, as on nodes without namespaces.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.runners import cluster_tls
from fixtures.grade import lab as fx

pytest.importorskip("dask_jobqueue")

STANDINS = Path(__file__).parent / "fixtures" / "slurm"


def _slurm_grade(repo_root: Path, root: Path, tmp_path: Path, *extra: str, no_fence: bool = False):
    certs = tmp_path / "my certs"
    cluster_tls.make_certs(certs)
    subs = fx.write(tmp_path / "subs", {"solution": fx.read(root, "solution"), "release": fx.read(root, "release")})
    jobs = tmp_path / "jobs"
    env = {**os.environ, "STANDIN_SLURM_DIR": str(jobs),
           "PATH": os.pathsep.join([str(STANDINS), str(Path(sys.executable).parent), os.environ["PATH"]])}
    if no_fence:
        env["STANDIN_SLURM_NO_FENCE"] = "1"
    cmd = [sys.executable, str(repo_root / "docs" / "deploy" / "slurm_grade.py"), "--tls", str(certs),
           "--root", str(root), "--lab", fx.LAB, "--out", str(tmp_path / "out"), "--jobs", "2", "--cores", "1",
           "--walltime", "00:30:00", *extra, *map(str, subs)]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
        started = sorted(p.stem for p in jobs.glob("*.pid"))
        cancelled = sorted((jobs / "cancelled").read_text().split()) if (jobs / "cancelled").exists() else []
    finally:  # whatever happened, no stand-in job outlives the test
        subprocess.run([str(STANDINS / "scancel"), *(p.stem for p in jobs.glob("*.pid"))], env=env)
    return done, jobs, started, cancelled


@pytest.mark.slow
def test_the_slurm_script_grades_the_example_lab(repo_root, root, tmp_path):
    """Does the script, with stand-in queue commands, grade solution full and release zero in `fast`, with TLS, the
    scheduler in a process of its own, workers that end before the walltime, and every job cancelled at the end?"""
    done, jobs, started, cancelled = _slurm_grade(repo_root, root, tmp_path, "--profile", "fast")
    assert done.returncode == 0, done.stderr[-3000:]
    by = {r["student"]: r for r in json.loads((tmp_path / "out" / "results.json").read_text())["submissions"]}
    assert by["solution"]["score"] == by["solution"]["max_score"] > 0 and by["release"]["score"] == 0
    import csv

    with (tmp_path / "out" / "gradebook.csv").open() as f:
        assert {row["profile"] for row in csv.DictReader(f)} == {"fast"}
    script = next(jobs.glob("*.sh")).read_text()
    assert "--protocol tls://" in script and "--tls-cert " in script and "'" in script  # quoted: a space in the path
    assert "--lifetime 1020s --lifetime-stagger 90s" in script and "--memory-limit 0" in script
    assert "scheduler at tls://" in done.stderr and "(its own process)" in done.stderr
    assert "fence ok, versions as here" in done.stderr
    assert "slurm: 1 job (1 with workers connected, 0 queued or starting)" in done.stderr
    assert started and cancelled == started  # the script cancelled every job it started


@pytest.mark.slow
def test_the_slurm_script_refuses_where_the_nodes_cannot_fence(repo_root, root, tmp_path):
    """Do workers that cannot fence make the script exit 1 before anything is graded, naming the reason and
    --unfenced, with the jobs cancelled?"""
    done, jobs, started, cancelled = _slurm_grade(repo_root, root, tmp_path, no_fence=True)
    assert done.returncode == 1
    refused = [ln for ln in done.stderr.splitlines() if ln.startswith("worker tls://")]
    assert len(refused) == 1 and "REFUSED: it cannot fence its kernels in" in refused[0]
    assert "Operation not permitted" in refused[0] and "--unfenced" in refused[0]
    assert "nothing was submitted" in done.stderr
    assert not (tmp_path / "out" / ".grade-cache").exists() or not any((tmp_path / "out" / ".grade-cache").iterdir())
    assert started and cancelled == started


def test_worker_lifetimes_leave_a_notebook_before_the_walltime():
    """Does --lifetime end each worker a stagger and one notebook's time before its job's walltime?"""
    import importlib.util

    spec = importlib.util.spec_from_file_location("slurm_grade", Path(__file__).parents[1] / "docs" / "deploy"
                                                  / "slurm_grade.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.walltime_s("04:00:00") == 14400 and mod.walltime_s("1-00:00:00") == 86400
    assert mod.walltime_s("30:00") == 1800 and mod.walltime_s("45") == 2700
    assert mod.lifetime("04:00:00", 600) == ("12360s", "720s")  # 4 h - 10 min - 2 x 12 min
    assert mod.lifetime("01:00:00", 3600) == ("1800s", "180s")  # never under half the walltime
