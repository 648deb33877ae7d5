"""A Spanish release in JupyterLab: the kernel finds the notebook's language through its Jupyter session (no
code cell differs from the English release), so the ✘/✓ lines, the setup cell's outline and the summary on the
page are Spanish, with the parts' Spanish titles."""
from __future__ import annotations

import re

import pytest

from .expect import REPO, blocks_in, key_points
from .notebook_page import NotebookPage
from .server import copy_lab
from .test_student_view import type_answer, without_outputs

pytestmark = pytest.mark.xdist_group("browser")  # one worker: one server, one browser

LAB = "lab0_example"
SPANISH_MARKS = re.compile(r"\[(?P<earned>[\d.]+)/(?P<points>[\d.]+) puntos(?:; [^\]]*)?\]")


def spanish_blocks(nbpage: NotebookPage) -> dict[str, tuple[str, float, float, str]]:
    """name -> (✓/✘, earned, points, text) of every block on the page, read as Spanish."""
    found = {}
    for el in nbpage.page.locator(".jp-OutputArea-output .seqlabs-autograder-block").all():
        text = el.inner_text()
        m = SPANISH_MARKS.search(text)
        assert m is not None, f"a block without a Spanish [earned/points puntos]: {text!r}"
        found[el.locator("b").first.inner_text().strip()] = (el.locator("span").first.inner_text().strip(),
                                                             float(m["earned"]), float(m["points"]), text)
    return found


def test_spanish_release_speaks_spanish(page, jupyter, tmp_path):
    release = REPO / "labs" / "release" / "es" / f"{LAB}.ipynb"
    fresh = without_outputs(release, tmp_path / f"{LAB}-es.ipynb")
    nbpage = NotebookPage(page, "lab", jupyter).open(copy_lab(jupyter, fresh, f"{LAB}-release-es.ipynb"))
    nbpage.run_all()
    points = key_points(LAB)
    shown = spanish_blocks(nbpage)
    assert sorted(shown) == sorted(blocks_in(release))
    for name, (mark, earned, worth, text) in shown.items():
        assert (mark, earned, worth) == ("✘", 0.0, points[name]), text
    summary = nbpage.page.locator(".jp-OutputArea-output .seqlabs-autograder-summary").first.inner_text()
    total = sum(points[n] for n in shown)
    # The lab's and the parts' titles in Spanish (seqlabs' catalogue), though the setup cell passes the English.
    assert f"Laboratorio 0: un laboratorio de ejemplo: 0/{total:g} puntos" in summary, summary
    assert "parte" in summary and "1. Medias por columna" in summary and "marks" not in summary, summary
    assert "Column means" not in summary and "No incluidos en este total: 2 puntos" in summary, summary
    outline = nbpage.page.locator(".jp-OutputArea-output .seqlabs-autograder-outline").first.inner_text()
    assert "Partes calificadas: 0. Datos del estudiante; 1. Medias por columna;" in outline and "Cómo funcionan" in outline, \
        outline

    code, test = nbpage.code_cell_with("def column_means"), nbpage.code_cell_with('marks("q1_means"')
    type_answer(nbpage, code, ("def column_means(x): return x.mean(axis=0)",))
    nbpage.run_cell(code)
    nbpage.run_cell(test)
    mark, earned, worth, text = spanish_blocks(nbpage)["q1_means"]
    assert (mark, earned) == ("✓", worth), text
