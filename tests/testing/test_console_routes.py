"""The console's routes (``mockserver.testing.console``), without a browser.

Only with the control API; the page and its static files without the token, its
JSON with it; the strict CSP and friends on every response under the prefix,
refusals included; every bad parameter a JSON ``400`` naming it, never a ``500``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver import create_app, ledger_store
from mockserver.testing import console as console_package
from mockserver.testing.console import SECURITY_HEADERS, is_public_path
from mockserver.testing.console.routes import PAGE_FAULT_KINDS
from mockserver.testing.faults import FAULT_KINDS

TOKEN = "ctl_" + "A1b2-C3d4_E5f6.G7h8~"
CONSOLE = "/__mock/console/"
STATIC = Path(console_package.__file__).resolve().parent / "static"  # the installed copy
API = ("/__mock/console/api/balance", "/__mock/console/api/journal", "/__mock/console/api/export")
# The interface the browser tests and users' own tests drive (docs/console.md).
TESTIDS = (
    "console",
    "key-picker",
    "kind-filter",
    "since",
    "until",
    "page",
    "page-size",
    "ledger-table",
    "total",
    "curl",
    "raw-json-toggle",
    "raw-json",
    "balance-chart",
    "journal",
    "journal-key-filter",
    "journal-show-console",
    "query-error",
    "fault-kind",
    "fault-count",
    "fault-share",
    "fault-retry-after",
    "fault-latency-ms",
    "fault-inject",
    "faults-active",
    "faults-clear",
    "drift-start",
    "drift-stop",
    "drift-status",
    "export-format",
    "export-download",
    "control-status",
    "token-dialog",
    "control-token",
    "control-token-save",
)


@pytest.fixture(scope="module")
def console_app() -> Flask:
    return create_app(control=True)


@pytest.fixture
def console(console_app: Flask) -> Iterator[FlaskClient]:
    with console_app.test_client() as client:
        yield client


@pytest.fixture(scope="module")
def guarded_app() -> Flask:
    return create_app(control=True, control_token=TOKEN)


def _assert_secured(response: Any) -> None:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name) == value, name


class _Markup(HTMLParser):
    """What the page's markup holds: tags with their attributes, and script bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_bodies.append(data)


def _markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    return parser


# -- only with control ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [CONSOLE, "/__mock/console", "/__mock/console/static/console.js", *API],
)
def test_without_control_the_console_is_the_contracts_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["type"] == "not_found_error"
    assert "Content-Security-Policy" not in response.headers


def test_the_fault_kinds_offered_exist() -> None:
    assert set(PAGE_FAULT_KINDS) <= set(FAULT_KINDS)
    assert PAGE_FAULT_KINDS[0] == "rate_limit"


# -- the page ---------------------------------------------------------------------


def test_the_page_is_a_strict_shell(console: FlaskClient) -> None:
    response = console.get(CONSOLE)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    _assert_secured(response)
    markup = _markup(response.get_data(as_text=True))
    testids = {attrs.get("data-testid") for _, attrs in markup.tags}
    assert set(TESTIDS) <= testids
    assert not [body for body in markup.script_bodies if body.strip()], "inline script"
    for tag, attrs in markup.tags:
        assert "style" not in attrs, tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "script":
            assert str(attrs.get("src", "")).startswith("/__mock/console/static/")
    assert not [tag for tag, _ in markup.tags if tag == "style"]
    kinds = [a.get("value") for t, a in markup.tags if t == "option"]
    assert kinds[:6] == ["", "topup", "refund", "admin_credit", "admin_debit", "subscription_renew"]
    main = [attrs for tag, attrs in markup.tags if attrs.get("data-testid") == "console"]
    assert main == [main[0]] and main[0]["data-ready"] == "false"
    assert [t for t, a in markup.tags if a.get("data-testid") == "console"] == ["main"]


def test_the_page_answers_head_and_refuses_other_methods_as_json(console: FlaskClient) -> None:
    head = console.head(CONSOLE)
    assert head.status_code == 200 and head.data == b""
    _assert_secured(head)
    post = console.post(CONSOLE)
    assert post.status_code == 405 and post.get_json()["error"]["type"] == "invalid_request_error"
    _assert_secured(post)


