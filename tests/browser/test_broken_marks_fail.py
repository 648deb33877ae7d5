"""The browser tests can fail: a kernel whose ✓/✘ HTML is broken on purpose is caught by them.

The kernel ``python3-broken-marks`` (tests/browser/server.py) runs an IPython
startup file written here, which breaks ``autograder.notebook.display`` in the way
named by the parameter; the same release run and the same reading as in
test_student_view must then raise.
"""
from __future__ import annotations

import pytest

from .expect import REPO, expect_all_failed
from .notebook_page import NotebookPage
from .server import BROKEN_KERNEL, broken_startup_dir, copy_lab

pytestmark = pytest.mark.xdist_group("browser")  # one worker: one server, one browser

LAB = "lab0_example"
BREAKAGES = {
    # a failed block wears the pass mark
    "fail-shown-as-pass": "import autograder.notebook.display as d\nd.FAIL = d.PASS\n",
    # blocks published as plain preformatted text: no marks markup at all
    "no-block-markup": ("import html\nimport autograder.notebook.display as d\n"
                        "d.block_html = lambda result, trace=(): '<pre>' + html.escape(d.block_text(result, trace=trace)) + '</pre>'\n"),
    # a block's marks read as if earned
    "marks-as-earned": ("import autograder.notebook.display as d\n_orig = d._mark_and_marks\n"
                        "d._mark_and_marks = lambda r: (_orig(r)[0], f'[{d.fmt_points(r.points)}/{d.fmt_points(r.points)} marks]')\n"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_broken_marks_html_is_caught(page, jupyter, breakage):
    startup = broken_startup_dir(jupyter) / "00-break-marks.py"
    startup.write_text(BREAKAGES[breakage])
    try:
        release = REPO / "labs" / "release" / f"{LAB}.ipynb"
        nbpage = NotebookPage(page, "lab", jupyter).open(
            copy_lab(jupyter, release, f"{LAB}-broken-{breakage}.ipynb", kernel=BROKEN_KERNEL))
        nbpage.run_all()
        assert nbpage.page.locator(".jp-OutputArea-output").count() > 0, "nothing ran: the test would prove nothing"
        with pytest.raises(AssertionError):
            expect_all_failed(nbpage, LAB, release)
    finally:
        startup.unlink()
