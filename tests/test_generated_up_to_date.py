"""Are the committed release/solution notebooks and keys what `autograder build` makes from the masters now,
on this machine and on one unlike the machine that recorded them?

The rule is the build's own (``autograder.assign.stable``): rebuilt over the
committed files, every lab must write nothing. The rebuild runs as another
machine would: PyTorch's portable kernels instead of this CPU's vector
kernels (``ATEN_CPU_CAPABILITY=default``) and one BLAS/OpenMP thread instead
of one per core, so values differ in their last bits from the committed ones,
and the build must recognise them as the same.

A lab built in another language is rebuilt without the build's verification
runs (the master graded, the release graded): its graded translation is that
judge, through the grader (``test_i18n_build.py``: the solution in that
language full, its release zero, under this key; the code cells are the
English ones, which the build checks). What needs no kernel is still checked
here for every language: no solution line or key value in a release, and
every solution notebook's own summary at full marks. A lab in English alone
is rebuilt with the verification.

When this fails: run ``autograder build <lab>`` and commit labs/.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

import nbformat

from autograder.assign import build_labs, list_labs
from autograder.assign.execute import ExecutedNotebook
from autograder.assign.in_languages import verify_solution
from autograder.assign.verify import verify_no_leaks
from autograder.core.lab import lab_paths
from autograder.i18n.languages import built_languages, language_paths
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT, REPO_ROOT, copy_labs

FIX = "run `autograder build {lab}` and commit labs/"

# What another CPU and another thread count change: the kernels torch dispatches to, and the order of
# BLAS/OpenMP reductions.
ANOTHER_MACHINE = {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1"}


@contextmanager
def environment(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def lab_params():
    """One rebuild per lab, each its own xdist group: the rebuilds (the suite's longest tests) spread over the
    workers instead of queueing on one, however many labs there are."""
    labs = [pytest.param(REPO_ROOT, lab, id=lab, marks=[pytest.mark.xdist_group(f"rebuild_{lab}"),
                                                        *(() if lab == EXAMPLE_LAB else [pytest.mark.slow])])
            for lab in list_labs(REPO_ROOT)]
    return labs + [pytest.param(EXAMPLE_ROOT, EXAMPLE_LAB, id="tests-fixture-example",
                                marks=pytest.mark.xdist_group("rebuild_fixture_example"))]


@pytest.mark.parametrize("src, lab", lab_params())
def test_rebuild_on_another_machine_changes_nothing(src, lab, tmp_path):
    """Rebuilt over its committed files with other CPU kernels and thread counts, does the lab write nothing?"""
    root = copy_labs(tmp_path, labs=[lab], src=src, translations=True)  # and its builds in other languages
    for kind in ("release", "solution", "keys"):
        assert list((root / "labs" / kind).glob(f"{lab}.*")), f"labs/{kind}/{lab} is missing: " + FIX.format(lab=lab)
    log: list[str] = []
    translated = bool(built_languages(root, lab))  # then graded in that language by test_i18n_build.py
    with environment(**ANOTHER_MACHINE):
        report = build_labs(labs=[lab], root=root, verify=not translated, log=log.append)
    assert report.ok, "\n".join(map(str, report.errors.values()))
    written = [str(p.relative_to(root)) for p in report.written]
    fix = FIX.format(lab=lab) if src == REPO_ROOT else f"run `autograder --root {src.relative_to(REPO_ROOT)} build {lab}`"
    changed = [line for rel in written if rel.startswith("labs/keys/")
               for line in key_changes(src / rel, root / rel)]
    assert not written, (f"a rebuild rewrote {', '.join(written)}: " + fix + "\n" + "\n".join(changed + log))
    verify_without_kernels(root, lab)


def verify_without_kernels(root: Path, lab: str) -> None:
    """In every language: no solution line or key value in the release, the solution's summary at full marks.

    The files read are the ones the rebuild just made (it changed none of them).
    """
    paths = lab_paths(root, lab)
    source, key = nbformat.read(paths["source"], as_version=4), json.loads(paths["key"].read_text())
    for language in ["en", *built_languages(root, lab)]:
        where = paths if language == "en" else language_paths(root, lab, language)
        release, solution = (nbformat.read(where[kind], as_version=4) for kind in ("release", "solution"))
        verify_no_leaks(source, release, key)  # the code cells, and so the solution lines, are the English ones
        verify_solution(language, key, ExecutedNotebook.of(solution))


def key_changes(committed: Path, fresh: Path) -> list[str]:
    """One line per check whose committed key entry the rebuild replaced: what differs (values cut short)."""
    old = json.loads(committed.read_text()) if committed.exists() else {}
    new = json.loads(fresh.read_text())
    lines = []
    for cid, entry in new.get("checks", {}).items():
        before = old.get("checks", {}).get(cid)
        if before != entry:
            fields = sorted(k for k in {*entry, *(before or {})} if (before or {}).get(k) != entry.get(k))
            shown = {k: (str((before or {}).get(k))[:80], str(entry.get(k))[:80]) for k in fields}
            lines.append(f"  key entry {cid} ({entry.get('kind')}) changed: {shown}")
    others = sorted(k for k in {*old, *new} if k != "checks" and old.get(k) != new.get(k))
    return lines + ([f"  key fields changed: {others}"] if others else [])
