"""Grade a lab on a Slurm cluster: dask-jobqueue submits the workers as Slurm jobs, TLS between everyone.

Run it on a login node, from the course repository (the coordinator needs
labs/source and labs/keys; the workers never see them):

    pip install -c constraints.txt '.[slurm]'          # dask-jobqueue, on the login node
    autograder cluster certs ~/seqlabs-certs            # once: the cluster's TLS certificates
    python docs/deploy/slurm_grade.py --tls ~/seqlabs-certs --lab lab4_seq2seq --profile class \\
        --out out/lab4 --jobs 10 --python /shared/seqlabs/.venv/bin/python submitted/

Each Slurm job runs ``--cores`` single-threaded worker processes (one kernel
each) with the Python of ``--python`` (a virtualenv on the shared file system
with this repository installed: ``pip install -c constraints.txt .``); the
certificates must be readable by the jobs (a shared file system, your home),
and by nobody else. Edit ``--queue``/``--account`` for your site.

* The scheduler runs in a process of its own (not in this one, which holds
  the key), serves no dashboard, and accepts only holders of the
  certificates (``--tls``).
* Jobs come and go with the work (``adapt``: at least ``--min-jobs``, at most
  ``--jobs``), and each worker stops before its job's walltime (``--lifetime``,
  staggered), so jobs never all expire together: a kernel cut off by a
  worker's end is run again on another.
* Every worker is checked before anything is graded (fence, versions, data):
  workers run their kernels fenced, which needs root and namespaces on the
  compute nodes; where the site does not allow that, the batch is refused with
  the reason, unless ``--unfenced`` (trusted submissions only).
* A lost scheduler or a refused worker stops the batch with exit status 1;
  re-running the same command grades exactly what has no result yet.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import threading
from pathlib import Path


def walltime_s(text: str) -> int:
    """Slurm's ``[D-]HH:MM:SS`` (or ``MM:SS``, ``MM``) in seconds."""
    days, _, clock = text.rpartition("-")
    parts = [int(p) for p in clock.split(":")]
    h, m, s = ([0] * (3 - len(parts)) + parts) if len(parts) > 1 else (0, parts[0], 0)
    return (int(days) if days else 0) * 86400 + h * 3600 + m * 60 + s


