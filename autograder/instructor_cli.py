"""The instructor's term commands: `autograder bundle | handgrade | export` (registered by ``autograder.cli``).

Thin wrappers over ``autograder.bundle.make_bundle``,
``autograder.report.handgrade`` and ``autograder.report.export``; each prints
what it wrote, or the problem and its fix with exit status 1.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _fail(err: Exception) -> int:
    print(f"error: {err}", file=sys.stderr)
    return 1


def _bundle(args: argparse.Namespace) -> int:
    from autograder.bundle import BundleError, make_bundle

    try:
        make_bundle(root=Path(args.root), out=Path(args.out), labs=args.labs or None,
                    data=Path(args.data) if args.data else None, log=print, language=args.language)
    except BundleError as err:
        return _fail(err)
    return 0


def _handgrade(args: argparse.Namespace) -> int:
    from autograder.report import handgrade

    try:
        if args.action == "export":
            for path in handgrade.export_sheets(Path(args.out), root=Path(args.root)):
                print(f"wrote {path}")
            return 0
        from autograder.core.folder_lock import FolderBusy, FolderLock

        with FolderLock(Path(args.out)):  # it rewrites the gradebook: not while a grading run writes it
            report = handgrade.import_sheet(Path(args.out), Path(args.sheet), root=Path(args.root))
    except (handgrade.HandGradeError, FileNotFoundError, FolderBusy) as err:
        return _fail(err)
    what = f"{report.changed} grades changed" if report.changed else "nothing changed (already imported)"
    print(f"{args.sheet}: {what}; {report.graded} answers graded by hand, {report.pending} pending")
    return 0


INCOMPLETE = 3  # `autograder export`: the file is written, but the roster and the run do not match


def _export(args: argparse.Namespace) -> int:
    from autograder.core.atomic import write_atomic
    from autograder.report.export import ExportError, export

    lost: list[str] = []
    try:
        text = export(args.format, Path(args.source), student=args.student,
                      roster=Path(args.roster) if args.roster else None, title=args.title,
                      warn=lambda m: print(m, file=sys.stderr), lost=lost)
    except (ExportError, OSError) as err:
        return _fail(err)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        write_atomic(Path(args.out), text)
        print(f"wrote {args.out}", file=sys.stderr)
    if lost and not args.allow_missing:
        where = "the export" if args.out == "-" else args.out
        print(f"error: {where} is written but does not match the roster (see the warnings above), so the exit "
              f"status is {INCOMPLETE}: fix the roster or grade the missing notebooks, or pass --allow-missing to "
              "accept it", file=sys.stderr)
        return INCOMPLETE
    return 0


def add_commands(commands) -> None:
    """Add `bundle`, `handgrade` and `export` to the `autograder` sub-command parser ``commands``."""
    bundle = commands.add_parser(
        "bundle", help="write what students receive: release notebooks, a README and the wheel (folder + zip)",
        description="Write OUT/seqlabs-student/ (notebooks/, wheels/, constraints.txt, README.md) and "
        "OUT/seqlabs-student.zip from labs/release and this checkout's packages. Hand out only these.")
    bundle.add_argument("labs", nargs="*", metavar="LAB", help="labs to hand out (default: every built release)")
    bundle.add_argument("--language", metavar="LANG", default=None,
                        help="hand out the releases built in LANG (labs/release/LANG/, e.g. es; default: English)")
    bundle.add_argument("--out", default="dist", metavar="DIR", help="where the folder and zip go (default: dist)")
    bundle.add_argument("--data", metavar="DIR", help="also hand out the real data sets in DIR (the folder that "
                        "holds multi30k/, as SEQLABS_DATA names it), each file checked against its pinned SHA-256")
    bundle.set_defaults(run=_bundle)

    hand = commands.add_parser(
        "handgrade", help="grade written answers across the class: export pages + score sheet, import it",
        description="export: OUT/handgrading/<question>.html (every answer side by side) and scores.csv. "
        "import: validate the filled sheet (nothing changes on an error) and update the gradebook, "
        "results and feedback in OUT.")
    actions = hand.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("export", "write OUT/handgrading/<question>.html and scores.csv"),
                         ("import", "validate a filled score sheet and update OUT's grades and feedback")):
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument("--out", required=True, metavar="DIR", help="the output folder of `autograder grade`")
        if action == "import":
            sub.add_argument("sheet", metavar="SHEET", help="the filled scores.csv")
        sub.set_defaults(run=_handgrade)

    from autograder.report.export import FORMATS

    exp = commands.add_parser(
        "export", help="grades of one grading run for Canvas, Moodle, Gradescope or GitHub Classroom",
        description="Convert DIR/results.json of `autograder grade` (hand-graded marks included).")
    exp.add_argument("format", choices=FORMATS)
    exp.add_argument("--from", dest="source", required=True, metavar="DIR", help="the output folder of a grading run")
    exp.add_argument("--out", default="-", metavar="FILE", help="file to write (default: standard output)")
    exp.add_argument("--student", help="the submission to report (gradescope, github; default: the only one)")
    exp.add_argument("--roster", metavar="CSV", help="student -> LMS ids (columns: student, name, id, "
                     "sis_user_id, sis_login_id, section, username, id_number, email)")
    exp.add_argument("--allow-missing", action="store_true",
                     help="exit 0 even when roster students have no submission or graded students are not in the "
                     f"roster (default: the file is written and the exit status is {INCOMPLETE})")
    exp.add_argument("--title", help="the Canvas assignment ('Lab 0 (1234)') or Moodle grade item (default: the lab)")
    exp.set_defaults(run=_export)
