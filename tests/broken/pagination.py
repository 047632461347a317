"""Broken pagination and totals (CONTRACT.md §3, §4)."""

from __future__ import annotations

import socket
from typing import Any

from tests.broken.registry import defect
from tests.broken.wsgi import (
    ENDPOINT,
    Environ,
    Items,
    ListingRewrite,
    Middleware,
    PageRewrite,
    Pairs,
    QueryRewrite,
    Reply,
    WSGIApp,
    call,
    error_reply,
    is_listing,
    query_pairs,
    with_query,
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


class _DefaultSizeTwice(Middleware):
    """The handler's default page size is 50, the repository's is 20."""

    def handle(self, environ: Environ) -> Reply:
        pairs = query_pairs(environ)
        if any(k == "page_size" for k, _ in pairs) or environ.get("PATH_INFO") != ENDPOINT:
            return self.forward(environ)
        reply = self.forward(environ)
        if not is_listing(environ, reply):
            return reply
        body = reply.json()
        page = body["page"]
        if page == 1:
            return reply
        # The repository skips (page - 1) * 20 entries, then returns 50 of them.
        start = (page - 1) * 20
        first, skip = divmod(start, 50)
        rows: list[Any] = []
        for number in (first + 1, first + 2):
            query = [*pairs, ("page_size", "50")]
            query = [(k, str(number) if k == "page" else v) for k, v in query]
            rows += call(self.app, with_query(environ, query)).json()["items"]
        return reply.with_json({**body, "items": rows[skip : skip + 50]})


@defect("PAGE-CONCAT")
def default_page_size_in_two_places(mock: WSGIApp) -> WSGIApp:
    """Without `page_size`, the echo says 50 but the offset is computed with 20 (a second
    default in the repository layer): page 2 starts at entry 20, not 50."""
    return _DefaultSizeTwice(mock)


class _CountWithPending(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        filters = ("kind", "since", "until")
        if not is_listing(environ, reply) or any(k in filters for k, _ in query_pairs(environ)):
            return reply
        body = reply.json()
        return reply.with_json({**body, "total": body["total"] + 1})


@defect("TOTAL-INDEPENDENT", profile="documented")
def unfiltered_total_counts_pending(mock: WSGIApp) -> WSGIApp:
    """The unfiltered `total` is a cached `COUNT(*)` that includes one pending, unposted entry.

    Every filtered query (a pinned `until` included) counts posted entries only.
    """
    return _CountWithPending(mock)
