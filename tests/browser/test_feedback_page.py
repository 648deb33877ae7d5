"""The grader's feedback page (``autograder grade ... feedback/<student>.html``), opened in the browser.

Two students of the example lab: one hands in the solution, one the
untouched release. Each page (the student's own notebook with the grader's
verdict after each test cell) must render (its styles applied, nothing shown
as raw markup) and its text must hold every verdict of results.json: each
block with ✓/✘ and its marks, each check with ✓/✘ and its message.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from autograder.report.feedback import check_text

from .expect import REPO

# Tags of the page's own markup, shown as text only if the page failed to render.
RAW_MARKUP = re.compile(r"</?(?:div|p|b|pre|ul|li|h1|h2|code)\b[^>]*>")

pytestmark = pytest.mark.xdist_group("browser")  # one worker: one server, one browser

LAB = "lab0_example"


def _fmt(x: float) -> str:
    return f"{x:g}"


def test_feedback_page_shows_every_verdict(browser, tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "graded"
    subs.mkdir()
    shutil.copyfile(REPO / "labs" / "solution" / f"{LAB}.ipynb", subs / "alice.ipynb")
    shutil.copyfile(REPO / "labs" / "release" / f"{LAB}.ipynb", subs / "bob.ipynb")
    env = {**os.environ, "SEQLABS_PROFILE": "fast", "SEQLABS_DATA": ""}
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "--root", str(REPO), "grade", "--lab", LAB,
                           "--out", str(out), "--workers", "2", str(subs)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text())["submissions"]}
    assert set(results) == {"alice", "bob"}
    assert results["alice"]["score"] == results["alice"]["max_score"] > 0 and results["bob"]["score"] == 0

    context = browser.new_context()
    try:
        tab = context.new_page()
        for student, r in results.items():
            tab.goto((out / "feedback" / f"{student}.html").resolve().as_uri())
            text = tab.locator("body").inner_text()
            heading = tab.locator(".totals h1").inner_text()
            totals = r["totals"]
            assert heading == f"{LAB}: {_fmt(totals['total'])} / {_fmt(totals['total_max'])}", heading
            assert not RAW_MARKUP.search(text) and "&lt;" not in text, \
                f"raw markup on {student}'s page: {text[:500]!r}"
            for block_id, b in r["blocks"].items():
                mark = "✓" if b["ok"] else "✘"
                line = f"{mark} {block_id} [{_fmt(b['earned'])}/{_fmt(b['points'])} marks]"
                assert line in text, f"{student}: {line!r} is not on the page"
                colour = tab.locator("p.ok, p.bad", has_text=line).first.evaluate("e => getComputedStyle(e).color")
                assert colour == ("rgb(23, 102, 23)" if b["ok"] else "rgb(163, 21, 21)"), (block_id, colour)
                for cid, check in b["checks"].items():
                    verdict = f"{'✓' if check['ok'] else '✘'} {cid} — {check_text(check)}"
                    assert verdict in text, f"{student}: {verdict!r} is not on the page"
            for gid in r["manual"]:
                assert gid in text, f"{student}: the hand-graded {gid} is not listed"
    finally:
        context.close()
