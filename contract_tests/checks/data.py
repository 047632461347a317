"""§4 invariants of the history as a whole: ids, order, balances, unique receipts.

These look at the reference history (the pinned download), oldest to newest
where the contract walks that way, so they cost no requests; a violation's
curl line is the narrowest query that shows the offending entries.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from functools import partial
from itertools import pairwise

from contract_tests.checks._registry import check
from contract_tests.context import Context
from contract_tests.curl import to_curl
from contract_tests.entries import Entry
from contract_tests.timestamps import format_instant

__all__ = ["balances", "ids_and_order", "unique_references"]


def _show(ctx: Context, *entries: Entry) -> str:
    """A curl line whose answer contains all of `entries`."""
    instants = [e.instant for e in entries if e.instant is not None]
    if not instants:
        return to_curl(ctx.client.prepare({"page_size": "200"}), ctx.record.redact)
    since = format_instant(Fraction(math.floor(min(instants))))
    until = format_instant(Fraction(math.floor(max(instants)) + 1))
    exchange = ctx.client.prepare({"since": since, "until": until, "page_size": "200"})
    return to_curl(exchange, ctx.record.redact)


@check(
    "ITEM-ID-UNIQUE", "ITEM-ID-MONOTONIC", "ORDER-CREATED-DESC", "ORDER-TIES-ID-DESC", "PAGE-CONCAT"
)
def ids_and_order(ctx: Context) -> None:
    """Unique ids, listing order across pages, ids rising with posting order."""
    rules = ("ITEM-ID-UNIQUE", "ITEM-ID-MONOTONIC", "ORDER-CREATED-DESC", "ORDER-TIES-ID-DESC")
    history = ctx.require_history(*rules)
    if history is None:
        return
    entries = history.entries
    if not entries:
        for rule_id in rules:
            ctx.record.skip(rule_id, "the account has no entries")
        return
    counts = Counter(e.id for e in entries)
    duplicated = sorted(i for i, n in counts.items() if n > 1 and i is not None)
    ctx.record.expect(
        "ITEM-ID-UNIQUE",
        not duplicated,
        partial(_first, ctx),
        "every id once in the pinned history",
        f"ids listed more than once: {duplicated[:10]}",
    )
    if history.complete:
        ctx.record.expect(
            "PAGE-CONCAT",
            len(entries) == history.total,
            partial(_first, ctx),
            f"pages of 200 concatenate to total = {history.total} entries",
            f"{len(entries)} entries",
        )
    ties = 0
    for newer, older in pairwise(entries):
        assert newer.instant is not None and older.instant is not None
        ctx.record.expect(
            "ORDER-CREATED-DESC",
            newer.instant >= older.instant,
            partial(_show, ctx, newer, older),
            "created_at descending across pages",
            f"{newer.created_at} (id {newer.id}) before {older.created_at} (id {older.id})",
        )
        if newer.instant == older.instant:
            ties += 1
            ctx.record.expect(
                "ORDER-TIES-ID-DESC",
                (newer.id or 0) > (older.id or 0),
                partial(_show, ctx, newer, older),
                "equal created_at: id descending",
                f"id {newer.id} before id {older.id} at {newer.created_at}",
            )
    if not ties:
        ctx.record.skip("ORDER-TIES-ID-DESC", "no two entries of the account share a created_at")
    _monotonic(ctx, entries)


def _first(ctx: Context) -> str:
    assert ctx.history is not None
    exchange = ctx.client.prepare({**ctx.history.base, "page_size": "200"})
    return to_curl(exchange, ctx.record.redact)


def _monotonic(ctx: Context, entries: list[Entry]) -> None:
    """Grouped by created_at, oldest first: every group's ids exceed all earlier ids."""
    oldest_first = sorted(entries, key=lambda e: e.order_key)
    highest: Entry | None = None
    for _, group in _groups(oldest_first):
        low = min(group, key=lambda e: e.id or 0)
        if highest is not None:
            ctx.record.expect(
                "ITEM-ID-MONOTONIC",
                (low.id or 0) > (highest.id or 0),
                partial(_show, ctx, highest, low),
                f"id of {low.created_at} above id {highest.id} of earlier {highest.created_at}",
                f"id {low.id}",
            )
        top = max(group, key=lambda e: e.id or 0)
        if highest is None or (top.id or 0) > (highest.id or 0):
            highest = top


