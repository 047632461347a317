"""Each stateful check can fail: the mock, broken one way at a time, is caught.

The mock runs in-process behind a small WSGI middleware that breaks exactly
one promise (rewrites the request, or edits the response); the contract
suite, which knows nothing of either, must name the broken rule.  The
unbroken mock must pass with zero violations, in both profiles.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from contract_tests import Report, Status, run_check
from mockserver import create_app, read_result
from mockserver.core.config import builtin_config

Environ = dict[str, Any]
Headers = list[tuple[str, str]]
RequestHook = Callable[[Environ], None]
ResponseHook = Callable[[Environ, str, Headers, bytes], tuple[str, Headers, bytes]]
ENDPOINT = "/api/v1/me/billing/transactions"
KEYS = {
    "second_key": "bsk_test_default_2",
    "other_account_key": "bsk_test_docs",
    "revoked_key": "bsk_test_revoked",
}


class Mutant:
    """WSGI middleware: optionally rewrite the request, optionally edit the response."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.request: RequestHook | None = None
        self.response: ResponseHook | None = None

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.request is not None:
            self.request(environ)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
            captured.update(status=status, headers=list(headers))
            return lambda data: None

        body = read_result(self.app(environ, capture))
        status, headers = captured["status"], captured["headers"]
        if self.response is not None:
            new_status, new_headers, new_body = self.response(environ, status, headers, body)
            if new_body != body:
                new_headers = [(k, v) for k, v in new_headers if k.lower() != "content-length"]
                new_headers.append(("Content-Length", str(len(new_body))))
            status, headers, body = new_status, new_headers, new_body
        start_response(status, headers)
        return [body]


