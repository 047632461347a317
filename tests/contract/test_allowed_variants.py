"""Implementations the contract allows must pass: a checker that fails them is wrong.

Each variant below once made the documented profile report a violation for a
reading CONTRACT.md does not make: keys compared in any case, an ASCII body
labelled `charset=us-ascii`, impossible dates rolled over by a lenient parser
(those are TIMESTAMP-STRICT's, full profile only).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from contract_tests.report import Report
from tests.broken.harness import check
from tests.broken.params import impossible_dates_roll_over
from tests.broken.registry import mock_app
from tests.broken.wsgi import Environ, Middleware, Reply, WSGIApp


class CaseInsensitiveKeys(Middleware):
    """A key store with a case-insensitive collation (MySQL's `utf8mb4_general_ci`)."""

    def handle(self, environ: Environ) -> Reply:
        header = environ.get("HTTP_AUTHORIZATION")
        if header and header.lower().startswith("bearer "):
            scheme, _, token = header.partition(" ")
            environ = {**environ, "HTTP_AUTHORIZATION": f"{scheme} {token.strip().lower()}"}
        return self.forward(environ)


class AsciiLabel(Middleware):
    """`ensure_ascii` JSON (every non-ASCII character as `\\uXXXX`) labelled us-ascii."""

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.body:
            reply = reply.with_json(json.loads(reply.body))
        return reply.with_header("Content-Type", "application/json; charset=us-ascii")


def _violated(report: Report) -> list[str]:
    return [r.rule_id for r in report.results if str(r.status) == "VIOLATED"]


@pytest.mark.parametrize(
    "variant",
    [CaseInsensitiveKeys, AsciiLabel, impossible_dates_roll_over],
    ids=["case-insensitive-keys", "us-ascii-label", "lenient-dates"],
)
def test_an_allowed_variant_passes_the_documented_profile(
    variant: Callable[[WSGIApp], WSGIApp],
) -> None:
    assert _violated(check(variant(mock_app()), profile="documented")) == []


def test_an_ascii_label_passes_the_full_profile_too() -> None:
    assert _violated(check(AsciiLabel(mock_app()), profile="full")) == []


def test_impossible_dates_are_timestamp_strict_in_full() -> None:
    violated = _violated(check(impossible_dates_roll_over(mock_app()), profile="full"))
    assert violated == ["TIMESTAMP-STRICT"]
