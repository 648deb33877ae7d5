"""Does the autograder speak the notebook's language, and only the notebook's?

The Spanish catalogue covers every message, a kernel finds its notebook's
language (the Jupyter session's notebook, or the runner's setting), and the
machine's locale never changes a message. No kernel.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from autograder.notebook import display
from autograder.report.feedback import feedback_page
from autograder.core import messages
from autograder.core.messages import ENV, _, current_language, use_language
from autograder.i18n.source_messages import msgids, seqlabs_catalogue, seqlabs_msgids
from autograder.notebook.tally import BlockResult
from conftest import REPO_ROOT

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


CATALOGUES = {"autograder": (messages.AUTOGRADER, msgids, 50), "seqlabs": (seqlabs_catalogue(), seqlabs_msgids, 40)}


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_every_message_has_a_spanish_translation_with_the_same_placeholders(domain):
    """Each `_("...")` msgid of the package (and seqlabs' lab and part titles): translated, not fuzzy, the same
    {fields}; no stale entries."""
    catalogue, find, at_least = CATALOGUES[domain]
    po = polib.pofile(str(catalogue.path("es")))
    live = {e.msgid: e for e in po if not e.obsolete}
    wanted = find()
    assert len(wanted) > at_least
    missing = [m for m in wanted if m not in live or not live[m].msgstr or live[m].fuzzy]
    assert not missing, f"untranslated in {domain}'s es catalogue: {missing}; run `python -m autograder.i18n.source_messages es`"
    wrong = [m for m in wanted if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(live[m].msgstr))]
    assert not wrong, f"translations whose {{placeholders}} differ from the English: {wrong}"
    assert not set(live) - set(wanted), "entries no code uses: run `python -m autograder.i18n.source_messages es`"


def _block() -> BlockResult:
    return BlockResult(block="q1_means", section="q1", points=2.0, earned=0.0, error="q1_means.value: your value is NaN",
                       hidden=True)


def _tally() -> dict:
    return {"lab": "lab0_example", "earned": 1.0, "points": 3.0, "hidden_points": 1.0,
            "sections": {"q1": {"earned": 1.0, "points": 3.0}}}


def test_spanish_lines_and_summary():
    """Under Spanish: the ✘ line, the hidden-check note, the summary table and a verdict are Spanish."""
    with use_language("es"):
        line = display.block_text(_block())
        table = display.summary_text(_tally())
        from autograder.notebook.checks import verdict_bound

        verdict = verdict_bound(3.0, 2.0, kind="below")
    assert line.startswith("✘ q1_means [0/2 puntos; parte de este bloque se califica después con comprobaciones ocultas]")
    assert table.splitlines()[:2] == ["lab0_example: 1/3 puntos", "parte  puntos"]
    assert "se califican después" in table and verdict == "3 no está por debajo de 2"
    assert display.block_text(_block()).startswith("✘ q1_means [0/2 marks; part of this block")  # English outside


RENDER = """
from autograder.notebook import display
from autograder.notebook.checks import verdict_bound
from autograder.notebook.tally import BlockResult
r = BlockResult(block="q1", section="q1", points=1.0, earned=0.0, error="boom")
print(display.block_text(r)); print(verdict_bound(3.0, 2.0, kind="below"))
print(display.summary_text({"lab": "l", "earned": 0.0, "points": 1.0, "hidden_points": 0, "sections": {}}))
"""


def _render(env: dict[str, str], cwd: Path | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "JPY_", "SEQLABS_NOTEBOOK"))}
    done = subprocess.run([sys.executable, "-c", RENDER], env={**base, **env}, capture_output=True, text=True,
                          check=True, cwd=cwd or REPO_ROOT)
    return done.stdout


def test_the_machines_locale_changes_nothing():
    """LANG/LC_ALL/LANGUAGE set to Spanish (or C) on a run with no Spanish notebook: the same English text."""
    english = _render({"LANG": "C", "LC_ALL": "C"})
    assert "[0/1 marks]" in english and "is not below" in english
    spanish_machine = _render({"LANG": "es_ES.UTF-8", "LC_ALL": "es_ES.UTF-8", "LANGUAGE": "es", "LC_MESSAGES": "es_ES.UTF-8"})
    assert spanish_machine == english


def test_the_kernel_finds_its_notebooks_language(tmp_path):
    """The Jupyter session's notebook decides (Spanish metadata -> Spanish, even with the runner's setting
    saying English; an English notebook -> English, even with the setting saying Spanish); without a session,
    the runner's setting (SEQLABS_NOTEBOOK_LANGUAGE) decides."""
    es_nb, en_nb = tmp_path / "es nb.ipynb", tmp_path / "en.ipynb"
    es_nb.write_text(json.dumps({"cells": [], "metadata": {"seqlabs": {"language": "es"}}}))
    en_nb.write_text(json.dumps({"cells": [], "metadata": {}}))
    assert "[0/1 puntos]" in _render({"JPY_SESSION_NAME": str(es_nb), ENV: "en"})
    assert "[0/1 marks]" in _render({"JPY_SESSION_NAME": str(en_nb), ENV: "es", "LANG": "es_ES.UTF-8"})
    assert "[0/1 puntos]" in _render({ENV: "es"})


def test_use_language_is_per_context(monkeypatch):
    """The grader's setting holds inside its block only, and beats the kernel's."""
    monkeypatch.setenv(ENV, "es")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert current_language() == "es" and _("marks") == "puntos"
    with use_language("en"):
        assert _("marks") == "marks"
    assert _("marks") == "puntos"


