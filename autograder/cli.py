"""Command line: `autograder build | grade | demo | cluster certs | bundle | handgrade | export`.

A thin layer over keyword-only Python functions whose defaults live with them:
`autograder.assign.build_labs`, `autograder.grade.grade_submissions` and
`autograder.demo.run_demo`; the instructor's term commands are in
`autograder.instructor_cli`.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _conditions(args: argparse.Namespace):
    """The grading conditions the command line asks for (never the shell's SEQLABS_PROFILE/SEQLABS_DATA)."""
    from autograder.core.conditions import Conditions

    try:
        return Conditions.of(profile=args.profile, data_dir=args.data)
    except (ValueError, OSError) as err:
        print(f"autograder {args.command}: {err}", file=sys.stderr)
        return None


def _build(args: argparse.Namespace) -> int:
    from autograder.assign import build_labs

    conditions = _conditions(args)
    if conditions is None:
        return 2
    report = build_labs(labs=args.labs or None, root=Path(args.root), conditions=conditions,
                        verify=not args.no_verify, timeout=args.timeout, log=print,
                        allow_incomplete=args.allow_incomplete)
    return 0 if report.ok else 1


def _grade(args: argparse.Namespace) -> int:
    from autograder.runners import grade_submissions

    conditions = _conditions(args)
    if conditions is None:
        return 2
    result = grade_submissions(
        lab=args.lab,
        conditions=conditions,
        submissions=[Path(s) for s in args.submissions],
        out=Path(args.out),
        root=Path(args.root),
        workers=args.workers,
        timeout=args.timeout,
        memory_mb=args.memory_mb,
        unfenced=args.unfenced,
        release=args.release, replace_earlier=args.replace,
        scheduler=args.scheduler,
        tls=Path(args.tls) if args.tls else None,
        dashboard=args.dashboard,
    )
    return 0 if result.ok else 1


def _certs(args: argparse.Namespace) -> int:
    from autograder.runners.cluster_tls import make_certs, recipe

    try:
        paths = make_certs(Path(args.dir), days=args.days)
    except (OSError, ValueError) as err:
        print(f"autograder cluster certs: {err}", file=sys.stderr)
        return 1
    print("wrote " + ", ".join(map(str, paths)) + " (give the scheduler, every worker and the coordinator "
          "the same three files; keep the key away from everyone else)")
    for role, line in zip(("scheduler", "each worker machine", "the coordinator"),
                          recipe(Path(args.dir), host=args.host, port=args.port)):
        print(f"{role}:\n  {line}" + (" --lab LAB --out OUT SUBMISSIONS" if line.startswith("autograder") else ""))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from autograder.demo import run_demo

    return 0 if run_demo(root=Path(args.root), out=Path(args.out)) else 1


def _condition_options(command: argparse.ArgumentParser, verb: str) -> None:
    from autograder.core.mode import PROFILES

    command.add_argument("--profile", choices=PROFILES, default=None,
                         help=f"{verb} this profile (default: fast, the committed keys'; "
                              "the shell's SEQLABS_PROFILE is not used)")
    command.add_argument("--data", metavar="DIR", default=None,
                         help=f"{verb} the real data sets in DIR (e.g. DIR/multi30k/train.de.gz; default: the "
                              "embedded data; the shell's SEQLABS_DATA is not used)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Build course labs from master notebooks and grade submissions.",
    )
    parser.add_argument("--root", default=".", help="repository root holding labs/ (default: .)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="build release + solution notebooks and the answer key from labs/source",
        description="Build labs/release, labs/solution and labs/keys from each labs/source/<lab>.ipynb.",
    )
    build.add_argument("labs", nargs="*", metavar="LAB", help="lab names (default: every lab in labs/source)")
    build.add_argument("--no-verify", action="store_true", help="skip executing the release and solution to verify them")
    build.add_argument("--timeout", type=float, default=None, metavar="S",
                       help="limit per cell in s (default by profile: fast 600, class 3600, full 43200)")
    build.add_argument("--allow-incomplete", action="store_true",
                       help="build a language whose PO file misses or has fuzzy entries, those cells in English "
                       "under a visible marker (default: refuse, naming the cells)")
    _condition_options(build, "build a key for")
    build.set_defaults(run=_build)

    grade = commands.add_parser(
        "grade",
        help="grade submissions authoritatively against the answer key",
        description="Grade submitted notebooks in isolated kernels; write DIR/gradebook.csv, "
        "results.json, junit.xml and feedback/<student>.html.",
    )
    grade.add_argument("--lab", required=True, help="lab name, e.g. lab1_rnn_lstm_numpy")
    grade.add_argument("--out", required=True, metavar="DIR", help="output directory")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel kernels (default: cores)")
    grade.add_argument("--timeout", type=float, default=None, metavar="S",
                       help="wall-clock limit per notebook in s (default by profile: fast 600, class 3600, full 43200)")
    grade.add_argument("--memory-mb", type=int, default=4096, help="memory limit per kernel (MiB)")
    grade.add_argument("--unfenced", action="store_true",
                       help="grade even where kernels cannot be fenced in (trusted submissions only)")
    grade.add_argument("--release", action="append", default=[], metavar="STUDENT",
                       help="give a student's blocks held for review the marks they were judged to earn")
    grade.add_argument("--replace", action="store_true",
                       help="start DIR's gradebook afresh: drop the students earlier runs graded there (named on "
                       "stderr) instead of keeping them beside this run's")
    _condition_options(grade, "grade under")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run the kernels on a Dask cluster: tcp://HOST:PORT of a `dask scheduler`, or local:N "
                       "for N worker processes on this machine (--workers is then unused); the key stays here")
    grade.add_argument("--tls", metavar="DIR", default=None,
                       help="the cluster's certificates (made by `autograder cluster certs DIR`) for a "
                       "--scheduler tls://HOST:PORT")
    grade.add_argument("--dashboard", action="store_true", help="print the Dask scheduler's dashboard link")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION", help=".ipynb files or folders of them")
    grade.set_defaults(run=_grade)

    demo = commands.add_parser(
        "demo",
        help="build every lab and grade its solution and release notebooks; print the gradebook",
    )
    demo.add_argument("--out", default="out/demo", metavar="DIR", help="where the gradebook goes")
    demo.set_defaults(run=_demo)

    cluster = commands.add_parser("cluster", help="set up grading on a Dask cluster (certificates)",
                                  description="Set up grading on a Dask cluster.")
    cluster_commands = cluster.add_subparsers(dest="cluster_command", required=True, metavar="SUBCOMMAND")
    certs = cluster_commands.add_parser(
        "certs", help="make the TLS certificates the scheduler, the workers and the coordinator present",
        description="Write ca.pem, cluster.pem and cluster-key.pem into DIR (a new folder): give the same "
        "three files to `dask scheduler`/`dask worker` (--tls-ca-file, --tls-cert, --tls-key) and to "
        "`autograder grade --tls DIR`.")
    certs.add_argument("dir", metavar="DIR")
    certs.add_argument("--days", type=int, default=365, help="how long they are valid (default: 365)")
    certs.add_argument("--host", default="SCHEDULER_HOST",
                       help="the scheduler's address, for the commands printed (default: a placeholder)")
    certs.add_argument("--port", type=int, default=8786, help="the scheduler's port (default: 8786)")
    certs.set_defaults(run=_certs)

    from autograder.instructor_cli import add_commands
    from autograder.i18n.cli import add_command as add_i18n

    add_commands(commands)
    add_i18n(commands)
    return parser


class CommandLines(logging.Formatter):
    """A library record as the command line shows it: ``autograder grade: warning: <message>``."""

    LEVELS = {logging.ERROR: "error: ", logging.WARNING: "warning: ", logging.INFO: "note: "}

    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command

    def format(self, record: logging.LogRecord) -> str:
        level = self.LEVELS.get(record.levelno, "error: " if record.levelno > logging.ERROR else "")
        return f"autograder {self.command}: {level}{record.getMessage()}"


@contextmanager
def _library_records_shown(command: str) -> Iterator[None]:
    """Show the ``autograder.*`` module loggers' records (notes, warnings, errors) on stderr while
    ``command`` runs; the package logger is left as it was found."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(CommandLines(command))
    handler.setLevel(logging.INFO)
    package = logging.getLogger("autograder")
    level = package.level
    package.setLevel(logging.INFO)
    package.addHandler(handler)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if argv is None:  # the command line: a --root checkout runs on its own packages (autograder.checkout)
        from autograder.checkout import use_checkout

        use_checkout(Path(args.root), sys.argv[1:])
    with _library_records_shown(args.command):
        return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
