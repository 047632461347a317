"""HEAD is declared in the OpenAPI documents, so the suite's fuzzing now exercises it.

Before, Schemathesis knew only GET and treated HEAD as implicit: a HEAD answer was judged
by the suite's own HEAD-LIKE-GET rule alone. Now the full profile's fuzzing checks HEAD's
statuses and declared headers too. HEAD is [decided] (CONTRACT §1), so the documented
profile must not judge it, although the documented document declares it as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.broken import mock_app
from tests.broken.harness import check
from tests.broken.wsgi import Environ, StartResponse, WSGIApp


def head_refused(app: WSGIApp) -> WSGIApp:
    """HEAD answered 405 (`Allow: GET`), as a framework that routes GET only does."""

    def refuse(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "HEAD":
            return app(environ, start_response)
        start_response(
            "405 Method Not Allowed", [("Content-Type", "application/json"), ("Allow", "GET")]
        )
        return [b""]

    return refuse


def head_without_challenge(app: WSGIApp) -> WSGIApp:
    """A 401 to HEAD loses `WWW-Authenticate` (a header filter written for GET only)."""

    def strip(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "HEAD":
            return app(environ, start_response)

        def without(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() != "www-authenticate"]
            return start_response(status, kept, exc_info)

        return app(environ, without)

    return strip


def test_full_fuzzing_judges_head_statuses() -> None:
    report = check(head_refused(mock_app()), profile="full", fuzz=True)
    violated = set(report.violated_rule_ids)
    assert {"HEAD-LIKE-GET", "OPENAPI-STATUS-CODE", "OPENAPI-POSITIVE-ACCEPTED"} <= violated


def test_full_fuzzing_judges_head_headers() -> None:
    report = check(head_without_challenge(mock_app()), profile="full", fuzz=True)
    assert "OPENAPI-RESPONSE-HEADERS" in report.violated_rule_ids


def test_documented_profile_does_not_judge_head() -> None:
    report = check(head_refused(mock_app()), profile="documented", fuzz=True)
    assert report.violated_rule_ids == [], report.violated_rule_ids
