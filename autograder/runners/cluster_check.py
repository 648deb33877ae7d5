"""What a Dask worker must share with the coordinator before it may grade, checked on both sides.

A worker grades like the coordinator would only with the same code and
libraries (what a kernel emits depends on them), the key's data, and a fence
for its kernels (unless the coordinator was told ``--unfenced``). The
coordinator asks every worker for its ``facts()`` before it submits anything
and prints one line per worker (``describe``); a worker that joins later
(a Slurm job that started late, a replaced pod) checks the same facts on its
first job (``refusal``), and refuses it with the same words.
"""
from __future__ import annotations

import functools
import hashlib
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

# Every library a lab or the grader's kernel imports, by distribution name. ``seqlabs`` and
# ``autograder`` are also compared by the hash of their source files (a wheel and a checkout of
# the same commit agree; two commits of the same version do not).
LIBRARIES = ("seqlabs", "torch", "numpy", "spacy", "gensim", "nltk", "ipykernel", "jupyter_client")


def public(version: str) -> str:
    """A version without its local part: ``2.13.0+cpu`` -> ``2.13.0`` (the same release, another build)."""
    return version.split("+", 1)[0]


@functools.lru_cache(maxsize=1)
def versions() -> tuple[tuple[str, str], ...]:
    """Python, our code's hash and each of ``LIBRARIES``' versions (local parts kept: ``public`` compares)."""
    import importlib.util

    code = hashlib.sha256()
    for package in ("autograder", "seqlabs"):
        spec = importlib.util.find_spec(package)  # found, not imported: the grader never imports the course library
        if spec is None or spec.origin is None:
            raise ImportError(f"no {package} package on this machine")
        base = Path(spec.origin).resolve().parent
        for path in sorted(base.rglob("*.py")):
            code.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    found = [("python", "%d.%d" % sys.version_info[:2]), ("autograder+seqlabs code", code.hexdigest()[:16])]
    for package in LIBRARIES:
        try:
            found.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            found.append((package, "missing"))
    return tuple(found)


def differences(mine: tuple[tuple[str, str], ...], theirs: tuple[tuple[str, str], ...]) -> list[str]:
    """``"torch 2.12.0 here, 2.13.0 on the coordinator"`` for each entry of ``theirs`` that ``mine`` lacks."""
    here = dict(mine)
    return [f"{k} {here.get(k, 'missing')} here, {v} on the coordinator" for k, v in theirs
            if public(here.get(k, "missing")) != public(v)]


@functools.lru_cache(maxsize=4)
def _fingerprint(folder: str) -> str:
    from autograder.core.conditions import fingerprint

    return fingerprint(Path(folder))


def data_fingerprint(folder: str | None) -> str:
    """The fingerprint of the data at ``folder`` on this machine ("" for embedded data, ``none (why)`` if absent)."""
    if folder is None:
        return ""
    try:
        return _fingerprint(folder)
    except OSError as err:
        return f"none ({err.strerror or err})"


def facts(*, fenced: bool, data_dir: str | None) -> dict[str, Any]:
    """On a worker: why it cannot fence ("" when it can, or when not asked to: the host, or what a kernel needs
    shown to it, ``fence.path_problem``), its versions, its data."""
    from autograder.kernel import fence

    return {"fence": (fence.available() or fence.path_problem(data_dir)) if fenced else "", "versions": versions(),
            "data": data_fingerprint(data_dir)}


def refusal(found: dict[str, Any], *, versions_wanted, data_wanted: str, data_dir: str | None) -> str:
    """Why a worker with ``found`` (``facts()``) must not grade for this coordinator ("" when it may)."""
    why = []
    if found["fence"]:
        why.append(f"it cannot fence its kernels in ({found['fence']}): run the worker as root where it may "
                   "create namespaces (docs/deploy: the securityContext), or grade trusted submissions "
                   "with --unfenced")
    if differ := differences(tuple(map(tuple, found["versions"])), tuple(versions_wanted)):
        why.append(f"its installation differs ({', '.join(differ)}): install the same versions on every worker "
                   "(pip install -c constraints.txt .)")
    if data_dir is not None and found["data"] != data_wanted:
        why.append(f"the data at {data_dir} are not the key's ({data_wanted[:19]}; there: {found['data'][:60]}): "
                   "put the same data folder at the same path on every worker (a shared file system)")
    return "; ".join(why)


def describe(address: str, found: dict[str, Any], why: str, *, fenced: bool, data_dir: str | None) -> str:
    """One line for the instructor: the worker and what was checked, or why it is refused."""
    if why:
        return f"worker {address}: REFUSED: {why}"
    checked = ["fence ok" if fenced else "unfenced (--unfenced)", "versions as here"]
    checked.append(f"data as the key's ({found['data'][:19]})" if data_dir is not None else "embedded data")
    return f"worker {address}: {', '.join(checked)}"
