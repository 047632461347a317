"""The other keys' views: only a refusal breaks AUTH-ISOLATION, a good 200 never does.

An account whose newest entries were all posted in one second (a bulk import)
leaves no window to cut; the suite once read that as the other key being
refused ("expected 200, got 200").  The uncut download must still prove
isolation, and still catch a leak.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract_tests.report import Report
from tests.broken.harness import check
from tests.broken.registry import KeySet, mock_app
from tests.broken.wsgi import Environ, Middleware, Reply, WSGIApp

MAIN_KEY = "bsk_test_default"
LARGE_KEY = "bsk_test_large"  # more entries than the other account's read cap
KEYS = KeySet(
    api_key=MAIN_KEY,
    second_key="bsk_test_default_2",
    other_account_key=LARGE_KEY,
    revoked_key="bsk_test_revoked",
)


def _as(environ: Environ, key: str) -> bool:
    return key in environ.get("HTTP_AUTHORIZATION", "")


class BulkImported(Middleware):
    """Every entry of the other account posted in one second."""

    def __init__(self, app: WSGIApp, *, leak: bool = False) -> None:
        super().__init__(app)
        self.leak = leak

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if not (_as(environ, LARGE_KEY) and reply.status == 200 and reply.body):
            return reply
        body: dict[str, Any] = json.loads(reply.body)
        items: list[dict[str, Any]] = body["items"]
        if self.leak and items:
            # One of the main account's entries, listed as the other account's.
            theirs = self.forward({**environ, "HTTP_AUTHORIZATION": f"Bearer {MAIN_KEY}"})
            mine = json.loads(theirs.body)["items"]
            if mine:
                items[0] = mine[0]
        for item in items:
            item["created_at"] = "2026-05-01T00:00:00Z"
        return reply.with_json(body)


def _rule(report: Report, rule_id: str) -> Any:
    return next(r for r in report.results if r.rule_id == rule_id)


def test_a_bulk_imported_other_account_is_not_a_refusal() -> None:
    report = check(BulkImported(mock_app()), keys=KEYS, profile="full")
    result = _rule(report, "AUTH-ISOLATION")
    assert str(result.status) == "passed", (result.status, result.reason, result.violations)
    assert not [
        v
        for r in report.results
        for v in r.violations
        if v.actual.startswith("200") and "200" in v.expected and r.rule_id.startswith("AUTH-")
    ]


def test_the_uncut_download_still_catches_a_leak() -> None:
    report = check(BulkImported(mock_app(), leak=True), keys=KEYS, profile="full")
    result = _rule(report, "AUTH-ISOLATION")
    assert str(result.status) == "VIOLATED"
    assert "shared ids" in result.violations[0].actual


def test_no_report_or_junit_shows_a_variant_of_a_key(tmp_path: Path) -> None:
    """A prefix-matching key store: the violation's curl lines send `key[:-1]` and
    `key + "x"`, shown only as expressions of `$KEY`."""
    from contract_tests.junit import write_junit
    from tests.broken.auth import key_prefix_match

    report = check(key_prefix_match(mock_app()), profile="documented")
    assert str(_rule(report, "AUTH-401-UNKNOWN").status) == "VIOLATED"
    junit = tmp_path / "contract.xml"
    write_junit(report, junit)
    shown = (report.to_text() + junit.read_text(encoding="utf-8")).lower()
    key = KEYS.api_key
    assert key[:-1].lower() not in shown
    assert "${key%?}" in shown