def lifetime(walltime: str, notebook_s: float) -> tuple[str, str]:
    """``--lifetime`` and ``--lifetime-stagger`` for a worker in a job of ``walltime``: it stops a stagger
    before its job would be killed, leaving one notebook's time; never under half the walltime."""
    total = walltime_s(walltime)
    stagger = max(60, total // 20)
    life = max(total // 2, total - int(notebook_s) - 2 * stagger)
    return f"{life}s", f"{stagger}s"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tls", required=True, metavar="DIR",
                        help="the certificates made by `autograder cluster certs DIR` (readable by the jobs)")
    parser.add_argument("--profile", default=None, help="grade under this profile (default: fast, as `autograder "
                        "grade`); the key must have been built for it")
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="the real data sets, at the same path on the compute nodes (a shared file system)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="limit per notebook in s (default: the profile's, as `autograder grade`)")
    parser.add_argument("--unfenced", action="store_true",
                        help="grade even where the compute nodes cannot fence kernels in (trusted submissions only)")
    parser.add_argument("--jobs", type=int, default=4, help="Slurm jobs at most (nodes or node slices)")
    parser.add_argument("--min-jobs", type=int, default=1, help="Slurm jobs kept while there is work")
    parser.add_argument("--cores", type=int, default=8, help="cores per job = kernels per job")
    parser.add_argument("--memory-per-kernel-gb", type=int, default=4)
    parser.add_argument("--walltime", default="04:00:00")
    parser.add_argument("--queue", default=None, help="Slurm partition (sbatch -p)")
    parser.add_argument("--account", default=None, help="Slurm account (sbatch -A)")
    parser.add_argument("--python", default=sys.executable, help="the workers' Python (shared file system)")
    parser.add_argument("--interface", default=None, help="network interface the workers reach us on, e.g. ib0")
    parser.add_argument("--root", default=".", help="the course repository (default: .)")
    parser.add_argument("--dashboard", action="store_true", help="print the dashboard line (there is none)")
    parser.add_argument("submissions", nargs="+")
    return parser.parse_args(argv)


def scheduler_env(tls: Path) -> dict[str, str]:
    """The separate scheduler process's settings: TLS with the course's certificates, one task per thread."""
    from autograder.runners import cluster_tls

    folder = tls.resolve()
    return {"DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(folder / cluster_tls.CA),
            "DASK_DISTRIBUTED__COMM__TLS__SCHEDULER__CERT": str(folder / cluster_tls.CERT),
            "DASK_DISTRIBUTED__COMM__TLS__SCHEDULER__KEY": str(folder / cluster_tls.KEY),
            **cluster_tls.SCHEDULER_ENV}


def make_cluster(args: argparse.Namespace):
    """A SLURMCluster whose scheduler is a process of its own and whose job scripts quote every path."""
    from dask_jobqueue import SLURMCluster
    from dask_jobqueue.slurm import SLURMJob
    from distributed.deploy.subprocess import SubprocessScheduler

    from autograder.core.conditions import Conditions
    from autograder.runners import cluster_tls

    class SeparateScheduler(SubprocessScheduler):
        """``dask spec`` in a child process: the scheduler never shares memory with the key. Its TLS comes
        from the environment (``scheduler_env``): a ``Security`` object cannot travel as JSON."""

        def __init__(self, security=None, **options):
            super().__init__(scheduler_kwargs={k: v for k, v in options.items() if v is not None}, timeout=60)

    class QuotedSLURMJob(SLURMJob):
        """dask-jobqueue joins the worker's command line unquoted: a path with a space (the Python, the
        certificates) would split. The certificates are added here, quoted."""

        def __init__(self, *a, security=None, python=sys.executable, **kw):
            super().__init__(*a, security=None, python=shlex.quote(python), **kw)
            if security is not None:
                self._command_template += " " + shlex.join(cluster_tls.cli_options(Path(security.tls_ca_file).parent))

    class Cluster(SLURMCluster):
        job_cls = QuotedSLURMJob

    os.environ.update(scheduler_env(Path(args.tls)))
    timeout = args.timeout or Conditions.of(profile=args.profile).time_limit_s
    life, stagger = lifetime(args.walltime, timeout)
    return Cluster(
        queue=args.queue, account=args.account, walltime=args.walltime,
        cores=args.cores, processes=args.cores,  # one thread per worker process: one kernel each
        memory=f"{args.cores * (args.memory_per_kernel_gb + 1)}GB",  # kernels + 1 GB per worker process
        python=args.python, interface=args.interface,
        security=cluster_tls.security(Path(args.tls)), protocol="tls://",
        scheduler_cls=SeparateScheduler,
        scheduler_options={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        # --memory-limit 0: the grader limits each kernel (--memory-per-kernel-gb), not Dask.
        worker_extra_args=["--memory-limit", "0", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                           "--lifetime", life, "--lifetime-stagger", stagger],
        job_script_prologue=["export OMP_NUM_THREADS=1",
                             *(f"export {k}={v}" for k, v in cluster_tls.WORKER_ENV.items())],
    )


def jobs_line(cluster) -> str:
    """``slurm: 3 jobs (2 with workers connected, 1 queued or starting)``."""
    jobs = list(cluster.workers)
    connected = {str(w.get("name", "")) for w in cluster.scheduler_info.get("workers", {}).values()}
    running = sum(any(name == job or name.startswith(f"{job}-") for name in connected) for job in jobs)
    return f"slurm: {len(jobs)} job{'s' * (len(jobs) != 1)} ({running} with workers connected, " \
           f"{len(jobs) - running} queued or starting)"


def report_jobs(cluster, stop: threading.Event, every_s: float = 2.0) -> None:
    """Print ``jobs_line`` whenever it changes."""
    last = ""
    while not stop.wait(every_s):
        line = jobs_line(cluster)
        if line != last:
            print(line, file=sys.stderr, flush=True)
            last = line


def show_grader_notes() -> None:
    """The grader's notes (one line per worker checked, the cluster's progress) on stderr, as plain lines."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("autograder")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    from autograder.core.conditions import Conditions
    from autograder.runners import cluster_tls, grade_submissions

    try:
        conditions = Conditions.of(profile=args.profile, data_dir=args.data)
        cluster_tls.security(Path(args.tls))
    except (OSError, ValueError) as err:
        print(f"slurm_grade: {err}", file=sys.stderr)
        return 2
    show_grader_notes()
    cluster = make_cluster(args)
    stop = threading.Event()
    try:
        cluster.adapt(minimum_jobs=args.min_jobs, maximum_jobs=args.jobs)
        print(f"scheduler at {cluster.scheduler_address} (its own process); job script:\n{cluster.job_script()}",
              file=sys.stderr, flush=True)
        threading.Thread(target=report_jobs, args=(cluster, stop), daemon=True).start()
        run = grade_submissions(lab=args.lab, submissions=[Path(s) for s in args.submissions], out=Path(args.out),
                                root=Path(args.root), conditions=conditions, timeout=args.timeout,
                                memory_mb=args.memory_per_kernel_gb * 1024, unfenced=args.unfenced,
                                scheduler=cluster.scheduler_address, tls=Path(args.tls), dashboard=args.dashboard)
    finally:
        stop.set()
        cluster.close()  # cancels every job (scancel) and stops the scheduler
    return 0 if run.ok else 1  # why not: the grader's error line above


if __name__ == "__main__":  # required: Dask may start processes that import this file
    sys.exit(main())
