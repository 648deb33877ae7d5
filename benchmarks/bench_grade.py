"""Batch grading: `autograder grade` against nbgrader's `autograde` on the same submissions.

    SEQLABS_PROFILE=fast python benchmarks/bench_grade.py [--copies 40] [--workers 2]

Makes ``--copies`` copies of the example lab's built solution notebook, grades
them with ``grade_submissions`` (``--workers`` kernels, a fresh output folder,
so nothing comes from the resume cache), then with ``nbgrader autograde`` in a
temporary nbgrader course (nbgrader_config.py, source/, release made by
``nbgrader generate_assignment``, submitted/<student>/<assignment>/), and
prints both wall times, the ratio, and our per-submission overhead.
Both run in one process tree on the same machine, one after the other.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = "lab0_example"


def ours(subs: list[Path], out: Path, workers: int) -> tuple[float, dict[str, float], bool]:
    from autograder.grade import grade_submissions

    t0 = time.perf_counter()
    run = grade_submissions(lab=LAB, submissions=subs, out=out, root=REPO, workers=workers, timeout=600)
    wall = time.perf_counter() - t0
    stages = ("restore_s", "kernel_start_s", "run_s", "judge_s", "cache_s")
    means = {s: statistics.mean(r["timings"].get(s, 0.0) for r in run.results) for s in stages}
    means["outputs_s (whole batch)"] = run.write_s
    full = all(r["status"] == "graded" and r["score"] == r["max_score"] for r in run.results)
    return wall, means, run.ok and full


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
    args = parser.parse_args()
    solution = REPO / "labs" / "solution" / f"{LAB}.ipynb"
    students = [f"student{i:02d}" for i in range(args.copies)]
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        tmp = Path(tmp)
        subs = []
        for s in students:
            (tmp / "subs").mkdir(exist_ok=True)
            subs.append(Path(shutil.copy(solution, tmp / "subs" / f"{s}.ipynb")))
        our_wall, stages, our_ok = ours(subs, tmp / "out", args.workers)
        nb_wall, nb_ok = nbgrader(solution, tmp / "course", students)
    print(f"machine: {os.cpu_count()} cores; SEQLABS_PROFILE={os.environ.get('SEQLABS_PROFILE', '')!r}; "
          f"{args.copies} copies of {LAB}'s solution")
    print(f"autograder grade (workers={args.workers}): {our_wall:7.1f} s  "
          f"({our_wall / args.copies:.2f} s per submission; all full marks: {our_ok})")
    print(f"nbgrader autograde (serial):     {nb_wall:7.1f} s  "
          f"({nb_wall / args.copies:.2f} s per submission; all autograded: {nb_ok})")
    print(f"ratio ours / nbgrader: {our_wall / nb_wall:.2f} (target <= 0.5)")
    print("our mean time per submission, by stage (kernel time overlaps across workers):")
    for stage, seconds in stages.items():
        print(f"  {stage:24s} {seconds * 1000:8.1f} ms")
    return 0 if our_ok and nb_ok else 1


if __name__ == "__main__":
    sys.exit(main())
