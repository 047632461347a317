"""§3/§4: exact pagination at several page sizes over the pinned history.

For each page size (1, a prime, the default, the maximum) the check picks a
window of the newest entries small enough to be paged through in a bounded
number of requests, cut at a `created_at` boundary, and compares every page
with the matching slice of the reference history: that proves the length
formula, the totals, and that the pages concatenate with no duplicate and
no gap.
"""

from __future__ import annotations

import math

from contract_tests.checks._registry import check
from contract_tests.client import Exchange
from contract_tests.context import Context, body_dict, describe
from contract_tests.entries import Entry, page_items
from contract_tests.history import History

__all__ = ["PAGE_SIZES", "pages"]

PAGE_SIZES = (1, 7, 50, 200)
MAX_PAGES = 25


def _window(history: History, size: int) -> tuple[dict[str, str], list[Entry], bool]:
    """Query parameters, expected entries, and whether every page can be fetched."""
    entries = history.entries
    limit = MAX_PAGES * size
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
    for size in PAGE_SIZES:
        params, expected, whole = _window(history, size)
        page_count = math.ceil(len(expected) / size)
        # Page 1 always: an empty window still has a first page (len 0, total 0).
        wanted = list(range(1, min(max(page_count, 1), MAX_PAGES) + 1))
        if page_count > MAX_PAGES:
            wanted.append(page_count)
        for page in wanted:
            exchange = _get(ctx, params, page, size)
            _compare_page(ctx, exchange, expected, page, size)
        if page_count >= 2 and whole:
            multi_page = True
        elif page_count >= 2:
            ctx.record.note(
                "PAGE-CONCAT", f"page_size {size}: first {MAX_PAGES} pages and the last (ties)"
            )
        past = max(page_count, 1) + 1
        exchange = _get(ctx, params, past, size)
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
    if not multi_page:
        reason = f"the account has {len(history.entries)} entries: one page at every page size"
        ctx.record.skip("PAGE-CONCAT", reason)


def _get(ctx: Context, params: dict[str, str], page: int, size: int) -> Exchange:
    return ctx.client.get({**params, "page": str(page), "page_size": str(size)})


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
