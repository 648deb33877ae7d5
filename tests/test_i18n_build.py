"""Is a lab built in Spanish from the same master and graded by the same key?

* the committed Spanish notebooks: every code cell the English one, every markdown cell the PO file's;
* one key: the Spanish master run in record mode gives the English master's key (lab 0);
* an English markdown cell changed: the build refuses Spanish before any kernel, naming the cell;
* graded under the English key, the Spanish solution scores full marks and the release zero, each with its
  messages and feedback page in Spanish (in each lab's rebuild group, so it adds one worker's grading).
  For a translated lab this grading is also the build's verification in the suite: its rebuild
  (``test_generated_up_to_date.py``) leaves the build's own runs of the graded master and release out, as
  the same code cells are graded here, through the grader.
"""
from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.assign import build_labs
from autograder.assign.execute import execute_notebook
from autograder.assign.key import build_key
from autograder.assign.pipeline import JOBS
from autograder.core.conditions import Conditions
from autograder.kernel import fence
from autograder.runners import grade_submissions
from autograder.i18n import po_files
from autograder.i18n.languages import built_languages, language_paths, translations_of
from autograder.i18n.translate import same_code
from autograder.core.lab import lab_paths, list_labs, strip_hidden_tests
from conftest import EXAMPLE_LAB, REPO_ROOT, copy_labs

TRANSLATED = [(lab, lang) for lab in list_labs(REPO_ROOT) for lang in po_files.languages(REPO_ROOT)
              if po_files.po_path(REPO_ROOT, lang, lab).is_file()]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_every_translated_lab_is_built():
    """Has every lab with a PO file its release and solution in that language, and no language without one?"""
    assert ("lab0_example", "es") in TRANSLATED
    for lab in list_labs(REPO_ROOT):
        want = sorted(lang for l, lang in TRANSLATED if l == lab)
        assert built_languages(REPO_ROOT, lab) == want, f"{lab}: run `autograder build {lab}` and commit labs/"


@pytest.mark.parametrize("lab, lang", TRANSLATED)
def test_committed_translations_share_the_code_cells(lab, lang):
    """Release and solution in ``lang``: code cells identical to the English ones (source, metadata, id), markdown
    cells the translations, the language recorded; the solution shows the English solution's marks."""
    en, paths = lab_paths(REPO_ROOT, lab), language_paths(REPO_ROOT, lab, lang)
    (translated,) = translations_of(REPO_ROOT, lab, read(en["source"]))
    for kind in ("release", "solution"):
        english, other = read(en[kind]), read(paths[kind])
        assert same_code(english, other) == [], f"{lang} {kind} of {lab}: code cells differ"
        assert other.metadata["seqlabs"]["language"] == lang and "seqlabs" not in english.metadata
    release = read(paths["release"])
    by_id = {c.id: c for c in translated.master.cells}
    for cell in release.cells:
        if cell.cell_type == "markdown" and not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            assert cell.source == by_id[cell.id].source
    marks = [[e for o in c.get("outputs", []) for e in [o.get("data", {}).get("application/vnd.seqlabs.autograder+json")]
              if e and e.get("event") == "summary"] for c in read(paths["solution"]).cells if c.cell_type == "code"]
    marks_en = [[e for o in c.get("outputs", []) for e in [o.get("data", {}).get("application/vnd.seqlabs.autograder+json")]
                 if e and e.get("event") == "summary"] for c in read(en["solution"]).cells if c.cell_type == "code"]
    assert marks == marks_en and any(marks)


@pytest.mark.xdist_group("build_lab0")
def test_the_spanish_master_records_the_same_key():
    """The Spanish master run in record mode (with and without hidden tests) makes the English master's key."""
    source = read(lab_paths(REPO_ROOT, EXAMPLE_LAB)["source"])
    (spanish,) = translations_of(REPO_ROOT, EXAMPLE_LAB, source)
    masters = (source, spanish.master)
    with ThreadPoolExecutor(max_workers=JOBS) as pool:  # the build's own parallelism
        runs = [pool.submit(execute_notebook, n, mode="record", cwd=REPO_ROOT)
                for nb in masters for n in (nb, strip_hidden_tests(nb))]
        runs = [r.result() for r in runs]
    keys = [build_key(EXAMPLE_LAB, nb, runs[2 * i], runs[2 * i + 1], Conditions()) for i, nb in enumerate(masters)]
    assert keys[0] == keys[1] and keys[0]["checks"]


def test_a_changed_english_cell_refuses_spanish(tmp_path):
    """One English markdown cell edited: the build refuses (no kernel, nothing written), naming the cell, its first
    line and the fix; `i18n update` then marks it fuzzy, and the build names it as fuzzy."""
    root = copy_labs(tmp_path, labs=[EXAMPLE_LAB], src=REPO_ROOT, translations=True)
    path = lab_paths(root, EXAMPLE_LAB)["source"]
    nb = read(path)
    cell = next(c for c in nb.cells if c.id == "q2-text")
    cell.source = cell.source.replace("## Q2.", "## Q2 (edited).")
    nbformat.write(nb, path)
    before = {p: p.read_bytes() for p in (root / "labs").rglob("*") if p.is_file()}
    log: list[str] = []
    report = build_labs(labs=[EXAMPLE_LAB], root=root, log=log.append)
    assert not report.ok
    error = str(report.errors[EXAMPLE_LAB])
    assert "cell 'q2-text' ('## Q2 (edited)." in error and "stale" in error, error
    assert "autograder i18n update lab0_example --language es" in error and "--allow-incomplete" in error
    assert {p: p.read_bytes() for p in (root / "labs").rglob("*") if p.is_file()} == before
    po_files.update_lab(root, EXAMPLE_LAB, "es", nb)
    report = build_labs(labs=[EXAMPLE_LAB], root=root, log=log.append)
    assert "cell 'q2-text'" in str(report.errors[EXAMPLE_LAB]) and "fuzzy" in str(report.errors[EXAMPLE_LAB])
    (marked,) = translations_of(root, EXAMPLE_LAB, nb, allow_incomplete=True)  # --allow-incomplete builds it marked
    shown = next(c for c in marked.master.cells if c.id == "q2-text").source
    assert shown.startswith("> **[Sin traducir]**") and "## Q2 (edited)." in shown and len(marked.incomplete) == 1


