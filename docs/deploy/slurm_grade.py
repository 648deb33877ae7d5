"""Grade a lab on a Slurm cluster: dask-jobqueue submits the workers as Slurm jobs.

Run it on a login node, from the course repository (the coordinator needs
labs/source and labs/keys; the workers never see them):

    pip install -c constraints.txt dask-jobqueue      # on the login node only
    python docs/deploy/slurm_grade.py --lab lab4_seq2seq --out out/lab4 --jobs 10 submitted/

Each Slurm job runs ``--cores`` single-threaded worker processes (one kernel
each) with the Python of ``--python`` (a virtualenv on the shared file system
with this repository installed: ``pip install -c constraints.txt .``). Edit
``--queue``/``--account`` for your site. The scheduler runs inside this
process, the workers connect back to it, and everything stops when grading
is done; re-running the same command resumes from ``--out``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--jobs", type=int, default=4, help="Slurm jobs (nodes or node slices) to start")
    parser.add_argument("--cores", type=int, default=8, help="cores per job = kernels per job")
    parser.add_argument("--memory-per-kernel-gb", type=int, default=4)
    parser.add_argument("--walltime", default="04:00:00")
    parser.add_argument("--queue", default=None, help="Slurm partition (sbatch -p)")
    parser.add_argument("--account", default=None, help="Slurm account (sbatch -A)")
    parser.add_argument("--python", default=sys.executable, help="the workers' Python (shared file system)")
    parser.add_argument("--interface", default=None, help="network interface the workers reach us on, e.g. ib0")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("submissions", nargs="+")
    args = parser.parse_args()

    from dask_jobqueue import SLURMCluster

    from autograder.grade import grade_submissions

    cluster = SLURMCluster(
        queue=args.queue, account=args.account, walltime=args.walltime,
        cores=args.cores, processes=args.cores,  # one thread per worker process: one kernel each
        memory=f"{args.cores * (args.memory_per_kernel_gb + 1)}GB",  # kernels + 1 GB per worker process
        python=args.python, interface=args.interface,
        job_script_prologue=["export OMP_NUM_THREADS=1"],
    )
    try:
        cluster.scale(jobs=args.jobs)
        print(f"scheduler at {cluster.scheduler_address}; job script:\n{cluster.job_script()}", file=sys.stderr)
        run = grade_submissions(lab=args.lab, submissions=[Path(s) for s in args.submissions], out=Path(args.out),
                                timeout=args.timeout, memory_mb=args.memory_per_kernel_gb * 1024,
                                scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    return 0 if run.ok else 1


if __name__ == "__main__":  # required: Dask may start processes that import this file
    sys.exit(main())
