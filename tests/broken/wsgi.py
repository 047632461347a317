"""WSGI plumbing for the broken implementations: call an app, rewrite its answer.

Every broken implementation is the real mock plus one small, realistic defect,
written as WSGI middleware around `mockserver.create_app()` (no monkeypatching,
no edits to `mockserver/`). The helpers here do the mechanics: call the inner
app in-process and buffer its reply, rewrite the query string, the page body,
each item, or the whole reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote

from werkzeug.http import HTTP_STATUS_CODES

__all__ = [
    "ENDPOINT",
    "Environ",
    "ItemRewrite",
    "Items",
    "ListingRewrite",
    "Middleware",
    "PageRewrite",
    "Pairs",
    "QueryRewrite",
    "Reply",
    "WSGIApp",
    "call",
    "error_reply",
    "is_listing",
    "json_reply",
    "query_pairs",
    "with_query",
]

ENDPOINT = "/api/v1/me/billing/transactions"
Environ = dict[str, Any]
Pairs = list[tuple[str, str]]


class StartResponse(Protocol):
    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = ..., /
    ) -> Callable[[bytes], object]: ...


WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Reply:
    """A buffered WSGI response."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def without_header(self, name: str) -> Reply:
        lowered = name.lower()
        return replace(self, headers=[(k, v) for k, v in self.headers if k.lower() != lowered])

    def with_header(self, name: str, value: str) -> Reply:
        base = self.without_header(name)
        return replace(base, headers=[*base.headers, (name, value)])

    def json(self) -> Any:
        return json.loads(self.body)

    def with_body(self, body: bytes, content_type: str | None = None) -> Reply:
        reply = replace(self, body=body).with_header("Content-Length", str(len(body)))
        return reply if content_type is None else reply.with_header("Content-Type", content_type)

    def with_json(self, value: Any) -> Reply:
        return self.with_body(json.dumps(value, separators=(",", ":")).encode())

    def with_status(self, status: int) -> Reply:
        return replace(self, status=status)


def json_reply(status: int, value: Any) -> Reply:
    """A fresh `application/json` reply."""
    return Reply(status, [("Content-Type", "application/json")]).with_json(value)


def error_reply(status: int, error_type: str, message: str, param: str | None = None) -> Reply:
    """The contract's error envelope."""
    return json_reply(status, {"error": {"type": error_type, "message": message, "param": param}})


def call(app: WSGIApp, environ: Environ) -> Reply:
    """Run `app` on a copy of `environ` and buffer what it answers."""
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        captured["status"], captured["headers"] = status, list(headers)
        return chunks.append

    result = app(dict(environ), start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Reply(int(captured["status"].split()[0]), captured["headers"], b"".join(chunks))


def query_pairs(environ: Environ) -> Pairs:
    """The query string as decoded name/value pairs, in order, blanks kept."""
    raw = environ.get("QUERY_STRING", "").encode("latin-1", "replace").decode("utf-8", "replace")
    return parse_qsl(raw, keep_blank_values=True)


def encode(pairs: Pairs) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe=':')}" for k, v in pairs)


def with_query(environ: Environ, pairs: Pairs) -> Environ:
    """A copy of `environ` whose query string is `pairs`, percent-encoded."""
    return {**environ, "QUERY_STRING": encode(pairs)}


class Middleware:
    """Answers by calling `self.app` (buffered); subclasses override `handle`.

    A `HEAD` is handled as the `GET` it mirrors, its body then dropped, so a
    defect shows on both alike (as in any framework that derives HEAD from GET),
    unless `head_as_get` is false.
    """

    head_as_get = True

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.head_as_get and environ.get("REQUEST_METHOD") == "HEAD":
            reply = self.handle({**environ, "REQUEST_METHOD": "GET"})
            reply = replace(reply, body=b"")
        else:
            reply = self.handle(environ)
        reason = HTTP_STATUS_CODES.get(reply.status, "Unknown")
        start_response(f"{reply.status} {reason}", reply.headers)
        return [reply.body]

    def handle(self, environ: Environ) -> Reply:
        return self.forward(environ)

    def forward(self, environ: Environ) -> Reply:
        return call(self.app, environ)


def is_listing(environ: Environ, reply: Reply) -> bool:
    """A 200 GET of the endpoint (a page body)."""
    return (
        reply.status == 200
        and environ.get("REQUEST_METHOD") == "GET"
        and environ.get("PATH_INFO") == ENDPOINT
    )


class QueryRewrite(Middleware):
    """Rewrites the query pairs of endpoint requests before the mock sees them.

    `rewrite` returns new pairs, or a `Reply` to answer instead of the mock's
    200 (routing, authentication and the mock's own 400s still come first), or
    `None` to leave the request untouched.
    """

    def __init__(self, app: WSGIApp, rewrite: Callable[[Pairs], Pairs | Reply | None]) -> None:
        super().__init__(app)
        self.rewrite = rewrite

    def handle(self, environ: Environ) -> Reply:
        if environ.get("PATH_INFO") != ENDPOINT:
            return self.forward(environ)
        changed = self.rewrite(query_pairs(environ))
        if changed is None:
            return self.forward(environ)
        if isinstance(changed, Reply):
            original = self.forward(environ)
            return changed if original.status == 200 else original
        return self.forward(with_query(environ, changed))


class PageRewrite(Middleware):
    """Rewrites the page body (a dict) of every 200 listing."""

    def __init__(
        self, app: WSGIApp, rewrite: Callable[[dict[str, Any], Pairs], dict[str, Any]]
    ) -> None:
        super().__init__(app)
        self.rewrite = rewrite

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if not is_listing(environ, reply):
            return reply
        return reply.with_json(self.rewrite(reply.json(), query_pairs(environ)))


class ItemRewrite(PageRewrite):
    """Rewrites each item of every listing with a pure function of the item."""

    def __init__(self, app: WSGIApp, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        def page(body: dict[str, Any], _pairs: Pairs) -> dict[str, Any]:
            return {**body, "items": [rewrite(dict(item)) for item in body["items"]]}

        super().__init__(app, page)


Items = list[dict[str, Any]]


class ListingRewrite(Middleware):
    """Recomputes each listing from the full filtered result, through a buggy function.

    For a 200 listing, the middleware fetches every matching entry from the
    mock (pages of 200, same filters), then `paginate(entries, page, size)`
    returns the page's items and the total the broken service would send.
    """

    def __init__(
        self, app: WSGIApp, paginate: Callable[[Items, int, int], tuple[Items, int]]
    ) -> None:
        super().__init__(app)
        self.paginate = paginate

    def everything(self, environ: Environ) -> Items:
        filters = [(k, v) for k, v in query_pairs(environ) if k not in ("page", "page_size")]
        items: Items = []
        page = 1
        while True:
            pairs = [*filters, ("page", str(page)), ("page_size", "200")]
            body = call(self.app, with_query(environ, pairs)).json()
            items.extend(body["items"])
            if page * 200 >= body["total"]:
                return items
            page += 1

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if not is_listing(environ, reply):
            return reply
        body = reply.json()
        items, total = self.paginate(self.everything(environ), body["page"], body["page_size"])
        return reply.with_json({**body, "items": items, "total": total})
