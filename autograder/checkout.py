"""Run `autograder` on the packages of the checkout it is pointed at (``--root``), not another one's.

An instructor with two copies of the repository (last term's and this
term's, or a colleague's) and one virtual environment has the environment's
`autograder` and `seqlabs` installed from one of them. ``autograder --root
COPY build`` would then build COPY's labs with the other copy's packages, in
the build and in every kernel. ``use_checkout(root)`` re-runs the command with
COPY's ``autograder/`` and ``src/`` first on ``PYTHONPATH`` when ``root`` is a
seqlabs checkout whose packages are not the ones imported; the kernels
inherit it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

MARK = "AUTOGRADER_CHECKOUT"  # set on the re-run: never re-run twice


def checkout_of(root: Path) -> Path | None:
    """``root`` resolved, when it holds both packages' sources (a seqlabs checkout); else None."""
    root = Path(root).resolve()
    if (root / "autograder" / "__init__.py").is_file() and (root / "src" / "seqlabs" / "__init__.py").is_file():
        return root
    return None


def imported_from() -> Path:
    """The checkout (or site-packages) the running `autograder` was imported from."""
    return Path(__file__).resolve().parents[1]


def use_checkout(root: Path, argv: list[str]) -> None:
    """Re-exec ``python -m autograder.cli argv`` with ``root``'s packages first, if they are not ours."""
    checkout = checkout_of(root)
    if checkout is None or checkout == imported_from() or os.environ.get(MARK):
        return
    paths = [str(checkout), str(checkout / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), MARK: str(checkout)}
    print(f"note: using autograder and seqlabs from {checkout} (the --root checkout), "
          f"not from {imported_from()}", file=sys.stderr, flush=True)
    os.execve(sys.executable, [sys.executable, "-m", "autograder.cli", *argv], env)
