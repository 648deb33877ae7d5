"""Drive one notebook in JupyterLab or Notebook 7 and read the marks off the page.

Everything here goes through what a student uses: the Run menu, a click
into a cell, the keyboard (Shift+Enter), and what the page renders (the
``seqlabs-autograder-block`` / ``-summary`` HTML outputs, images, widgets).
Both front ends build their notebook from the same JupyterLab components, so
one set of selectors reads both.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

RUN_TIMEOUT_S = 600.0  # one Run All of a fast-profile lab on two busy cores (a minute when they are not)
START_TIMEOUT_S = 240.0  # the page and a kernel started, on a machine that others share

_MARKS = re.compile(r"\[(?P<earned>[\d.]+)/(?P<points>[\d.]+) marks(?:[;,][^\]]*)?\]")  # "[1/2 marks]", or with a note: "[0/1 marks; part of ...]"
_TOTAL = re.compile(r":\s*(?P<earned>[\d.]+)/(?P<points>[\d.]+) marks")


@dataclass(frozen=True)
class Block:
    """One ✓/✘ block as the page shows it."""

    mark: str  # "✓", "✘" or "•"
    name: str
    earned: float
    points: float
    text: str  # all the block's text (the head line, the error, the traceback summary)


@dataclass(frozen=True)
class Summary:
    earned: float
    points: float
    text: str


class NotebookPage:
    """A notebook open in a browser tab (``ui``: ``"lab"`` or ``"notebook"``)."""

    def __init__(self, page, ui: str, server):
        self.page, self.ui, self.server = page, ui, server

    # ---- opening -----------------------------------------------------------------
    def open(self, notebook: str) -> "NotebookPage":
        """Open ``notebook`` (a path under the server's root); wait until its kernel has started and is idle."""
        self.page.goto(self.server.page_url(self.ui, notebook))
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=START_TIMEOUT_S * 1000)
        deadline = time.monotonic() + START_TIMEOUT_S
        # the page's indicator says "idle" before any kernel exists: ask the server for the session first
        while not any(s["path"] == notebook and s["kernel"]["execution_state"] == "idle"
                      for s in self.server.api("GET", "/api/sessions") or []):
            if time.monotonic() > deadline:
                raise AssertionError(f"no idle kernel for {notebook} after {START_TIMEOUT_S:.0f}s:\n{self.server.log()[-3000:]}")
            time.sleep(0.5)
        self.wait_kernel_idle()
        return self

    def wait_kernel_idle(self, timeout: float = 60.0) -> None:
        """Until the toolbar's kernel indicator says idle (both UIs show it)."""
        self.page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                                    state="attached", timeout=timeout * 1000)

    # ---- running -----------------------------------------------------------------
    def menu(self, top: str, item: str) -> None:
        """Click ``top`` in the menu bar, then ``item`` in its menu (as a student does)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()

    def run_all(self, timeout: float = RUN_TIMEOUT_S, *, watch=None) -> list[int]:
        """Run ▸ Run All Cells, as a student does, until the last cell has run; returns where it stopped.

        Run All stops at the first cell that raises (the front end asks the
        kernel to drop the queue on an error): a release stops at each
        ``raise NotImplementedError()``. A student then selects the next cell
        and picks Run ▸ Run Selected Cell and All Below; so does this, until
        every code cell has run. Returns the indices (among code cells) of the
        cells after which it had to go on. ``watch(page)`` is called about
        every half second while cells run (to sample a progress bar on its way).
        """
        deadline = time.monotonic() + timeout
        self.menu("Run", "Run All Cells")
        self.wait_done(timeout, watch=watch)
        stops = []
        while (pending := self.first_unrun_cell()) is not None:
            if pending in stops or time.monotonic() > deadline:
                raise AssertionError(f"code cell {pending} does not run (stops so far: {stops})")
            stops.append(pending)
            cell = self.code_cells().nth(pending)
            cell.scroll_into_view_if_needed()
            cell.locator(".jp-InputPrompt").click()
            self.menu("Run", "Run Selected Cell and All Below")
            self.wait_done(max(10.0, deadline - time.monotonic()), watch=watch)
        return stops

    def first_unrun_cell(self) -> int | None:
        """The first code cell (index among code cells) whose prompt has no execution count."""
        prompts = self.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        for i, p in enumerate(prompts):
            if not re.search(r"\[\d+\]", p):
                return i
        return None

    def wait_done(self, timeout: float = RUN_TIMEOUT_S, *, watch=None) -> None:
        """Until no prompt shows ``[*]`` and the kernel is idle, twice in a row half a second apart."""
        deadline = time.monotonic() + timeout
        quiet = 0
        time.sleep(0.3)
        while quiet < 2:
            if time.monotonic() > deadline:
                raise AssertionError(f"the notebook was still running after {timeout:.0f}s "
                                     f"(busy cells: {self.busy_cells()})")
            if watch is not None:
                watch(self.page)
            busy, idle = self.page.evaluate("""() => [
                [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                    .some(p => p.innerText.includes('*')),
                document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]') !== null]""")
            quiet = quiet + 1 if (not busy and idle) else 0
            time.sleep(0.5)

    def busy_cells(self) -> list[int]:
        prompts = self.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        return [i for i, p in enumerate(prompts) if "*" in p]

    def code_cells(self):
        return self.page.locator(".jp-Notebook .jp-CodeCell")

    def code_cell_with(self, text: str):
        """The (one) code cell whose source contains ``text``."""
        cells = self.page.locator(".jp-Notebook .jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea-editor", has_text=text))
        if cells.count() != 1:
            raise AssertionError(f"expected one code cell containing {text!r}, found {cells.count()}")
        return cells.first

    def replace_source_and_run(self, cell, typed: str) -> None:
        """Click into ``cell``, select its text, type ``typed`` over it, Shift+Enter (runs it, selects the next)."""
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(typed)
        self.page.keyboard.press("Shift+Enter")
        self.wait_done(180.0)

    def run_cell(self, cell) -> None:
        """Select ``cell`` (a click on its prompt area) and Shift+Enter."""
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Shift+Enter")
        self.wait_done(300.0)

    # ---- reading -----------------------------------------------------------------
    def blocks(self) -> dict[str, Block]:
        """Every ✓/✘ block on the page, by name (a block shown twice would be a bug: it fails here)."""
        found: dict[str, Block] = {}
        for el in self.page.locator(".jp-OutputArea-output .seqlabs-autograder-block").all():
            text = el.inner_text()
            name = el.locator("b").first.inner_text().strip()
            mark = el.locator("span").first.inner_text().strip()
            m = _MARKS.search(text)
            if m is None:
                raise AssertionError(f"block {name!r} shows no [earned/points marks]: {text!r}")
            if name in found:
                raise AssertionError(f"block {name!r} is shown twice on the page")
            found[name] = Block(mark, name, float(m["earned"]), float(m["points"]), text)
        return found

    def summary(self) -> Summary:
        tables = self.page.locator(".jp-OutputArea-output .seqlabs-autograder-summary")
        if tables.count() != 1:
            raise AssertionError(f"expected one marks summary on the page, found {tables.count()}")
        text = tables.first.inner_text()
        m = _TOTAL.search(text)
        if m is None:
            raise AssertionError(f"the summary shows no total: {text!r}")
        return Summary(float(m["earned"]), float(m["points"]), text)

    def images(self) -> int:
        """Rendered plots: PNG outputs that the browser decoded (natural width > 0)."""
        return self.page.evaluate(
            "() => [...document.querySelectorAll('.jp-RenderedImage img')]"
            ".filter(img => img.complete && img.naturalWidth > 0).length")

    def error_outputs(self) -> list[str]:
        return self.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                 ".jp-RenderedText, .jp-OutputArea-output .jp-RenderedText[data-mime-type="
                                 "'application/vnd.jupyter.error']").all_inner_texts()

    def progress_texts(self) -> list[str]:
        """The text of every progress bar on the page: tqdm's widget (its label, count and rate), or the last
        line of tqdm's text bar in a stream output ("epoch: 100%|####| 30/30 [00:03<00:00, ...]")."""
        return self.page.evaluate("""() => {
            const out = [];
            // tqdm.notebook: an HBox of [label "epoch: 40%", progress bar, "12/30 [00:03<00:05, ...]"]
            for (const w of document.querySelectorAll('.jp-OutputArea-output .widget-hbox')) {
                if (w.querySelector(':scope > .widget-hprogress')) out.push(w.innerText.replace(/\\s+/g, ' ').trim());
            }
            // tqdm's text bar: carriage returns redraw it in place, so the stream shows its latest state
            for (const e of document.querySelectorAll('.jp-OutputArea-output[data-mime-type^="application/vnd.jupyter.std"]')) {
                const lines = e.innerText.split(/[\\r\\n]+/).filter(l => /\\d+\\/\\d+ \\[/.test(l));
                if (lines.length) out.push(lines[lines.length - 1].replace(/\\s+/g, ' ').trim());
            }
            return out;
        }""")
