"""Fixtures of the browser tests: Debian's headless Chromium, driven by Playwright, on a local Jupyter server.

Nothing here downloads a browser: Playwright is pointed at the system's
``chromium`` (``apt-get install chromium``; ``make test`` installs it when it
may). Without one the tests are skipped with the reason -- except under CI
(``CI`` set to true), where a missing browser is a failure, so that CI can
never pass by not running them.

All browser tests share one server and one browser, and one xdist group so
that they run in the same worker, one after another. The fixtures are scoped
to this package, not the session: Playwright's sync API runs an event loop
in the test's thread while it is open, and every later test of the worker
would run inside it (``asyncio.run`` refuses to start there).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from .browser_setup import CHROMIUM_ENV, find_chromium, missing
from .server import start_server


def pytest_collection_modifyitems(items):
    """The tests that open a browser are slow. (Each module puts its tests in the xdist group "browser":
    one worker for all of them, so one server and one browser; a marker added here comes too late for xdist.)"""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent) and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="package")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        missing("no Chromium found (install Debian's: `apt-get install chromium`, or run `make test` as root; "
                f"or set {CHROMIUM_ENV} to a Chromium binary)")
    return path


@pytest.fixture(scope="package")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (`pip install -c constraints.txt -e '.[dev]'`)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def jupyter(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("jupyter"))
    yield server
    server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_test_failed = report.failed


@pytest.fixture
def page(browser, jupyter, request, tmp_path):
    """A fresh tab (1280 wide, so a block and the summary fit) whose kernels are shut down afterwards.

    When the test fails, the page as it was is saved as ``failed-page.png`` in the test's tmp dir.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # clicks and reads; generous, the machine may be shared
    tab.set_default_navigation_timeout(240_000)
    yield tab
    if getattr(request.node, "browser_test_failed", False):
        shot = tmp_path / "failed-page.png"
        tab.screenshot(path=str(shot))
        print(f"the page when the test failed: {shot}")
    context.close()
    jupyter.shut_down_kernels()