class _Quiet(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a run sends hundreds of requests

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Hundreds of requests per run: keep them out of the captured log."""


@pytest.fixture(scope="module")
def mutant() -> Iterator[tuple[Mutant, str]]:
    """The built-in mock on a free port, behind a resettable `Mutant`."""
    wrapper = Mutant(create_app(builtin_config()))
    server = make_server("127.0.0.1", 0, wrapper, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield wrapper, f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _check(url: str, *, key: str = "bsk_test_default", profile: str = "full") -> Report:
    keys: dict[str, Any] = (
        dict(KEYS) if key == "bsk_test_default" else {"revoked_key": "bsk_test_revoked"}
    )
    return run_check(base_url=url, api_key=key, profile=profile, fuzz=False, **keys)


# --- request rewriting helpers ---------------------------------------------


def _rewrite_query(change: Callable[[list[tuple[str, str]]], list[tuple[str, str]]]) -> RequestHook:
    def hook(environ: Environ) -> None:
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        changed = change(pairs)
        if changed != pairs:
            environ["QUERY_STRING"] = urlencode(changed)

    return hook


def _shift(name: str, suffix: str) -> RequestHook:
    """Nudge a second-precision `name` timestamp by a fraction (moving its edge)."""

    def change(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [
            (k, v[:-1] + suffix if k == name and re.fullmatch(r".*T\d\d:\d\d:\d\dZ", v) else v)
            for k, v in pairs
        ]

    return _rewrite_query(change)


def _swap_key(old: str, new: str) -> RequestHook:
    def hook(environ: Environ) -> None:
        if environ.get("HTTP_AUTHORIZATION") == f"Bearer {old}":
            environ["HTTP_AUTHORIZATION"] = f"Bearer {new}"

    return hook


# --- response editing helpers ----------------------------------------------


def _edit_page(edit: Callable[[dict[str, Any]], None]) -> ResponseHook:
    def hook(environ: Environ, status: str, headers: Headers, body: bytes):  # type: ignore[no-untyped-def]
        if status.startswith("200") and environ["REQUEST_METHOD"] == "GET" and body:
            page = json.loads(body)
            edit(page)
            body = json.dumps(page).encode()
        return status, headers, body

    return hook


def _edit_items(edit: Callable[[dict[str, Any]], None]) -> ResponseHook:
    def page(body: dict[str, Any]) -> None:
        for item in body["items"]:
            edit(item)

    return _edit_page(page)


def _drop_header(status_prefix: str, name: str) -> ResponseHook:
    def hook(environ: Environ, status: str, headers: Headers, body: bytes):  # type: ignore[no-untyped-def]
        if status.startswith(status_prefix):
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
        return status, headers, body

    return hook


def _html_404(environ: Environ, status: str, headers: Headers, body: bytes):  # type: ignore[no-untyped-def]
    if status.startswith("404"):
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        return status, [*headers, ("Content-Type", "text/html")], b"<h1>Not Found</h1>"
    return status, headers, body


def _echo_key(environ: Environ, status: str, headers: Headers, body: bytes):  # type: ignore[no-untyped-def]
    if status.startswith("401"):
        shown = environ.get("HTTP_AUTHORIZATION", "")
        envelope = {
            "error": {"type": "authentication_error", "message": f"bad: {shown}", "param": None}
        }
        body = json.dumps(envelope).encode()
    return status, headers, body


def _money_text(environ: Environ, status: str, headers: Headers, body: bytes):  # type: ignore[no-untyped-def]
    # Three decimals on the wire, the kind of thing float parsing would hide.
    return status, headers, re.sub(rb'("balance_after_usd":\s*-?\d+\.\d\d)', rb"\g<1>1", body)


def _reject_big_pages(environ: Environ) -> None:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if any(k == "page_size" and v.isdigit() and int(v) > 100 for k, v in pairs):
        environ["QUERY_STRING"] = "page_size=0"


def _params_before_auth(environ: Environ) -> None:
    pairs = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    if pairs.get("page") == "0":
        environ["HTTP_AUTHORIZATION"] = "Bearer bsk_test_default"


def _last_repeat_wins(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict(pairs).items())


def _ignore_bad_kind(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kinds = {"topup", "refund", "admin_credit", "admin_debit", "subscription_renew"}
    return [(k, v) for k, v in pairs if k != "kind" or v in kinds]


def _lenient_ints(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v[:-2] if k in ("page", "page_size") and v.endswith(".0") else v) for k, v in pairs]


def _trailing_slash(environ: Environ) -> None:
    if environ["PATH_INFO"] == ENDPOINT + "/":
        environ["PATH_INFO"] = ENDPOINT


def _reverse_ties(page: dict[str, Any]) -> None:
    page["items"].sort(key=lambda item: (item["created_at"], -item["id"]), reverse=True)


MUTANTS: dict[str, tuple[str, str, RequestHook | None, ResponseHook | None]] = {
    # name: (rule that must be violated, key, request hook, response hook)
    "until-inclusive": ("FILTER-UNTIL-EXCLUSIVE", "bsk_test_docs", _shift("until", ".5Z"), None),
    "since-exclusive": ("FILTER-SINCE-INCLUSIVE", "bsk_test_docs", _shift("since", ".5Z"), None),
    "no-www-authenticate": (
        "AUTH-WWW-AUTHENTICATE",
        "bsk_test_docs",
        None,
        _drop_header("401", "WWW-Authenticate"),
    ),
    "no-allow": ("METHOD-405-ALLOW", "bsk_test_docs", None, _drop_header("405", "Allow")),
    "extra-page-key": (
        "BODY-KEYS-EXACT",
        "bsk_test_docs",
        None,
        _edit_page(lambda p: p.update(currency="USD")),
    ),
    "three-decimals": ("ITEM-MONEY-DECIMALS", "bsk_test_docs", None, _money_text),
    "html-404": ("JSON-EVERYWHERE", "bsk_test_docs", None, _html_404),
    "key-echoed": ("AUTH-KEY-NOT-ECHOED", "bsk_test_docs", None, _echo_key),
    "page-size-max-100": ("PAGE-SIZE-BOUNDS-OK", "bsk_test_docs", _reject_big_pages, None),
    "params-before-auth": ("AUTH-BEFORE-PARAMS", "bsk_test_docs", _params_before_auth, None),
    "repeat-last-wins": (
        "PARAM-REPEATED",
        "bsk_test_docs",
        _rewrite_query(_last_repeat_wins),
        None,
    ),
    "unknown-kind-ignored": ("KIND-400", "bsk_test_docs", _rewrite_query(_ignore_bad_kind), None),
    "lenient-integers": ("PARAM-INT-STRICT", "bsk_test_docs", _rewrite_query(_lenient_ints), None),
    "trailing-slash-served": ("PATH-404-TRAILING-SLASH", "bsk_test_docs", _trailing_slash, None),
    "total-of-the-page": (
        "TOTAL-INDEPENDENT",
        "bsk_test_docs",
        None,
        _edit_page(lambda p: p.update(total=len(p["items"]))),
    ),
    "ties-ascending": ("ORDER-TIES-ID-DESC", "bsk_test_ties", None, _edit_page(_reverse_ties)),
    "note-on-topups": (
        "ITEM-NOTE-NON-ADMIN-NULL",
        "bsk_test_docs",
        None,
        _edit_items(lambda i: i.update(note="x") if i["kind"] == "topup" else None),
    ),
    "debits-positive": (
        "ITEM-AMOUNT-SIGN",
        "bsk_test_docs",
        None,
        _edit_items(lambda i: i.update(amount_usd=abs(i["amount_usd"]))),
    ),
    "second-key-other-wallet": (
        "AUTH-SECOND-KEY",
        "bsk_test_default",
        _swap_key("bsk_test_default_2", "bsk_test_empty"),
        None,
    ),
    "isolation-breach": (
        "AUTH-ISOLATION",
        "bsk_test_default",
        _swap_key("bsk_test_docs", "bsk_test_default"),
        None,
    ),
    "revoked-accepted": (
        "AUTH-401-REVOKED",
        "bsk_test_docs",
        _swap_key("bsk_test_revoked", "bsk_test_docs"),
        None,
    ),
    "balance-off-by-a-cent": (
        "BALANCE-CHAIN",
        "bsk_test_docs",
        None,
        _edit_items(
            lambda i: (
                i.update(balance_after_usd=i["balance_after_usd"] + 0.01) if i["id"] % 2 else None
            )
        ),
    ),
}


@pytest.mark.parametrize("profile", ["full", "documented"])
def test_the_mock_conforms(mutant: tuple[Mutant, str], profile: str) -> None:
    wrapper, url = mutant
    wrapper.request = wrapper.response = None
    report = _check(url, profile=profile)
    assert report.violations == [], report.to_text()
    assert report.exit_code == 0


# tests/contract/test_kill_table.py proves the suite against 82 defects by default; here a few
# mutants check the report's form (rule, section, curl, no key), the rest run under -m slow.
_REPORT_FORM_MUTANTS = {"key-echoed", "balance-off-by-a-cent", "until-inclusive"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=() if name in _REPORT_FORM_MUTANTS else pytest.mark.slow)
        for name in sorted(MUTANTS)
    ],
)
def test_each_mutant_is_caught(mutant: tuple[Mutant, str], name: str) -> None:
    rule_id, key, request, response = MUTANTS[name]
    wrapper, url = mutant
    wrapper.request, wrapper.response = request, response
    try:
        report = _check(url, key=key)
    finally:
        wrapper.request = wrapper.response = None
    assert rule_id in report.violated_rule_ids, report.to_text()
    violation = next(v for v in report.violations if v.rule_id == rule_id)
    assert violation.curl.startswith("curl ")
    assert violation.section.startswith("§")
    assert "bsk_test_" not in report.to_text(), "a key leaked into the report"
    assert report.exit_code == 1


def test_documented_profile_ignores_decided_points(mutant: tuple[Mutant, str]) -> None:
    """An extra key and an ignored bad kind break only [decided] rules: documented passes."""
    wrapper, url = mutant
    extra = _edit_page(lambda p: p.update(currency="USD"))
    wrapper.request, wrapper.response = _rewrite_query(_ignore_bad_kind), extra
    try:
        report = _check(url, key="bsk_test_docs", profile="documented")
    finally:
        wrapper.request = wrapper.response = None
    assert report.violations == [], report.to_text()
    assert "BODY-KEYS-EXACT" not in {r.rule_id for r in report.results}


def test_not_checked_is_never_passed(mutant: tuple[Mutant, str]) -> None:
    """An empty wallet leaves data rules not checked, each with a reason."""
    _, url = mutant
    report = run_check(base_url=url, api_key="bsk_test_empty", fuzz=False)
    result = report.result("BALANCE-CHAIN")
    assert result.status is Status.NOT_CHECKED and result.reason
    assert report.result("AUTH-401-REVOKED").reason == "no revoked key was given (--revoked-key)"
    assert all(r.reason for r in report.results if r.status is Status.NOT_CHECKED)
    assert report.exit_code == 0


def test_large_history_is_capped_and_reported(mutant: tuple[Mutant, str]) -> None:
    _, url = mutant
    report = run_check(base_url=url, api_key="bsk_test_large", fuzz=False, history_cap=1000)
    assert report.violations == [], report.to_text()
    assert report.result("BALANCE-OPENING-ZERO").status is Status.NOT_CHECKED
    assert any("100000 entries" in note for note in report.notes)


def test_usage_drift_relaxes_the_chain(mutant: tuple[Mutant, str]) -> None:
    """Balances lower than the chain (usage spend) pass only with usage_drift."""
    wrapper, url = mutant
    # Spend that grows with posting order lowers every later snapshot a little more.
    wrapper.response = _edit_items(
        lambda i: i.update(
            balance_after_usd=round(i["balance_after_usd"] - i["id"] // 1000 * 0.01, 2)
        )
    )
    try:
        strict = run_check(base_url=url, api_key="bsk_test_docs", fuzz=False)
        relaxed = run_check(base_url=url, api_key="bsk_test_docs", fuzz=False, usage_drift=True)
    finally:
        wrapper.response = None
    assert "BALANCE-CHAIN" in strict.violated_rule_ids
    assert relaxed.result("BALANCE-CHAIN").status is Status.PASSED


def test_schemathesis_findings_become_violations(mutant: tuple[Mutant, str]) -> None:
    """A 5xx found by fuzzing is OPENAPI-NO-SERVER-ERROR, with a runnable, redacted curl."""
    wrapper, url = mutant

    def crash_on_refunds(environ: Environ, status: str, headers: Headers, body: bytes):  # type: ignore[no-untyped-def]
        if "kind=refund" in environ.get("QUERY_STRING", ""):
            return "500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")], b"{}"
        return status, headers, body

    wrapper.response = crash_on_refunds
    try:
        report = run_check(base_url=url, api_key="bsk_test_docs", max_examples=10)
    finally:
        wrapper.response = None
    assert "OPENAPI-NO-SERVER-ERROR" in report.violated_rule_ids
    violation = next(v for v in report.violations if v.rule_id == "OPENAPI-NO-SERVER-ERROR")
    assert '"Authorization: Bearer $KEY"' in violation.curl
    assert "bsk_test_docs" not in violation.curl
