"""Fixtures of the console's browser tests: one Chromium and one ``serve`` per xdist worker.

The browser is Debian's Chromium (``apt-get install chromium``), driven by
Playwright for Python; ``playwright install`` is never needed. It is found at
``$LEDGER_CHROMIUM``, else ``/usr/bin/chromium``. Without it the tests skip,
saying why, except under ``CI=true`` or ``LEDGER_REQUIRE_BROWSER=1``, where
they fail: CI must run them (``.ci/run`` installs Chromium and sets the latter).

Every test gets a ``tab``: the worker's one page, instrumented so that any
console error, uncaught exception or Content-Security-Policy violation fails
the test. The server's test state (journal, faults, drift) is reset before
each test, so tests may share the server in any order.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .support import (
    CHROMIUM_ENV,
    DEFAULT_CHROMIUM,
    Served,
    ServeProcess,
    Tab,
    chromium_path,
    missing,
)

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Error,
        Page,
        Playwright,
    )

HERE = Path(__file__).resolve().parent
# Reports every CSP violation to Python through a binding (bindings are not subject
# to the page's CSP, and they survive navigations).
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
    window.__ledgerCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} ` +
        `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


# Playwright's sync API marks its loop as running in this thread between its calls
# (so that a nested ``asyncio.run`` fails loudly) and some of its calls rely on the
# mark. The browser lives for the whole worker, and other tests on the worker
# (tests/server, tests/plugin) need ``asyncio.run``: the mark is set for each
# browser test and cleared after it.
_PLAYWRIGHT_LOOP: list[asyncio.AbstractEventLoop] = []


def _resume(playwright_object: Any) -> None:
    """Mark Playwright's loop running (before a call made outside a browser test)."""
    asyncio.events._set_running_loop(playwright_object._loop)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    if _PLAYWRIGHT_LOOP:
        asyncio.events._set_running_loop(_PLAYWRIGHT_LOOP[0])
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        asyncio.events._set_running_loop(None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install '.[test]')")
    driver = sync_playwright().start()
    _PLAYWRIGHT_LOOP.append(driver._loop)
    try:
        yield driver
    finally:
        _resume(driver)
        driver.stop()
        _PLAYWRIGHT_LOOP.clear()
        asyncio.events._set_running_loop(None)


@pytest.fixture(scope="session")
def _serve_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """The worker's ``serve --enable-control`` (no token), from the installed package.

    Started before the browser (both take a second or two) and waited for after it.
    """
    server = ServeProcess(workdir=tmp_path_factory.mktemp("serve"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(_serve_process: ServeProcess, playwright_driver: Playwright) -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        where = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
        missing(f"no Chromium at {where} (apt-get install chromium, or set {CHROMIUM_ENV}=PATH)")
    # --no-sandbox: Chromium refuses to start as root with its sandbox (containers, CI).
    browser = playwright_driver.chromium.launch(executable_path=path, args=["--no-sandbox"])
    try:
        yield browser
    finally:
        _resume(browser)
        browser.close()


@pytest.fixture(scope="session")
def console_server(_serve_process: ServeProcess) -> Served:
    """The worker's ``serve --enable-control`` once it answers."""
    return _serve_process.ready()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests' screenshots go (the session's temporary folder)."""
    return tmp_path_factory.mktemp("console-shots")


Sink = dict[str, Tab | None]


def instrumented_context(browser: Browser, sink: Sink) -> BrowserContext:
    """A 1200x800 context whose pages report their problems to ``sink["tab"]``."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)

    def violation(_source: Any, text: str) -> None:
        if sink["tab"] is not None:
            sink["tab"].problems.append(f"CSP violation: {text}")

    context.expose_binding("__ledgerCspViolation", violation)
    context.add_init_script(_CSP_LISTENER)
    return context


def attach(context: BrowserContext, sink: Sink) -> Page:
    """A page of ``context`` whose console errors, uncaught errors and crash go to the sink."""
    page = context.new_page()

    def problem(text: str) -> None:
        if sink["tab"] is not None:
            sink["tab"].problems.append(text)

    def console(message: ConsoleMessage) -> None:
        if sink["tab"] is not None:
            sink["tab"].record_console(message.type, message.text)

    def uncaught(error: Error) -> None:
        problem(f"uncaught: {error}")

    def crashed(_page: Page) -> None:
        problem("the page crashed")

    page.on("console", console)
    page.on("pageerror", uncaught)
    page.on("crash", crashed)
    return page


class _Shared:
    def __init__(self, browser: Browser) -> None:
        self.sink: Sink = {"tab": None}
        self.context = instrumented_context(browser, self.sink)
        self.page = attach(self.context, self.sink)


@pytest.fixture(scope="session")
def shared_page(chromium: Browser) -> Iterator[_Shared]:
    shared = _Shared(chromium)
    try:
        yield shared
    finally:
        _resume(shared.context)
        shared.context.close()


def _check(tab: Tab) -> None:
    problems = list(tab.problems)
    assert not problems, "the console reported problems:\n  " + "\n  ".join(problems)


@pytest.fixture
def tab(shared_page: _Shared, console_server: Served, shots: Path) -> Iterator[Tab]:
    """The worker's page on a freshly reset server; fails the test on any page problem."""
    reset = console_server.control("POST", "reset")
    assert reset.status_code == 200, reset.text
    current = Tab(page=shared_page.page, served=console_server, shots=shots)
    shared_page.sink["tab"] = current
    try:
        yield current
        current.page.wait_for_timeout(50)  # let late console messages arrive
        _check(current)
    finally:
        shared_page.sink["tab"] = None
        shared_page.page.goto("about:blank")  # stop polling before the next test resets
        reset = console_server.control("POST", "reset")
        assert reset.status_code == 200, reset.text


@pytest.fixture
def new_tab(chromium: Browser, shots: Path) -> Iterator[Callable[[Served], Tab]]:
    """A factory of tabs in fresh contexts (own sessionStorage), for another server."""
    opened: list[tuple[BrowserContext, Tab]] = []

    def make(served: Served) -> Tab:
        sink: Sink = {"tab": None}
        context = instrumented_context(chromium, sink)
        made = Tab(page=attach(context, sink), served=served, shots=shots)
        sink["tab"] = made
        opened.append((context, made))
        return made

    try:
        yield make
        for _, made in opened:
            made.page.wait_for_timeout(50)
            _check(made)
    finally:
        for context, _ in opened:
            context.close()