def _groups(entries: list[Entry]) -> list[tuple[Fraction | None, list[Entry]]]:
    groups: list[tuple[Fraction | None, list[Entry]]] = []
    for entry in entries:
        if groups and groups[-1][0] == entry.instant:
            groups[-1][1].append(entry)
        else:
            groups.append((entry.instant, [entry]))
    return groups


@check("BALANCE-CHAIN", "BALANCE-OPENING-ZERO", "BALANCE-NON-NEGATIVE")
def balances(ctx: Context) -> None:
    """Walk the history oldest to newest: each balance is the previous one plus the amount."""
    rules = ("BALANCE-CHAIN", "BALANCE-OPENING-ZERO", "BALANCE-NON-NEGATIVE")
    history = ctx.require_history(*rules)
    if history is None:
        return
    entries = sorted(history.entries, key=lambda e: e.order_key)
    if any(e.amount is None or e.balance is None for e in entries):
        for rule_id in rules:
            ctx.record.skip(rule_id, "some amounts or balances are not numbers (see BODY-SHAPE)")
        return
    if not entries:
        for rule_id in rules:
            ctx.record.skip(rule_id, "the account has no entries")
        return
    relation = "<=" if ctx.usage_drift else "=="
    for prev, cur in pairwise(entries):
        assert prev.balance is not None and cur.balance is not None and cur.amount is not None
        want = prev.balance + cur.amount
        ok = cur.balance <= want if ctx.usage_drift else cur.balance == want
        ctx.record.expect(
            "BALANCE-CHAIN",
            ok,
            partial(_show, ctx, prev, cur),
            f"balance_after_usd of id {cur.id} {relation} {prev.balance} + {cur.amount} = {want}",
            f"{cur.balance}",
        )
    if len(entries) < 2:
        ctx.record.skip("BALANCE-CHAIN", "the account has a single entry")
    if ctx.usage_drift:
        ctx.record.note("BALANCE-CHAIN", "relaxed to <= (--usage-drift)")
    oldest = entries[0]
    assert oldest.balance is not None and oldest.amount is not None
    if history.complete:
        ok = oldest.balance <= oldest.amount if ctx.usage_drift else oldest.balance == oldest.amount
        ctx.record.expect(
            "BALANCE-OPENING-ZERO",
            ok,
            partial(_show, ctx, oldest),
            f"oldest entry (id {oldest.id}): balance {relation} 0 + {oldest.amount}",
            f"{oldest.balance}",
        )
    else:
        ctx.record.skip(
            "BALANCE-OPENING-ZERO",
            f"the history has {history.total} entries, more than the cap: its start was not read",
        )
    for entry in entries:
        assert entry.balance is not None
        ctx.record.expect(
            "BALANCE-NON-NEGATIVE",
            entry.balance >= 0,
            partial(_show, ctx, entry),
            "balance_after_usd >= 0",
            f"id {entry.id}: {entry.balance}",
        )


@check("SOURCE-IDS-UNIQUE")
def unique_references(ctx: Context) -> None:
    """receipt_id (topups) and request_id (refunds) never repeat within the account."""
    history = ctx.require_history("SOURCE-IDS-UNIQUE")
    if history is None:
        return
    seen = False
    for kind, field in (("topup", "receipt_id"), ("refund", "request_id")):
        values = [
            e.raw["source"].get(field)
            for e in history.entries
            if e.kind == kind and isinstance(e.raw.get("source"), dict)
        ]
        if not values:
            continue
        seen = True
        repeated = sorted(str(v) for v, n in Counter(map(str, values)).items() if n > 1)
        ctx.record.expect(
            "SOURCE-IDS-UNIQUE",
            not repeated,
            partial(_first, ctx),
            f"every {field} once",
            f"repeated {field}s: {repeated[:5]}",
        )
    if not seen:
        ctx.record.skip("SOURCE-IDS-UNIQUE", "the account has no topup or refund entries")
