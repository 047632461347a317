"""Broken pagination and totals (CONTRACT.md §3, §4)."""

from __future__ import annotations

import socket
from typing import Any

from tests.broken.registry import defect
from tests.broken.wsgi import (
    Environ,
    Items,
    ListingRewrite,
    Middleware,
    PageRewrite,
    Pairs,
    QueryRewrite,
    Reply,
    WSGIApp,
    error_reply,
    is_listing,
    query_pairs,
)


@defect("PAGE-CONCAT")
def page_offset_off_by_one(mock: WSGIApp) -> WSGIApp:
    """Off-by-one offset: page n > 1 starts one entry early (repeats page n-1's last item).

    `OFFSET (page - 1) * page_size - 1`: each page overlaps the one before it.
    """

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        start = max(0, (page - 1) * size - (1 if page > 1 else 0))
        return entries[start : start + size], len(entries)

    return ListingRewrite(mock, paginate)


@defect("PAGE-LEN")
def last_page_short(mock: WSGIApp) -> WSGIApp:
    """The last page of a multi-page result misses its final (oldest) entry.

    A `remaining = total - offset - 1` slip that only shows on the last page.
    """

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        start = (page - 1) * size
        items = entries[start : start + size]
        if page > 1 and start + size >= len(entries) and items:
            items = items[:-1]
        return items, len(entries)

    return ListingRewrite(mock, paginate)


@defect("TOTAL-INDEPENDENT")
def total_counts_the_page(mock: WSGIApp) -> WSGIApp:
    """`total` is the number of items on this page (`len(items)`), not every match."""

    def rewrite(body: dict[str, Any], _pairs: Pairs) -> dict[str, Any]:
        return {**body, "total": len(body["items"])}

    return PageRewrite(mock, rewrite)


@defect("PAGE-SIZE-400-RANGE")
def page_size_clamped(mock: WSGIApp) -> WSGIApp:
    """`page_size` above 200 is silently clamped to 200 instead of being a 400."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        if any(k == "page_size" and v.isascii() and v.isdigit() and int(v) > 200 for k, v in pairs):
            return [(k, "200" if k == "page_size" else v) for k, v in pairs]
        return None

    return QueryRewrite(mock, rewrite)


@defect("RESP-ECHO")
def default_page_size_20(mock: WSGIApp) -> WSGIApp:
    """Without `page_size` the service pages by 20 (and says so), not the documented 50."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        return None if any(k == "page_size" for k, _ in pairs) else [*pairs, ("page_size", "20")]

    return QueryRewrite(mock, rewrite)


@defect("PAGE-PAST-END-TOTAL")
def past_end_total_zero(mock: WSGIApp) -> WSGIApp:
    """A page past the last one answers `total: 0` (the count of an empty slice)."""

    def rewrite(body: dict[str, Any], _pairs: Pairs) -> dict[str, Any]:
        past = not body["items"] and (body["page"] - 1) * body["page_size"] >= body["total"]
        return {**body, "total": 0} if past and body["page"] > 1 else body

    return PageRewrite(mock, rewrite)


class _PastEnd404(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if is_listing(environ, reply):
            body = reply.json()
            if body["page"] > 1 and not body["items"]:
                return error_reply(404, "not_found_error", f"page {body['page']} does not exist")
        return reply


@defect("PAGE-PAST-END")
def past_end_404(mock: WSGIApp) -> WSGIApp:
    """A page past the last one is a 404 `not_found_error` instead of 200 with no items."""
    return _PastEnd404(mock)


class _Int32Offset(Middleware):
    def handle(self, environ: Environ) -> Reply:
        pairs = dict(query_pairs(environ))
        page, size = pairs.get("page", "1"), pairs.get("page_size", "50")
        numeric = page.isascii() and page.isdigit() and size.isascii() and size.isdigit()
        if numeric and (int(page) - 1) * int(size) > 2**31 - 1 and int(page) <= 2**31 - 1:
            return error_reply(500, "api_error", "internal error")
        return self.forward(environ)


@defect("PAGE-MAX", quick=False)
def offset_int32_overflow(mock: WSGIApp) -> WSGIApp:
    """The row offset `(page - 1) * page_size` is a 32-bit int: deep pages crash with 500."""
    return _Int32Offset(mock)


@defect("OPENAPI-NO-SERVER-ERROR", profile="documented", fuzz=True)
def offset_int32_overflow_documented(mock: WSGIApp) -> WSGIApp:
    """Same 32-bit offset crash, checked with the documented profile (only fuzzing sees it).

    The documented profile has no PAGE-MAX rule (the upper bound is [decided]),
    but a 500 is never acceptable: Schemathesis' boundary values find it.
    """
    return _Int32Offset(mock)


class _HugePageDrop(Middleware):
    def handle(self, environ: Environ) -> Reply:
        page = dict(query_pairs(environ)).get("page", "")
        if page.isascii() and page.isdigit() and len(page.lstrip("0")) > 19:
            # int64 parse overflow kills the worker: the connection just closes.
            # (Writing the reply below then fails quietly: werkzeug drops the connection.)
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            return error_reply(500, "api_error", "worker died")
        return self.forward(environ)


@defect("HTTP-RESPONDS")
def huge_page_drops_connection(mock: WSGIApp) -> WSGIApp:
    """A `page` beyond 64 bits crashes the worker process: the connection closes, no answer."""
    return _HugePageDrop(mock)
