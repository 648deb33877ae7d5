"""Progress display per environment, and Trevett's epoch_time."""
import io
import threading
import time

import pytest
from tqdm import tqdm

from seqlabs import progress as progress_module
from seqlabs.progress import LogProgress, epoch_time, is_interactive, progress


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def trevett_epoch_time(start_time, end_time):
    """Verbatim from Trevett's pytorch-seq2seq tutorials (the oracle)."""
    elapsed_time = end_time - start_time
    elapsed_mins = int(elapsed_time / 60)
    elapsed_secs = int(elapsed_time - (elapsed_mins * 60))
    return elapsed_mins, elapsed_secs


@pytest.mark.parametrize("start,end", [(0, 0), (0, 59.99), (0, 60), (0, 125.9), (1000.5, 4723.2), (3.0, 3.5)])
def test_epoch_time_matches_trevett(start, end):
    """Does epoch_time give the tutorial's (mins, secs)?"""
    assert epoch_time(start, end) == trevett_epoch_time(start, end)
    assert all(isinstance(v, int) for v in epoch_time(start, end))


def test_epoch_time_known_value_and_bad_order():
    """Is 125.9 s two minutes five seconds, and do swapped arguments say so?"""
    assert epoch_time(0.0, 125.9) == (2, 5)
    with pytest.raises(ValueError, match="before start"):
        epoch_time(10.0, 5.0)


def test_non_tty_stream_is_not_interactive():
    """Is a plain buffer (CI, a pipe) non-interactive and a TTY interactive?"""
    assert not is_interactive(io.StringIO())
    assert is_interactive(FakeTTY())


def test_auto_mode_writes_log_lines_without_tty():
    """Without a TTY, does progress write plain lines (no carriage returns) and yield every item?"""
    out = io.StringIO()
    bar = progress(range(20), desc="train", stream=out)
    assert isinstance(bar, LogProgress)
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_postfix(loss=1.0 / (i + 1))
    assert seen == list(range(20))
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0].startswith("train 2/20 (10%)")
    assert lines[-1].startswith("train 20/20 (100%)")
    assert lines[-1].endswith("loss=0.05")
    assert len(lines) == 10  # every tenth, not every item


def test_log_progress_without_length_and_manual_updates():
    """Does a generator (no len) log counts, and does a context-managed manual bar write its final count?"""
    out = io.StringIO()
    list(progress((i for i in range(3)), desc="eval", mode="log", stream=out))
    assert [line.split()[:2] for line in out.getvalue().splitlines()] == [["eval", "1"], ["eval", "3"]]

    out = io.StringIO()
    with progress(total=100, mode="log", stream=out) as bar:
        for _ in range(25):
            bar.update(4)
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("100/100 (100%)")


def test_auto_mode_uses_tqdm_on_a_tty():
    """On a terminal, is progress a tqdm bar that still yields every item?"""
    out = FakeTTY()
    bar = progress(range(5), desc="train", stream=out)
    assert isinstance(bar, tqdm)
    assert list(bar) == list(range(5))
    assert "5/5" in out.getvalue()


def test_auto_mode_uses_tqdm_in_a_watched_notebook_and_lines_headless(monkeypatch):
    """In a kernel a Jupyter server started for a notebook (JPY_SESSION_NAME), is progress a tqdm bar, and in
    one nbconvert or papermill started (none), log lines?"""
    monkeypatch.setattr(progress_module, "in_notebook", lambda: True)
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/student/lab1.ipynb")
    bar = progress(range(3), stream=io.StringIO())
    assert isinstance(bar, tqdm)
    bar.close()
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert isinstance(progress(range(3), stream=FakeTTY()), LogProgress)  # a kernel's stderr is no terminal


def test_long_items_write_a_line_every_min_interval(monkeypatch):
    """Items slower than ``min_interval``: is there a line per item (not only per tenth), and never more?"""
    clock = iter(range(0, 10_000, 40))  # every reading 40 s after the last
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    bar = LogProgress(total=100, stream=out, min_interval=30.0)
    for _ in range(25):
        bar.update(1)
    bar.close()
    assert len(out.getvalue().splitlines()) == 25


