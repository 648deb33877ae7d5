"""A student's session, in JupyterLab and in Notebook 7, read off the rendered page.

For the example lab and lab 1 (fast profile, embedded data):
- the release, run all: every graded block shows ✘ and the summary 0;
- one answer typed into its cell, the cell and its test cell re-run: that
  block shows ✓ with its marks, the summary (re-run) is up by exactly those
  marks, and running the three again changes nothing;
- the solution, run all: full marks, and for lab 1 a rendered plot and a
  progress bar that moved and reached its end.
Screenshots of a failing block, a passing block and the summary are taken
from the example lab in JupyterLab (``SEQLABS_SCREENSHOTS=docs/images``
writes them where the README shows them; otherwise under pytest's tmp dir).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from .expect import REPO, expect_all_failed, expect_full_marks, key_points
from .notebook_page import NotebookPage
from .server import copy_lab

pytestmark = pytest.mark.xdist_group("browser")  # one worker: one server, one browser



@dataclass(frozen=True)
class Answer:
    """One exercise a student fills in: the cell (found by its text), what they type, the block it earns."""

    cell_text: str  # text in the student's code cell
    typed: tuple[str, ...]  # the lines typed (each line carries its own indentation)
    block: str  # the block its test cell grades
    test_text: str  # text in that test cell


@dataclass(frozen=True)
class Lab:
    name: str
    answer: Answer
    plots: bool  # the solution draws at least one plot
    progress: bool  # ... and shows a progress bar


LABS = {
    "lab0_example": Lab(
        "lab0_example",
        Answer("def column_means", ("def column_means(x): return x.mean(axis=0)",), "q1_means", 'marks("q1_means"'),
        plots=False, progress=False),
    "lab1_rnn_lstm_numpy": Lab(
        "lab1_rnn_lstm_numpy",
        Answer("def clip_gradient_norm", (
            "def clip_gradient_norm(grads, max_norm):",
            "    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))",
            "    scale = max_norm / (norm + 1e-6) if norm > max_norm else 1.0",
            "    return {name: g * scale for name, g in grads.items()}",
            "",
            "def sgd_update(params, grads, lr):",
            "    return {name: value - lr * grads[name] for name, value in params.items()}",
        ), "rnn_optim", 'marks("rnn_optim"'),
        plots=True, progress=True),
}


def screenshot_dir(tmp_path: Path) -> Path:
    target = os.environ.get("SEQLABS_SCREENSHOTS")
    path = (REPO / target) if target and not Path(target).is_absolute() else Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def without_outputs(src: Path, dst: Path) -> Path:
    """A copy of ``src`` with no outputs: what is read afterwards was rendered by this run."""
    nb = json.loads(src.read_text())
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False))
    return dst


def type_answer(nbpage: NotebookPage, cell, lines: tuple[str, ...]) -> None:
    """Replace the cell's text by ``lines``, typed key by key (the editor's auto-indent undone after each Enter)."""
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    keyboard = nbpage.page.keyboard
    keyboard.press("Control+A")
    keyboard.press("Delete")
    for i, line in enumerate(lines):
        if i:
            keyboard.press("Enter")
            keyboard.press("Shift+Home")  # select what auto-indent inserted; the typed line replaces it
            if not line:
                keyboard.press("Delete")
        if line:
            keyboard.type(line)
    keyboard.press("Escape")  # back to command mode, the cell stays selected


# Every lab in JupyterLab; in Notebook 7 the example lab only: the same page components, and lab 1's
# release (a Run All that stops at each unfinished cell) is the longest run of the suite.
RELEASE_RUNS = [(lab, "lab") for lab in LABS] + [("lab0_example", "notebook")]


@pytest.mark.parametrize(("lab", "ui"), RELEASE_RUNS)
def test_release_fails_then_one_answer_passes(page, jupyter, ui, lab, tmp_path):
    spec = LABS[lab]
    release = REPO / "labs" / "release" / f"{lab}.ipynb"
    nbpage = NotebookPage(page, ui, jupyter).open(copy_lab(jupyter, release, f"{lab}-release-{ui}.ipynb"))
    nbpage.run_all()
    expect_all_failed(nbpage, lab, release)
    before = nbpage.summary()
    worth = key_points(lab)[spec.answer.block]

    if ui == "lab" and lab == "lab0_example":
        shots = screenshot_dir(tmp_path)
        nbpage.code_cell_with('marks("q2_rms"').screenshot(path=str(shots / "marks-failing-block.png"))

    code, test = nbpage.code_cell_with(spec.answer.cell_text), nbpage.code_cell_with(spec.answer.test_text)
    summary_cell = nbpage.code_cell_with("autograder.summary()")
    type_answer(nbpage, code, spec.answer.typed)
    for _ in range(2):  # the second round must change nothing
        for cell in (code, test, summary_cell):
            nbpage.run_cell(cell)
        shown = nbpage.blocks()
        b = shown[spec.answer.block]
        assert (b.mark, b.earned, b.points) == ("✓", worth, worth), f"after the answer the page shows {b.text!r}"
        others = {n: s for n, s in shown.items() if n != spec.answer.block}
        assert all(s.mark == "✘" and s.earned == 0 for s in others.values()), \
            f"other blocks changed: {[s.text for s in others.values() if s.mark != '✘']}"
        after = nbpage.summary()
        assert (after.earned, after.points) == (before.earned + worth, before.points), \
            f"the summary should read {before.earned + worth:g}/{before.points:g}, page shows {after.text!r}"

    if ui == "lab" and lab == "lab0_example":
        test.screenshot(path=str(shots / "marks-passing-block.png"))
        summary_cell.screenshot(path=str(shots / "marks-summary.png"))
        for name in ("marks-failing-block.png", "marks-passing-block.png", "marks-summary.png"):
            assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


_PERCENT = re.compile(r"(\d+)%")
_COUNT = re.compile(r"(\d+)/(\d+)")


def _bar_state(text: str) -> tuple[int, int] | None:
    m = _COUNT.search(text)
    return (int(m[1]), int(m[2])) if m else None


# Every lab in JupyterLab, the example lab in Notebook 7 too (the same output renderers and widget
# manager; a second lab 1 run, 75 s, was the suite's longest browser test).
SOLUTION_RUNS = [(lab, "lab") for lab in LABS] + [("lab0_example", "notebook")]


@pytest.mark.parametrize(("lab", "ui"), SOLUTION_RUNS)
def test_solution_full_marks_plots_and_progress(page, jupyter, ui, lab, tmp_path):
    spec = LABS[lab]
    solution = REPO / "labs" / "solution" / f"{lab}.ipynb"
    copy = without_outputs(solution, tmp_path / f"{lab}-solution-{ui}.ipynb")
    nbpage = NotebookPage(page, ui, jupyter).open(copy_lab(jupyter, copy))
    seen: list[tuple[int, int]] = []
    nbpage.run_all(watch=lambda _: seen.extend(s for t in nbpage.progress_texts() if (s := _bar_state(t))))
    expect_full_marks(nbpage, lab, solution)
    assert nbpage.first_unrun_cell() is None, "a cell of the solution did not run"
    if spec.plots:
        assert nbpage.images() >= 1, "the solution drew no plot that the browser rendered"
    if spec.progress:
        final = [_bar_state(t) for t in nbpage.progress_texts()]
        assert final and all(s is not None and s[0] == s[1] > 0 for s in final), \
            f"every progress bar should end full, the page shows {nbpage.progress_texts()}"
        widgets = nbpage.page.locator(".widget-hprogress").count()
        assert nbpage.page.locator(".widget-hprogress .progress-bar[style*='width: 100%']").count() == widgets
        assert any(0 < n < total for n, total in seen), f"no progress bar was seen on its way (seen: {seen[:20]})"
