"""``autograder i18n update [LAB ...] [--language LANG]``: bring the PO files up to the masters."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def update_command(args: argparse.Namespace) -> int:
    import nbformat

    from autograder.i18n import po_files
    from autograder.i18n.extract import extract
    from autograder.core.lab import lab_folder, lab_paths, list_labs

    root = Path(args.root)
    labs = args.labs or list_labs(root)
    languages = args.language or po_files.languages(root)
    if not languages:
        print(f"autograder i18n update: no language to update: {po_files.i18n_dir(root)} has no folder with a "
              "PO file; start one with --language LANG (e.g. --language es)", file=sys.stderr)
        return 2
    unknown = [lab for lab in labs if not lab_paths(root, lab)["source"].is_file()]
    if unknown:
        print(f"autograder i18n update: no master for {', '.join(unknown)} in {lab_folder(root, 'source')} "
              f"(masters: {', '.join(list_labs(root)) or 'none'})", file=sys.stderr)
        return 2
    to_translate = 0
    for language in languages:
        for lab in labs:
            master = nbformat.read(lab_paths(root, lab)["source"], as_version=4)
            changes = po_files.update_lab(root, lab, language, master)
            for line in changes.lines():
                print(line)
            po = po_files.load(changes.path)
            to_translate += len(po_files.problems(po, extract(master)))
    if to_translate:
        print(f"{to_translate} entr{'y' if to_translate == 1 else 'ies'} to translate or check (empty or fuzzy): "
              "edit the PO files (Poedit, Lokalize, any text editor), then `autograder build`")
    return 0


UPDATE_HELP = "extract each master's markdown cells and merge them into its PO files"
UPDATE_DESCRIPTION = (
    "For each lab and language, write labs/i18n/<lang>/<lab>.po from labs/source/<lab>.ipynb: a new cell becomes "
    "an empty entry, a cell whose English changed keeps its translation marked fuzzy (with the old English as "
    "#| msgid), a deleted cell's entry becomes obsolete. Prints what changed.")


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add ``i18n update`` to the ``autograder`` command line."""
    i18n = commands.add_parser("i18n", help="translations of the labs (labs/i18n/<lang>/<lab>.po)",
                               description="Keep the translations of the masters' markdown cells up to date.")
    update = i18n.add_subparsers(dest="i18n_command", required=True, metavar="SUBCOMMAND").add_parser(
        "update", help=UPDATE_HELP, description=UPDATE_DESCRIPTION)
    update.set_defaults(run=update_command)
    update.add_argument("labs", nargs="*", metavar="LAB", help="lab names (default: every lab in labs/source)")
    update.add_argument("--language", action="append", metavar="LANG",
                        help="language code, e.g. es (repeatable; default: every folder of labs/i18n with a PO file)")
