"""What the console's browser tests share: a live ``serve``, the API's own answers, a tab.

A ``Tab`` is one Chromium page on the console that records every console error,
uncaught exception and Content-Security-Policy violation; the ``tab`` fixture
fails the test on any of them. The helpers poll the page from Python with a
deadline and then assert, so a failure shows what the page held rather than
a bare timeout.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

if TYPE_CHECKING:
    from playwright.sync_api import Page

TRANSACTIONS = "/me/billing/transactions"
CONSOLE_PATH = "/__mock/console/"
READY = "main[data-testid=console][data-ready=true]"
# The header the interface promises on every console response (docs/console.md).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CHROMIUM_ENV = "LEDGER_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
REQUIRE_ENV = "LEDGER_REQUIRE_BROWSER"  # set by .ci/run
DEADLINE_S = 10.0  # generous: a loaded 2-core CI box; the 1 s journal promise is timed apart
_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


def chromium_path() -> str | None:
    """``$LEDGER_CHROMIUM``, else ``/usr/bin/chromium``, if it is an executable file."""
    return shutil.which(os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)


def browser_required() -> str | None:
    """Why a missing browser is a failure here (``CI=true``, ``.ci/run``), else ``None``."""
    if os.environ.get("CI", "").lower() == "true":
        return "CI=true"
    if os.environ.get(REQUIRE_ENV) == "1":
        return f"{REQUIRE_ENV}=1"
    return None


def missing(reason: str) -> NoReturn:
    """No browser: a failure in CI (the tests must run there), else a skip with the reason."""
    required = browser_required()
    if required is not None:
        pytest.fail(
            f"{required} but the console's browser tests cannot run: {reason}", pytrace=False
        )
    pytest.skip(reason)


@dataclass
class Served:
    """One ``ledger-mock serve --enable-control`` process."""

    base: str  # http://127.0.0.1:PORT
    lines: list[str]  # what it printed first (base URL line, console line)
    token: str | None = None

    @property
    def api(self) -> str:
        return f"{self.base}/api/v1"

    @property
    def console(self) -> str:
        return f"{self.base}{CONSOLE_PATH}"

    def control_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call to the control API (``path`` below ``/__mock/``), token included."""
        return requests.request(
            method,
            f"{self.base}/__mock/{path}",
            headers=self.control_headers(),
            timeout=30,
            **kwargs,
        )

    def transactions(self, key: str, query: str = "") -> requests.Response:
        """The endpoint's own answer to ``query`` (sent verbatim), as a client gets it."""
        url = f"{self.api}{TRANSACTIONS}" + (f"?{query}" if query else "")
        return requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


class ServeProcess:
    """``python -m mockserver serve --port 0 --enable-control *args`` (the installed package).

    ``start`` returns at once (the browser can start meanwhile); ``ready`` reads the
    first two lines it prints (base URL, console URL) on a thread, so a ``serve``
    that prints one line fails after a deadline instead of hanging.
    """

    def __init__(self, *args: str, workdir: Path, token: str | None = None) -> None:
        command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--enable-control"]
        if token is not None:
            command += ["--control-token", token]
        self.command = [*command, *args]
        self.token = token
        self.stderr_path = workdir / f"serve-{os.getpid()}-{time.monotonic_ns()}.err"
        self.lines: queue.Queue[str] = queue.Queue()
        self.process: subprocess.Popen[str] | None = None
        self.reader: threading.Thread | None = None
        self.served: Served | None = None

    def start(self) -> None:
        with self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                self.command, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def ready(self) -> Served:
        if self.served is not None:
            return self.served
        assert self.process is not None, "start() first"
        printed: list[str] = []
        deadline = time.monotonic() + 60
        while len(printed) < 2 and time.monotonic() < deadline:
            try:
                printed.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        if not printed or not printed[0].startswith("http://"):
            raise AssertionError(
                f"serve did not start: {printed!r} {self.stderr_path.read_text()[-2000:]}"
            )
        base = printed[0].removesuffix("/").removesuffix("/api/v1")
        _wait_listening(base)
        self.served = Served(base=base, lines=printed, token=self.token)
        return self.served

    def stop(self) -> None:
        """SIGTERM; it must exit 0 within 20 s and write no traceback."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError("serve did not stop within 20 s of SIGTERM") from None
        finally:
            if self.reader is not None:
                self.reader.join(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        err = self.stderr_path.read_text()
        assert process.returncode == 0, f"serve exited {process.returncode}: {err[-2000:]}"
        assert "Traceback" not in err, err[-2000:]


@contextmanager
def serving(*args: str, workdir: Path, token: str | None = None) -> Iterator[Served]:
    """A ``ServeProcess`` started, ready, and stopped on exit."""
    server = ServeProcess(*args, workdir=workdir, token=token)
    server.start()
    try:
        yield server.ready()
    finally:
        server.stop()


def _wait_listening(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/", timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def query_of(url: str) -> dict[str, str]:
    """A URL's query as a dict (the deep link's parameters, decoded)."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


