"""Where the browser comes from, and what happens without one (skip locally, fail under CI)."""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
CHROMIUM_ENV = "SEQLABS_CHROMIUM"  # a browser binary of your own (optional)


def in_ci() -> bool:
    """True when ``CI`` says so (``.ci/run`` runs with ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str):
    """Skip with ``reason`` locally; fail under CI, where these tests must run."""
    if in_ci():
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def find_chromium() -> str | None:
    """The system's Chromium: ``$SEQLABS_CHROMIUM``, else ``chromium`` / ``chromium-browser`` on PATH."""
    if os.environ.get(CHROMIUM_ENV):
        return os.environ[CHROMIUM_ENV]
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None
