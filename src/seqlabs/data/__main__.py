"""``python -m seqlabs.data``: fetch the real data sets, or list them.

    python -m seqlabs.data fetch multi30k [--dir DIR] [--base-url URL]
    python -m seqlabs.data list [--dir DIR]

Exit status 0 when done, 1 when a fetch failed (the message names the file and
the fix), 2 for a bad command line. Lines are plain (no progress bar) unless
stderr is a terminal.
"""
from __future__ import annotations

import argparse
import sys

from seqlabs.data.download import FetchError, fetch, missing_files
from seqlabs.data.registry import DATASETS
from seqlabs.profiles import DATA_ENV, data_dir, fetch_root


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seqlabs.data",
                                     description="Fetch the labs' real data sets with pinned SHA-256 hashes.")
    sub = parser.add_subparsers(dest="command", required=True)
    where = f"the data folder (default: ${DATA_ENV} when set, else the user cache)"
    get = sub.add_parser("fetch", help="download data sets and check every file's SHA-256")
    get.add_argument("names", nargs="+", choices=sorted(DATASETS), metavar="NAME",
                     help=f"one or more of: {', '.join(DATASETS)}")
    get.add_argument("--dir", help=where)
    get.add_argument("--base-url", help="a mirror with the same files (hashes are checked all the same)")
    show = sub.add_parser("list", help="the data sets, where they go, which are there")
    show.add_argument("--dir", help=where)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = args.dir or fetch_root()
    if args.command == "list":
        for name, dataset in DATASETS.items():
            missing = missing_files(name, root)
            state = "present" if not missing else f"missing {len(missing)} of {len(dataset.files)} files"
            print(f"{name}: {dataset.title}; {dataset.total_bytes() / 1e6:.1f} MB; {state} in {root}/{dataset.folder}")
        return 0
    for name in args.names:
        try:
            folder = fetch(name, root=root, base_url=args.base_url, progress=sys.stderr.isatty(), log=print)
        except FetchError as err:
            print(f"python -m seqlabs.data: error: {err}", file=sys.stderr)
            return 1
    if data_dir() is None or str(data_dir()) != str(folder):
        print(f"the labs read these data when {DATA_ENV} names this folder: start Jupyter with "
              f"{DATA_ENV}={folder} (or run seqlabs.data.use({args.names[0]!r}) in a notebook)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