@dataclass
class Tab:
    """The console in one Chromium page, and what went wrong in it."""

    page: Page
    served: Served
    shots: Path
    problems: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    # ------------------------------------------------------------------ recording
    def record_console(self, kind: str, text: str) -> None:
        if kind != "error":
            return
        failed = _FAILED_LOAD.search(text)
        if failed and int(failed.group(1)) in self.allowed_statuses:
            return  # a refusal the test provoked on purpose (Chromium logs every 4xx fetch)
        self.problems.append(f"console error: {text}")

    def allow_status(self, *statuses: int) -> None:
        """These statuses are expected in this test: their console lines are no errors."""
        self.allowed_statuses.update(statuses)

    # ------------------------------------------------------------------ driving
    def open(self, query: str = "", *, wait: bool = True) -> None:
        """Navigate to the console with ``query`` (a deep link) and wait until it is ready."""
        self.page.goto(self.served.console + (f"?{query}" if query else ""))
        if wait:
            self.wait_settled()

    def wait_settled(self) -> None:
        """Ready (``data-ready=true``) or showing a query error, within the deadline."""
        self.page.wait_for_function(
            """() => {
                const main = document.querySelector('main[data-testid=console]');
                const error = document.querySelector('[data-testid=query-error]');
                return (main && main.dataset.ready === 'true')
                    || (error && error.textContent.trim() !== '');
            }""",
            timeout=DEADLINE_S * 1000,
        )

    def table(self) -> tuple[list[int], str]:
        """The ids of the table's rows, in order, and the text of ``total``."""
        ids, total = self.page.evaluate(
            """() => [
                [...document.querySelectorAll(
                    '[data-testid=ledger-table] tbody tr[data-id]')].map(r => r.dataset.id),
                (document.querySelector('[data-testid=total]') || {textContent: null})
                    .textContent,
            ]"""
        )
        return [int(i) for i in ids], (total or "").strip()

    def wait_table(self, ids: list[int], total: int | None) -> None:
        """Wait until the table and total are exactly ``ids`` / ``total`` and the page is ready."""
        want = ([*ids], "" if total is None else str(total))
        deadline = time.monotonic() + DEADLINE_S
        seen = self.table()
        while time.monotonic() < deadline:
            seen = self.table()
            if seen == want and self.ready():
                return
            time.sleep(0.03)
        assert seen == want, f"table/total never became the API's answer; url {self.page.url}"
        assert self.ready(), "the table is right but data-ready never became true"

    def ready(self) -> bool:
        return bool(self.page.locator(READY).count())

    def testid(self, name: str) -> Any:
        return self.page.locator(f"[data-testid={name}]")

    def enter(self, name: str, value: str) -> None:
        """Type ``value`` into the text input ``name`` (replacing it) and press Enter."""
        field_ = self.testid(name)
        field_.fill(value)
        field_.press("Enter")

    def text(self, name: str) -> str:
        return str(self.testid(name).inner_text()).strip()

    def screenshot(self, name: str, around: str | None = None) -> Path:
        """A PNG of the viewport (1200x800), scrolled to the ``around`` test id if given,
        in the session's temporary folder."""
        if around is not None:
            self.testid(around).first.scroll_into_view_if_needed()
        path = self.shots / f"console-{name}.png"
        self.page.screenshot(path=str(path))
        return path


def expected(served: Served, key: str, query: str) -> tuple[list[int], int]:
    """The ids and total the API itself answers for ``key`` and ``query``."""
    response = served.transactions(key, query)
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["total"]


def wait_until(predicate: Any, *, timeout: float = DEADLINE_S, interval: float = 0.03) -> bool:
    """Poll ``predicate`` until it is truthy or ``timeout`` passes; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return bool(value)
        time.sleep(interval)