def test_the_bare_prefix_redirects_with_a_json_body(console: FlaskClient) -> None:
    response = console.get("/__mock/console")
    assert response.status_code == 308
    assert response.headers["Location"].endswith(CONSOLE)
    assert response.get_json() == {"location": CONSOLE}
    _assert_secured(response)


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("console.js", "text/javascript"),
        ("console.css", "text/css"),
        ("uPlot.iife.min.js", "text/javascript"),
        ("uPlot.min.css", "text/css"),
    ],
)
def test_static_files_are_served_from_the_package(
    console: FlaskClient, name: str, mimetype: str
) -> None:
    response = console.get(f"/__mock/console/static/{name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data == (STATIC / name).read_bytes()
    _assert_secured(response)
    response.close()


def test_the_vendored_chart_library_is_the_recorded_version() -> None:
    vendored = (STATIC.parent / "VENDORED.md").read_text(encoding="utf-8")
    head = (STATIC / "uPlot.iife.min.js").read_text(encoding="utf-8")[:200]
    version = re.search(r"uPlot \(v([0-9.]+)\)", head)
    assert version is not None and f"| {version.group(1)} |" in vendored
    assert "MIT" in (STATIC / "uPlot.LICENSE").read_text(encoding="utf-8")


def test_the_script_never_writes_html() -> None:
    lines = (STATIC / "console.js").read_text(encoding="utf-8").splitlines()
    script = "\n".join(line for line in lines if not line.strip().startswith("//"))
    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink
    assert 'setAttribute("style"' not in script and ".style." not in script


def test_a_missing_static_file_is_a_json_404(console: FlaskClient) -> None:
    response = console.get("/__mock/console/static/nope.js")
    assert response.status_code == 404
    assert response.get_json()["error"]["type"] == "not_found_error"
    _assert_secured(response)


# -- the token --------------------------------------------------------------------


def test_the_shell_needs_no_token_but_the_data_do(guarded_app: Flask) -> None:
    client = guarded_app.test_client()
    for path in (CONSOLE, "/__mock/console/static/console.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    for path in (
        "/__mock/console/api/balance?key=bsk_test_docs",
        "/__mock/console/api/journal",
        "/__mock/console/api/export?key=bsk_test_docs",
        "/__mock/keys",
        "/__mock/console/static/../api/journal",
        "/__mock/console/static/x/../../api/journal",
        "/__mock/console/anything",
    ):
        refused = client.get(path)
        assert refused.status_code == 401, path
        assert refused.get_json()["error"]["type"] == "authentication_error"
        if path.startswith("/__mock/console"):
            _assert_secured(refused)
    allowed = client.get(
        "/__mock/console/api/balance?key=bsk_test_docs",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert allowed.status_code == 200 and allowed.get_json()["count"] == 47
    _assert_secured(allowed)


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("/__mock/console", True),
        ("/__mock/console/", True),
        ("/__mock/console/static/console.js", True),
        ("/__mock/console/static/uPlot.iife.min.js", True),
        ("/__mock/console/static/../api/journal", False),
        ("/__mock/console/static/..", False),
        ("/__mock/console/static/a/b.js", False),
        ("/__mock/console/static/", False),
        ("/__mock/console/api/journal", False),
        ("/__mock/console//", False),
        ("/__mock/consolex", False),
    ],
)
def test_public_paths(path: str, public: bool) -> None:
    assert is_public_path(path) is public


# -- bad parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/__mock/console/api/balance", "key"),
        ("/__mock/console/api/balance?key=", "key"),
        ("/__mock/console/api/balance?key=bsk_nope", "key"),
        ("/__mock/console/api/balance?key=bsk_test_docs&key=bsk_test_docs", "key"),
        ("/__mock/console/api/balance?key=bsk_test_docs&points=abc", "points"),
        ("/__mock/console/api/balance?key=bsk_test_docs&points=0", "points"),
        ("/__mock/console/api/balance?key=bsk_test_docs&points=-5", "points"),
        ("/__mock/console/api/balance?key=bsk_test_docs&points=1000000000", "points"),
        ("/__mock/console/api/balance?key=bsk_test_docs&points=" + "9" * 5000, "points"),
        ("/__mock/console/api/balance?key=bsk_test_docs&points=%EF%BC%91", "points"),
        ("/__mock/console/api/journal?after=x", "after"),
        ("/__mock/console/api/journal?after=-2", "after"),
        ("/__mock/console/api/journal?limit=0", "limit"),
        ("/__mock/console/api/journal?limit=1001", "limit"),
        ("/__mock/console/api/journal?key=bsk_nope", "key"),
        ("/__mock/console/api/export", "key"),
        ("/__mock/console/api/export?key=bsk_test_revoked", "key"),
        ("/__mock/console/api/export?key=bsk_test_docs&kind=topup,refund", "kind"),
        ("/__mock/console/api/export?key=bsk_test_docs&since=yesterday", "since"),
        ("/__mock/console/api/export?key=bsk_test_docs&until=2024-01-01%2000:00:00", "until"),
        ("/__mock/console/api/export?key=bsk_test_docs&format=xml", "format"),
        ("/__mock/journal?limit=0", "limit"),
        ("/__mock/journal?limit=abc", "limit"),
        ("/__mock/journal?limit=1&limit=2", "limit"),
        ("/__mock/journal?limit=" + "0" * 5000 + "1000000", "limit"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(console: FlaskClient, path: str, param: str) -> None:
    response = console.get(path)
    assert response.status_code == 400, response.data[:300]
    error = response.get_json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert error["message"]
    if path.startswith("/__mock/console"):
        _assert_secured(response)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(API),
    name=st.sampled_from(["key", "points", "after", "limit", "kind", "since", "until", "format"]),
    value=st.text(max_size=30),
)
def test_no_parameter_makes_a_500(console: FlaskClient, route: str, name: str, value: str) -> None:
    base = "" if name == "key" else "key=bsk_test_docs&"
    response = console.get(route, query_string=base + f"{name}={_quote(value)}")
    assert response.status_code in (200, 400), response.data[:300]
    assert response.mimetype != "text/html"
    response.close()


