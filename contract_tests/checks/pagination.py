"""§3/§4: exact pagination at several page sizes over the pinned history.

For each page size (1, a prime, the default, the maximum) the check picks a
window of the newest entries small enough to be paged through in a bounded
number of requests, cut at a `created_at` boundary, and compares every page
with the matching slice of the reference history: that proves the length
formula, the totals, and that the pages concatenate with no duplicate and
no gap.  The second key and the other account's key are paged too (one
prime size over a shorter window): every key is a first-class key.  Without
`page_size`, page 2 must start at entry 50: the default is one number, used
for the offset as well as for the echo.  And the unfiltered `total` of every
key (no `until`, as a client asks first) must count that key's own entries.
"""

from __future__ import annotations

import math

from contract_tests.checks._registry import check
from contract_tests.checks._views import MAIN, SECOND, View, send, views
from contract_tests.client import Exchange
from contract_tests.context import Context, body_dict, describe
from contract_tests.entries import Entry, page_items
from contract_tests.history import History
from contract_tests.timestamps import parse_instant

__all__ = ["PAGE_SIZES", "pages", "unfiltered_totals"]

PAGE_SIZES = (1, 7, 50, 200)
MAX_PAGES = 25
# The other keys: one prime size (an off-by-one shows on every page) over a short window.
OTHER_KEYS_SIZES = (7,)
OTHER_KEYS_MAX_PAGES = 8
DEFAULT_PAGE_SIZE = 50


def _window(
    history: History, size: int, max_pages: int = MAX_PAGES
) -> tuple[dict[str, str], list[Entry], bool]:
    """Query parameters, expected entries, and whether every page can be fetched."""
    entries = history.entries
    limit = max_pages * size
    if len(entries) <= limit:
        return dict(history.base), entries, True
    for count in range(limit, 0, -1):
        if entries[count - 1].instant != entries[count].instant:
            since = entries[count - 1].created_at
            assert since is not None
            return {**history.base, "since": since}, entries[:count], True
    # One created_at shared by more entries than we may fetch: compare a prefix.
    return dict(history.base), entries, False


@check("PAGE-LEN", "PAGE-CONCAT", "TOTAL-INDEPENDENT", "PAGE-PAST-END", "PAGE-PAST-END-TOTAL")
def pages(ctx: Context) -> None:
    """Page through a window at each size and compare with the reference slices."""
    rules = ("PAGE-LEN", "PAGE-CONCAT", "TOTAL-INDEPENDENT", "PAGE-PAST-END", "PAGE-PAST-END-TOTAL")
    history = ctx.require_history(*rules)
    if history is None:
        return
    multi_page = False
    for view in views(ctx):
        main = view.role == MAIN
        sizes = PAGE_SIZES if main else OTHER_KEYS_SIZES
        max_pages = MAX_PAGES if main else OTHER_KEYS_MAX_PAGES
        for size in sizes:
            multi_page |= _paginate(ctx, view, size, max_pages)
    _default_size(ctx, history)
    if not multi_page:
        reason = f"the account has {len(history.entries)} entries: one page at every page size"
        ctx.record.skip("PAGE-CONCAT", reason)


def _paginate(ctx: Context, view: View, size: int, max_pages: int) -> bool:
    """Every page of one window at one size; True if that made two pages or more."""
    params, expected, whole = _window(view.history, size, max_pages)
    page_count = math.ceil(len(expected) / size)
    # Page 1 always: an empty window still has a first page (len 0, total 0).
    wanted = list(range(1, min(max(page_count, 1), max_pages) + 1))
    if page_count > max_pages:
        wanted.append(page_count)
    for page in wanted:
        exchange = _get(ctx, params, page, size, view.authorization)
        _compare_page(ctx, exchange, expected, page, size)
    if page_count >= 2 and not whole:
        ctx.record.note(
            "PAGE-CONCAT", f"page_size {size}: first {max_pages} pages and the last (ties)"
        )
    past = max(page_count, 1) + 1
    exchange = _get(ctx, params, past, size, view.authorization)
    body = body_dict(exchange)
    ctx.record.expect(
        "PAGE-PAST-END",
        exchange.status == 200 and body.get("items") == [],
        exchange,
        "200 with items []",
        describe(exchange),
    )
    if exchange.status == 200:
        ctx.record.expect(
            "PAGE-PAST-END-TOTAL",
            body.get("total") == len(expected),
            exchange,
            f"total {len(expected)}",
            f"total {body.get('total')!r}",
        )
    return page_count >= 2 and whole