def test_counts_are_grouped_as_the_notebooks_language_writes_them():
    """A data cell's "2,998 of its 6,000 pairs" reads as a little under three in Spanish: 2.998 there (CLDR)."""
    from seqlabs.messages import number

    with use_language("en"):
        assert (number(2998), number(21963), number(300)) == ("2,998", "21,963", "300")
    with use_language("es"):
        assert (number(2998), number(21963), number(300)) == ("2.998", "21.963", "300")
    with use_language("zz-unknown"):  # no CLDR data: English grouping, no error in a student's data cell
        assert number(2998) == "2,998"


def test_a_spanish_feedback_page():
    """A Spanish result's page: lang="es", Spanish headings, totals, verdict words; the English one unchanged."""
    result = {"student": "ana", "status": "graded", "score": 1.0, "max_score": 3.0,
              "blocks": {"q1_means": {"ok": True, "earned": 1.0, "points": 1.0, "checks": {"q1_means.value": {
                  "ok": True, "message": "ok"}}},
                  "q2_rms": {"ok": False, "earned": 0.0, "points": 2.0, "error": None, "note": None,
                             "checks": {"q2_rms": {"ok": False, "hidden": True, "message": "x"}}}},
              "manual": {"q5_answer": {"points": 2.0, "status": "pending"}}}
    with use_language("es"):
        page = feedback_page("lab0_example", result, None, graded_under="fast profile, embedded data")
    assert '<html lang="es">' in page and "<b>Nota</b>" in page and "Estudiante: <b>ana</b>" in page
    assert "Estado: <b>calificado</b>" in page and "[1/1 puntos]" in page and "prueba oculta no superada" in page
    assert "q5_answer: corregida a mano, pendiente" in page and "2 puntos aún por corregir a mano" in page
    english = feedback_page("lab0_example", result, None)
    assert '<html lang="en">' in english and "<b>Grade</b>" in english and "hidden test failed" in english


def test_seqlabs_reads_the_catalogue_it_ships():
    """The catalogue the course library reads at run time is the one source_messages keeps up to date."""
    from seqlabs.messages import CATALOGUE

    assert CATALOGUE.path("es").resolve() == seqlabs_catalogue().path("es").resolve()
    assert CATALOGUE.path("es").is_file()


def test_a_spanish_outline_summary_and_missing_name_show_spanish_titles():
    """Lab 0's declared outline under Spanish: the setup cell's outline, the summary's part rows and a
    missing-name message name the lab and parts by their Spanish titles (the code passes the English ones),
    in Spanish grammar; under English, the English titles."""
    from autograder.notebook import parts
    from seqlabs.settings.outlines import OUTLINES
    from seqlabs.student_info import student_info_problems

    outline = parts.parse(**OUTLINES["lab0_example"])
    tally = {"lab": "lab0_example", "earned": 1.0, "points": 3.0, "hidden_points": 0.0, "hand_graded": 2.0}
    with use_language("es"):
        shown = display.outline_text(outline)
        one = parts.missing_message(["rms"], outline, subject=_("this cell"))
        two = parts.missing_message(["column_means", "data", "gate"], outline)
        summary = display.summary_text(outline.shown({**tally, "title": outline.title, "sections": {
            outline.parts[1].label: {"earned": 1.0, "points": 3.0}, "extra": {"earned": 0.0, "points": 0.0}}}))
        info = student_info_problems([], []) + student_info_problems(["", "7"], ["Ana"])
    assert shown.splitlines()[:2] == ["Laboratorio 0: un laboratorio de ejemplo",
                                      "Partes calificadas: 0. Datos del estudiante; 1. Medias por columna; "
                                      "2. Raíz cuadrática media; 3. Nombra la puerta; "
                                      "4. Entrena una regresión logística."]
    assert "Otros 2 puntos son de las respuestas escritas" in shown
    assert summary.splitlines()[:4] == ["Laboratorio 0: un laboratorio de ejemplo: 1/3 puntos",
                                        "parte                  puntos", "1. Medias por columna  1/3",
                                        "extra                  0/0"]
    assert "No incluidos en este total: 2 puntos" in summary
    assert one == ("esta celda usa tu `rms` de la parte 2 (Raíz cuadrática media), que no está definido: "
                   "ejecuta primero las celdas de esa parte; si alguna de ellas se detuvo con un error, "
                   "corrige ese error allí")
    assert two.startswith("este bloque usa tus `column_means` y `data` de la parte 1 (Medias por columna) y tu "
                          "`gate` de la parte 3 (Nombra la puerta), que no están definidos: ejecuta primero "
                          "las celdas de esas partes;")
    assert info == ["indica uno o dos números de estudiante (hay 0)",
                    "los números de estudiante no pueden estar vacíos y deben ser distintos",
                    "escribe una firma (nombre completo) por cada número de estudiante"]
    assert display.outline_text(outline).splitlines()[1].startswith("Graded parts: 0. Student information; 1. Column means")
    assert outline.parts[1].label == "1. Column means"  # the tally's and the events' section: one in every language


def test_spanish_traceback_lines_and_lists():
    """A traceback line of a notebook cell and a list of names read as Spanish under Spanish."""
    import traceback

    from autograder.notebook.parts import and_list

    frame = traceback.FrameSummary("/tmp/ipykernel_7/abc.py", 4, "forward", line="return self.fc(h)")
    with use_language("es"):
        assert display._frame_line(frame) == "celda, línea 4, en forward -> return self.fc(h)"
        assert and_list(["`a`", "`b`", "`c`"]) == "`a`, `b` y `c`"
    assert display._frame_line(frame) == "cell, line 4, in forward -> return self.fc(h)"
