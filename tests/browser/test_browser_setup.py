"""Without a browser the tests skip locally and fail under CI; the browser is found where Debian puts it."""
from __future__ import annotations

import pytest

from .browser_setup import CHROMIUM_ENV, find_chromium, missing

pytestmark = pytest.mark.xdist_group("browser")  # one worker: one server, one browser


def test_missing_browser_skips_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="browser tests skipped: no chromium"):
        missing("no chromium")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_browser_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI: no chromium"):
        missing("no chromium")


def test_find_chromium(monkeypatch, tmp_path):
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() is None
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_chromium() == str(fake)
    monkeypatch.setenv(CHROMIUM_ENV, "/opt/my/chrome")
    assert find_chromium() == "/opt/my/chrome"