def _default_size(ctx: Context, history: History) -> None:
    """`page=2` without `page_size`: entries 50..99, as the echoed default says."""
    if len(history.entries) <= DEFAULT_PAGE_SIZE:
        return  # page 2 is past the end: PAGE-PAST-END's business
    exchange = ctx.client.get({**history.base, "page": "2"})
    _compare_page(ctx, exchange, history.entries, 2, DEFAULT_PAGE_SIZE)


@check("TOTAL-INDEPENDENT")
def unfiltered_totals(ctx: Context) -> None:
    """Each key's unfiltered `total` (no `until`) counts that key's own pinned entries.

    Entries posted since the pin are on the first page, newest first, so they
    are counted out; a key whose first page is all new entries cannot be judged.
    """
    if ctx.require_history("TOTAL-INDEPENDENT") is None:
        return
    for view in views(ctx):
        history = view.history
        if view.role == SECOND and history.window_since is not None:
            ctx.record.note(
                "TOTAL-INDEPENDENT", "the second key's unfiltered total: the history is capped"
            )
            continue
        exchange = send(ctx, {"page_size": "200"}, view.authorization)
        items = page_items(exchange.body) if exchange.status == 200 else None
        total = body_dict(exchange).get("total")
        if items is None or not isinstance(total, int):
            ctx.record.violate(
                "TOTAL-INDEPENDENT", exchange, "200 with items and a total", describe(exchange)
            )
            continue
        pin = parse_instant(history.pin) if history.pin is not None else None
        newer = sum(1 for e in items if pin is None or (e.instant is not None and e.instant >= pin))
        if items and newer == len(items) == 200:
            ctx.record.note("TOTAL-INDEPENDENT", f"{view.who}: 200 entries newer than the pin")
            continue
        ctx.record.expect(
            "TOTAL-INDEPENDENT",
            total - newer == history.total,
            exchange,
            f"total {history.total + newer} ({view.who}: {history.total} entries before "
            f"until={history.pin}, {newer} after)",
            f"total {total}",
        )


def _get(
    ctx: Context, params: dict[str, str], page: int, size: int, authorization: str | None = None
) -> Exchange:
    return send(ctx, {**params, "page": str(page), "page_size": str(size)}, authorization)


def _compare_page(
    ctx: Context, exchange: Exchange, expected: list[Entry], page: int, size: int
) -> None:
    items = page_items(exchange.body) if exchange.status == 200 else None
    if items is None:
        ctx.record.violate("PAGE-LEN", exchange, "200 with an items list", describe(exchange))
        return
    total = body_dict(exchange).get("total")
    ctx.record.expect(
        "TOTAL-INDEPENDENT",
        total == len(expected),
        exchange,
        f"total {len(expected)} (every match, on every page)",
        f"total {total!r}",
    )
    if isinstance(total, int):
        want = max(0, min(size, total - (page - 1) * size))
        ctx.record.expect(
            "PAGE-LEN",
            len(items) == want,
            exchange,
            f"{want} items (page {page}, page_size {size}, total {total})",
            f"{len(items)} items",
        )
    want_ids = [e.id for e in expected[(page - 1) * size : page * size]]
    got_ids = [e.id for e in items]
    ctx.record.expect(
        "PAGE-CONCAT",
        got_ids == want_ids,
        exchange,
        f"ids {_ids(want_ids)} (slice {(page - 1) * size}:{page * size} of the history)",
        f"ids {_ids(got_ids)}",
    )


def _ids(ids: list[int | None]) -> str:
    return str(ids) if len(ids) <= 8 else f"[{ids[0]}, {ids[1]}, ..., {ids[-1]}] ({len(ids)})"
