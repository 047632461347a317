"""Attacker text renders as text; the strict CSP is sent and nothing violates it; offline."""

from __future__ import annotations

import http.client
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from mockserver import create_app

from .support import CONSOLE_PATH, CSP, Served, Tab

HOSTILE_PATH = "/<script>window.__pwned=1</script>"
HOSTILE_QUERY = "/api/v1/me/billing/transactions?note=<svg/onload=window.__pwned=2>&page=777001"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def raw_get(served: Served, target: str, authorization: str) -> int:
    """A request whose target goes on the wire exactly as written (no client encoding)."""
    host, port = urlsplit(served.base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", target, headers={"Authorization": authorization})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def pwned(tab: Tab) -> object:
    return tab.page.evaluate("() => window.__pwned")


def test_hostile_journal_targets_render_as_text_and_do_not_run(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    assert raw_get(tab.served, HOSTILE_PATH, "Bearer bsk_test_docs") == 404
    assert raw_get(tab.served, HOSTILE_QUERY, "Bearer <img src=x onerror=alert(1)>") == 401
    for text in (HOSTILE_PATH, HOSTILE_QUERY):
        tab.page.wait_for_function(
            """(t) => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
                  .some(e => e.textContent.includes(t) && e.checkVisibility())""",
            arg=text,
            timeout=5_000,
        )
    tab.page.wait_for_timeout(300)  # an injected handler would have run by now
    assert pwned(tab) is None
    injected = tab.page.evaluate(
        """() => document.querySelectorAll(
              '[data-testid=journal] script, [data-testid=journal] svg, '
              + '[data-testid=journal] img, [onload], [onerror]').length"""
    )
    assert injected == 0
    assert tab.page.get_by_text(HOSTILE_PATH).first.is_visible()


def test_a_hostile_deep_link_renders_as_text(tab: Tab) -> None:
    tab.allow_status(400)
    tab.open("key=bsk_test_docs&kind=%3Csvg/onload=window.__pwned=3%3E&page_size=%3Cb%3E")
    assert tab.text("query-error"), "the API's error is shown"
    assert pwned(tab) is None
    assert tab.page.evaluate("() => document.querySelectorAll('svg[onload], b').length") == 0
    assert tab.testid("page-size").input_value() == "<b>"


class _Markup(HTMLParser):
    """What a strict CSP would block in the shell: inline scripts, styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.assets: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if named.get("src"):
                self.assets.append(str(named["src"]))
        if tag == "link" and named.get("href"):
            self.assets.append(str(named["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")


def test_every_console_response_carries_the_strict_headers(console_server: Served) -> None:
    served = console_server
    page = requests.get(served.console, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    markup = _Markup()
    markup.feed(page.text)
    assert markup.problems == []
    assert any(a.endswith(".js") for a in markup.assets), markup.assets
    urls = [urljoin(served.console, a) for a in markup.assets if not a.startswith("data:")]
    assert all(url.startswith(served.base + CONSOLE_PATH) for url in urls), urls
    head = requests.head(served.console, timeout=30)
    data = [
        f"{served.base}/__mock/console/api/balance?key=bsk_test_docs",
        f"{served.base}/__mock/console/api/journal?limit=5",
        f"{served.base}/__mock/console/api/export?key=bsk_test_docs&format=csv",
        f"{served.base}/__mock/console/api/balance?key=bsk_test_docs&points=nope",
    ]
    answers = [page, head] + [requests.get(url, timeout=30) for url in urls + data]
    for answer in answers:
        assert answer.status_code < 500, (answer.url, answer.status_code)
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.url, name, answer.headers)
    assert answers[-1].status_code == 400
    assert answers[-1].json()["error"]["param"] == "points"
    for static in urls:
        assert requests.get(static, timeout=30).headers["Content-Type"].split(";")[0] in {
            "text/javascript",
            "application/javascript",
            "text/css",
        }


def test_the_console_loads_nothing_from_elsewhere(tab: Tab) -> None:
    requested: list[str] = []

    def note(request: Any) -> None:
        requested.append(request.url)

    tab.page.on("request", note)
    tab.open("key=bsk_test_docs")
    tab.page.wait_for_timeout(600)  # a journal poll too
    tab.page.remove_listener("request", note)
    assert requested
    assert all(url.startswith(tab.served.base + "/") for url in requested), requested


def test_serve_prints_the_console_url_after_the_base_url(console_server: Served) -> None:
    first, second = console_server.lines[:2]
    assert first.startswith("http://") and first.rstrip("/").endswith("/api/v1")
    assert second == f"console: {console_server.console}"


@pytest.mark.parametrize("path", ["/__mock/console/", "/__mock/console/static/console.js"])
def test_without_control_the_console_is_the_contracts_json_404(path: str) -> None:
    response = create_app().test_client().get(path)
    assert response.status_code == 404
    assert response.json is not None and response.json["error"]["type"] == "not_found_error"
