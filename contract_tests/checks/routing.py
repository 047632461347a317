"""§1: the endpoint answers, HEAD mirrors GET, other methods and paths are refused.

These requests need no knowledge of the data, so they run first and also tell
the global response pass what 404/405 bodies look like.
"""

from __future__ import annotations

from contract_tests.checks._expect import expect_error, expect_ok
from contract_tests.checks._registry import check
from contract_tests.client import ENDPOINT, Exchange
from contract_tests.context import Context, describe

__all__ = ["endpoint_answers", "head_like_get", "other_methods", "unknown_paths"]

OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS")
UNKNOWN_PATHS = ("/me/billing/transaction", "/me/billing", f"{ENDPOINT}/1", "/no-such-path")
GARBAGE_AUTH = "Bearer bsk_contract_suite_not_a_key_0000"


@check("ENDPOINT-200")
def endpoint_answers(ctx: Context) -> None:
    """A plain GET with the main key must work, or little else can be checked."""
    expect_ok(ctx, "ENDPOINT-200")


@check("HEAD-LIKE-GET")
def head_like_get(ctx: Context) -> None:
    """HEAD of a 200, a 401 and a 400: same status and media type as GET, no body."""
    key = ctx.client.default_authorization
    for query, authorization in (("", key), ("", None), ("page=0", key)):
        get = ctx.client.get(query, authorization=authorization)
        head = ctx.client.get(query, authorization=authorization, method="HEAD")
        same = head.status == get.status and _media(head) == _media(get)
        ctx.record.expect(
            "HEAD-LIKE-GET",
            same and head.text == "",
            head,
            f"{get.status} {_media(get)} with an empty body (like GET)",
            f"{head.status} {_media(head)} body of {len(head.text)} characters",
        )


@check("METHOD-405", "METHOD-405-ALLOW", "ROUTING-BEFORE-AUTH")
def other_methods(ctx: Context) -> None:
    """Every other method gets 405 with `Allow: GET, HEAD`, with or without a key."""
    for method in OTHER_METHODS:
        exchange = ctx.client.get(method=method)
        expect_error(ctx, "METHOD-405", exchange, 405, "invalid_request_error")
        allow = exchange.header("Allow")
        methods = {token.strip().upper() for token in (allow or "").split(",") if token.strip()}
        ctx.record.expect(
            "METHOD-405-ALLOW",
            methods == {"GET", "HEAD"},
            exchange,
            "Allow: GET, HEAD",
            f"Allow: {allow}" if allow is not None else "no Allow header",
        )
    for authorization in (None, GARBAGE_AUTH):
        exchange = ctx.client.get(method="POST", authorization=authorization)
        ctx.record.expect(
            "ROUTING-BEFORE-AUTH",
            exchange.status == 405,
            exchange,
            "405 whatever the key",
            describe(exchange),
        )


@check("PATH-404", "PATH-404-TRAILING-SLASH", "ROUTING-BEFORE-AUTH")
def unknown_paths(ctx: Context) -> None:
    """Unknown paths (the trailing slash included) get 404 not_found_error, key or not."""
    for path in UNKNOWN_PATHS:
        expect_error(ctx, "PATH-404", ctx.client.get(path=path), 404, "not_found_error")
    slash = ctx.client.get(path=ENDPOINT + "/")
    expect_error(ctx, "PATH-404-TRAILING-SLASH", slash, 404, "not_found_error")
    for authorization in (None, GARBAGE_AUTH):
        exchange = ctx.client.get(path="/no-such-path", authorization=authorization)
        ctx.record.expect(
            "ROUTING-BEFORE-AUTH",
            exchange.status == 404,
            exchange,
            "404 whatever the key",
            describe(exchange),
        )


def _media(exchange: Exchange) -> str:
    return (exchange.header("Content-Type") or "").split(";")[0].strip().lower()
