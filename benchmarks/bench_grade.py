"""Batch grading: `autograder grade` against nbgrader's `autograde` on the same submissions.

    SEQLABS_PROFILE=fast python benchmarks/bench_grade.py [--copies 40] [--workers 2] [--repeat 1]
                                                          [--no-nbgrader] [--no-cluster]

Makes ``--copies`` copies of the example lab's built solution notebook, grades
them with ``grade_submissions`` (``--workers`` kernels, a fresh output folder,
so nothing comes from the resume cache), then on a Dask cluster
(``scheduler="local:<workers>"``: a LocalCluster of that many worker
processes, started and stopped inside the timed call, as `autograder grade
--scheduler local:N` does), then with ``nbgrader autograde`` in a temporary
nbgrader course (nbgrader_config.py, source/, release made by
``nbgrader generate_assignment``, submitted/<student>/<assignment>/), and
prints the wall and CPU times (this process and every child it waited for),
the ratios, and our per-submission overhead. All run in one process tree on
the same machine, one after the other; ``--repeat`` alternates local and
cluster runs that many times (ratio of the medians).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = "lab0_example"


def cpu_s() -> float:
    """CPU seconds of this process and of every child it has waited for (kernels, Dask workers)."""
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


def ours(subs: list[Path], out: Path, workers: int, scheduler: str | None = None,
         ) -> tuple[float, float, dict[str, float], bool]:
    """(wall s, CPU s, mean s per stage, every submission graded with full marks)."""
    from autograder.runners import grade_submissions

    t0, c0 = time.perf_counter(), cpu_s()
    run = grade_submissions(lab=LAB, submissions=subs, out=out, root=REPO, workers=workers, timeout=600,
                            scheduler=scheduler)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    stages = ("restore_s", "kernel_start_s", "run_s", "judge_s", "cache_s")
    means = {s: statistics.mean(r["timings"].get(s, 0.0) for r in run.results) for s in stages}
    means["outputs_s (whole batch)"] = run.write_s
    full = all(r["status"] == "graded" and r["score"] == r["max_score"] for r in run.results)
    return wall, cpu, means, run.ok and full


def nbgrader(solution: Path, course: Path, students: list[str]) -> tuple[float, bool]:
    (course / "source" / LAB).mkdir(parents=True)
    shutil.copy(REPO / "labs" / "source" / f"{LAB}.ipynb", course / "source" / LAB / f"{LAB}.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.ExecutePreprocessor.timeout = 600\n")
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_MODE"}
    # nbgrader runs `alembic` from PATH: the environment's own bin/ must come first, venv activated or not.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    run = lambda *args: subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,  # noqa: E731
                                       capture_output=True, text=True)
    made = run("generate_assignment", LAB, "--create", "--force")
    if made.returncode:
        sys.exit(f"nbgrader generate_assignment failed:\n{made.stdout}\n{made.stderr}")
    for student in students:
        folder = course / "submitted" / student / LAB
        folder.mkdir(parents=True)
        shutil.copy(solution, folder / f"{LAB}.ipynb")
    t0 = time.perf_counter()
    graded = run("autograde", LAB, "--create", "--force")
    wall = time.perf_counter() - t0
    if graded.returncode:
        print(f"nbgrader autograde exited {graded.returncode}:\n{graded.stderr[-2000:]}", file=sys.stderr)
    done = len(list((course / "autograded").glob(f"*/{LAB}/{LAB}.ipynb")))
    return wall, graded.returncode == 0 and done == len(students)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="alternate local and cluster runs this many times")
    parser.add_argument("--no-nbgrader", action="store_true", help="skip nbgrader (the slowest part)")
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask LocalCluster run")
    args = parser.parse_args()
    solution = REPO / "labs" / "solution" / f"{LAB}.ipynb"
    students = [f"student{i:02d}" for i in range(args.copies)]
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        tmp = Path(tmp)
        subs = []
        for s in students:
            (tmp / "subs").mkdir(exist_ok=True)
            subs.append(Path(shutil.copy(solution, tmp / "subs" / f"{s}.ipynb")))
        local, remote, stages, our_ok = [], [], {}, True
        for i in range(args.repeat):
            wall, cpu, stages, ok = ours(subs, tmp / f"out{i}", args.workers)
            local.append((wall, cpu))
            our_ok &= ok
            if not args.no_cluster:
                wall, cpu, _, ok = ours(subs, tmp / f"cluster{i}", args.workers,
                                        scheduler=f"local:{args.workers}")
                remote.append((wall, cpu))
                our_ok &= ok
        nb_wall, nb_ok = (None, True) if args.no_nbgrader else nbgrader(solution, tmp / "course", students)
    median = lambda xs: statistics.median(xs)  # noqa: E731
    our_wall, our_cpu = median([w for w, _ in local]), median([c for _, c in local])
    print(f"machine: {os.cpu_count()} cores; SEQLABS_PROFILE={os.environ.get('SEQLABS_PROFILE', '')!r}; "
          f"{args.copies} copies of {LAB}'s solution; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"autograder grade (workers={args.workers}): {our_wall:7.1f} s  "
          f"({our_wall / args.copies:.2f} s per submission; CPU {our_cpu:.1f} s; all full marks: {our_ok})")
    if remote:
        dask_wall, dask_cpu = median([w for w, _ in remote]), median([c for _, c in remote])
        print(f"autograder grade --scheduler local:{args.workers}: {dask_wall:7.1f} s  "
              f"({dask_wall / args.copies:.2f} s per submission; CPU {dask_cpu:.1f} s)")
        print("  runs (wall s, CPU s), local: " + ", ".join(f"({w:.1f}, {c:.1f})" for w, c in local)
              + "; cluster: " + ", ".join(f"({w:.1f}, {c:.1f})" for w, c in remote))
        print(f"ratio cluster / local: {dask_wall / our_wall:.2f} wall, {dask_cpu / our_cpu:.2f} CPU "
              "(target <= 1.15 wall)")
    if nb_wall is not None:
        print(f"nbgrader autograde (serial):     {nb_wall:7.1f} s  "
              f"({nb_wall / args.copies:.2f} s per submission; all autograded: {nb_ok})")
        print(f"ratio ours / nbgrader: {our_wall / nb_wall:.2f} (target <= 0.5)")
    print("our mean time per submission, by stage (kernel time overlaps across workers):")
    for stage, seconds in stages.items():
        print(f"  {stage:24s} {seconds * 1000:8.1f} ms")
    return 0 if our_ok and nb_ok else 1


if __name__ == "__main__":
    sys.exit(main())