def grading_params():
    return [pytest.param(lab, lang, id=f"{lab}-{lang}", marks=[pytest.mark.xdist_group(f"rebuild_{lab}"),
                                                               *(() if lab == EXAMPLE_LAB else [pytest.mark.slow])])
            for lab, lang in TRANSLATED]


@pytest.mark.parametrize("lab, lang", grading_params())
def test_translated_solution_full_release_zero_in_its_language(lab, lang, tmp_path):
    """Graded under the English key: the solution in ``lang`` full, its release zero, both with their messages and
    feedback pages in ``lang``; for lab 0, the English release beside them keeps English messages (the other
    labs' English notebooks are graded elsewhere: one kernel run fewer each)."""
    subs = []
    english = [("release", lab_paths(REPO_ROOT, lab)["release"])] if lab == EXAMPLE_LAB else []
    for name, source in ((f"solution-{lang}", language_paths(REPO_ROOT, lab, lang)["solution"]),
                         (f"release-{lang}", language_paths(REPO_ROOT, lab, lang)["release"]), *english):
        (tmp_path / "subs" / name).mkdir(parents=True)
        subs.append(Path(shutil.copy(source, tmp_path / "subs" / name / f"{lab}.ipynb")))
    run = grade_submissions(lab=lab, submissions=subs, out=tmp_path / "out", root=REPO_ROOT,
                            unfenced=bool(fence.available()))
    assert run.ok, run.error
    by = {r["student"]: r for r in run.results}
    full = by[f"solution-{lang}"]["max_score"]
    assert (by[f"solution-{lang}"]["status"], by[f"solution-{lang}"]["score"]) == ("graded", full) and full > 0
    assert (by[f"release-{lang}"]["status"], by[f"release-{lang}"]["score"]) == ("graded", 0)
    assert [by[s]["language"] for s in (f"solution-{lang}", f"release-{lang}")] == [lang, lang]
    assert not by[f"release-{lang}"]["restored"], "a released Spanish cell was taken for an edited one"
    spanish_messages = json.dumps(by[f"release-{lang}"]["blocks"], ensure_ascii=False)
    assert "sin informar: la comprobación no se ejecutó" in spanish_messages and "not reported" not in spanish_messages
    page = (tmp_path / "out" / "feedback" / f"release-{lang}.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page and "<b>Nota</b>" in page and "Estudiante:" in page
    if english:
        assert by["release"]["language"] == "en" and "Laboratorio 0" in page  # the student's own notebook
        assert "not reported: the check did not run" in json.dumps(by["release"]["blocks"])
        assert '<html lang="en">' in (tmp_path / "out" / "feedback" / "release.html").read_text(encoding="utf-8")


def test_bundle_hands_out_a_language_and_says_how_to_switch_jupyterlab():
    """`bundle --language es` takes labs/release/es/ and its README says how to get JupyterLab in Spanish."""
    from autograder.bundle import BundleError, _release
    from autograder.i18n.student_readme import language_section

    assert _release(REPO_ROOT, EXAMPLE_LAB, "es") == language_paths(REPO_ROOT, EXAMPLE_LAB, "es")["release"]
    with pytest.raises(BundleError, match="labs/i18n/fr/lab0_example.po"):
        _release(REPO_ROOT, EXAMPLE_LAB, "fr")
    readme = language_section("es")
    assert "pip install jupyterlab-language-pack-es-ES" in readme and "Settings → Language → Español" in readme
    assert language_section(None) == language_section("en") == ""


def test_the_build_refuses_a_translation_that_changes_a_code_cell():
    """The build's own guard: a translated master whose code cell differs (a translated comment) is a BuildError
    naming the cell, before anything is written."""
    from autograder.assign.errors import BuildError
    from autograder.assign.in_languages import releases
    from autograder.assign.release import make_release
    from autograder.i18n.languages import Translated

    source = read(lab_paths(REPO_ROOT, EXAMPLE_LAB)["source"])
    (spanish,) = translations_of(REPO_ROOT, EXAMPLE_LAB, source)
    english = make_release(source, EXAMPLE_LAB, {})
    assert set(releases([spanish], EXAMPLE_LAB, {}, english)) == {"es"}
    cell = next(c for c in spanish.master.cells if c.id == "q1-code")
    cell.source += "\n# tu código aquí"
    with pytest.raises(BuildError, match="q1-code"):
        releases([Translated("es", spanish.master, [])], EXAMPLE_LAB, {}, english)