def test_a_notebook_run_headless_stores_about_ten_lines(tmp_path):
    """Executed by nbclient (as nbconvert --execute and papermill do), does a 1000-step loop store plain lines,
    at most ten, instead of a bar refresh per output?"""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import time\nfrom seqlabs.progress import progress\n"
        "for i in progress(range(1000), desc='epoch'):\n    time.sleep(0.001)")]
    env_before = dict(__import__("os").environ)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env={k: v for k, v in env_before.items() if k not in ("SEQLABS_PROGRESS", "JPY_SESSION_NAME")})
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    lines = text.splitlines()
    assert "\r" not in text and 1 <= len(lines) <= 10, lines
    assert lines[-1].startswith("epoch 1000/1000 (100%)")


def test_off_mode_writes_nothing_and_bad_mode_is_named():
    """Does mode='off' stay silent, and does an unknown mode list the valid ones?"""
    out = io.StringIO()
    bar = progress(range(3), mode="off", stream=out)
    assert list(bar) == [0, 1, 2]
    bar.set_postfix(loss=1.0)
    assert out.getvalue() == ""
    with pytest.raises(ValueError, match="'auto', 'bar', 'log' or 'off'"):
        progress(range(3), mode="fancy")


def test_in_notebook_detects_ipykernel_shell(monkeypatch):
    """Is a ZMQInteractiveShell (Jupyter kernel) detected, and a terminal IPython or plain Python not?"""
    import sys
    import types

    from seqlabs.progress import in_notebook

    def fake_ipython(shell_class_name):
        shell = type(shell_class_name, (), {})()
        return types.SimpleNamespace(get_ipython=lambda: shell)

    monkeypatch.setitem(sys.modules, "IPython", fake_ipython("ZMQInteractiveShell"))
    assert in_notebook()
    monkeypatch.setenv("JPY_SESSION_NAME", "lab.ipynb")
    assert is_interactive(io.StringIO())  # a watched kernel counts as interactive without a TTY
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert not is_interactive(io.StringIO())  # one run headless does not
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython("TerminalInteractiveShell"))
    assert not in_notebook()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert not in_notebook()


def test_seqlabs_progress_setting_decides_auto_mode(monkeypatch):
    """Does SEQLABS_PROGRESS override the interactive guess, and is a bad value refused with the choices?"""
    from seqlabs.progress import default_mode

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("SEQLABS_PROGRESS", raising=False)
    assert default_mode(Terminal()) == "bar"
    assert default_mode(io.StringIO()) == "log"
    monkeypatch.setenv("SEQLABS_PROGRESS", "log")
    assert default_mode(Terminal()) == "log"
    monkeypatch.setenv("SEQLABS_PROGRESS", "widgets")
    with pytest.raises(ValueError, match="SEQLABS_PROGRESS must be one of"):
        default_mode(io.StringIO())


def test_jupyter_bar_is_text_not_a_widget(monkeypatch):
    """In Jupyter, is the bar tqdm's text bar (a widget shows a frozen 0% when no front end renders it)?"""
    from tqdm.notebook import tqdm as widget_tqdm

    monkeypatch.setattr(progress_module, "in_notebook", lambda: True)
    out = io.StringIO()
    bar = progress(range(4), mode="bar", stream=out)
    assert not isinstance(bar, widget_tqdm)
    list(bar)
    assert "4/4" in out.getvalue()


def test_worker_threads_updating_one_display_write_whole_lines_once_a_tenth():
    """Hogwild worker threads share one display: ten whole lines, none written twice, the count exact."""
    class SlowStream(io.StringIO):  # a terminal's write lets the other threads run, as stderr's does
        def write(self, text):
            time.sleep(0.002)
            return super().write(text)

    out = SlowStream()
    bar = LogProgress(total=40_000, desc="sgns", stream=out)
    threads = [threading.Thread(target=lambda: [bar.update(1) for _ in range(10_000)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bar.close()
    lines = out.getvalue().splitlines()
    assert bar.n == 40_000
    assert [line.split()[1] for line in lines] == [f"{4000 * k}/40000" for k in range(1, 11)], lines