def _quote(text: str) -> str:
    return quote(text, safe="")


# -- balance ----------------------------------------------------------------------


def test_balance_keeps_the_extremes_within_the_point_budget(console_app: Flask) -> None:
    client = console_app.test_client()
    ledger = ledger_store(console_app).ledger("default")
    for points in (1, 7, 50, 2000):
        body = client.get(f"/__mock/console/api/balance?key=bsk_test_default&points={points}")
        data = body.get_json()
        assert data["account"] == "default" and data["count"] == len(ledger)
        drawn = data["points"]
        assert 1 <= len(drawn) <= points
        times = [p[0] for p in drawn]
        assert times == sorted(times) and times[0] == int(ledger.created[0])
        assert min(p[1] for p in drawn) == int(ledger.balances.min()) / 100
        assert max(p[2] for p in drawn) == int(ledger.balances.max()) / 100
        assert all(low <= high for _, low, high in drawn)


def test_balance_of_an_empty_wallet_and_the_default_budget(console: FlaskClient) -> None:
    empty = console.get("/__mock/console/api/balance?key=bsk_test_empty").get_json()
    assert empty == {"account": "empty", "count": 0, "first": None, "last": None, "points": []}
    docs = console.get("/__mock/console/api/balance?key=bsk_test_docs").get_json()
    assert len(docs["points"]) == docs["count"] == 47  # small: point for point
    revoked = console.get("/__mock/console/api/balance?key=bsk_test_revoked")
    assert revoked.status_code == 200 and revoked.get_json()["account"] == "revoked"


def test_the_huge_account_is_cut_to_2000_points(console: FlaskClient) -> None:
    data = console.get("/__mock/console/api/balance?key=bsk_test_huge").get_json()
    assert data["count"] == 1_000_000
    assert 1900 <= len(data["points"]) <= 2000


def test_balance_names_the_first_and_last_entries_instants(console_app: Flask) -> None:
    store = ledger_store(console_app)
    client = console_app.test_client()
    for key, account in (("bsk_test_large", "large"), ("bsk_test_docs", "docs")):
        data = client.get(f"/__mock/console/api/balance?key={key}&points=50").get_json()
        created = store.ledger(account).created
        assert (data["first"], data["last"]) == (int(created[0]), int(created[-1]))
        assert data["points"][0][0] == data["first"] and data["points"][-1][0] <= data["last"]


def test_static_files_answer_like_every_other_console_route(console: FlaskClient) -> None:
    """OPTIONS is the JSON 405, a near-miss name the JSON 404, a bad Range ignored."""
    options = console.options("/__mock/console/static/console.js")
    assert options.status_code == 405 and options.mimetype == "application/json"
    assert options.get_json()["error"]["type"] == "invalid_request_error"
    _assert_secured(options)
    for path in ("/__mock/console/static/console.js/", "/__mock/console/static/nope.js"):
        missing = console.get(path)
        assert missing.status_code == 404 and missing.mimetype == "application/json", path
    whole = console.get("/__mock/console/static/console.js")
    assert whole.status_code == 200 and whole.data == (STATIC / "console.js").read_bytes()
    assert "Date" not in whole.headers  # the server adds the one Date header
    _assert_secured(whole)
    garbled = console.get("/__mock/console/static/console.js", headers={"Range": "bytes=abc"})
    assert garbled.status_code == 200 and garbled.data == whole.data
    part = console.get("/__mock/console/static/console.js", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == whole.data[:10]
    for response in (whole, garbled, part):
        response.close()
