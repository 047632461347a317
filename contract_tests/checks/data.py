"""§4 invariants of the history as a whole: ids, order, balances, unique receipts.

These look at the reference history (the pinned download), oldest to newest
where the contract walks that way, so they cost no requests; a violation's
curl line is the narrowest query that shows the offending entries.  Every key
handed to the suite is judged on its own history (`_views`): a second key
served from another replica or cache must keep the chain as well.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from functools import partial
from itertools import pairwise

from contract_tests.checks._registry import check
from contract_tests.checks._views import MAIN, View, prepare, views
from contract_tests.context import Context
from contract_tests.curl import to_curl
from contract_tests.entries import Entry
from contract_tests.timestamps import format_instant

__all__ = ["balances", "ids_and_order", "unique_references"]


def _show(ctx: Context, view: View, *entries: Entry) -> str:
    """A curl line (as the view's key) whose answer contains all of `entries`."""
    instants = [e.instant for e in entries if e.instant is not None]
    if not instants:
        return to_curl(prepare(ctx, {"page_size": "200"}, view.authorization), ctx.record.redact)
    since = format_instant(Fraction(math.floor(min(instants))))
    until = format_instant(Fraction(math.floor(max(instants)) + 1))
    params = {"since": since, "until": until, "page_size": "200"}
    return to_curl(prepare(ctx, params, view.authorization), ctx.record.redact)


def _first(ctx: Context, view: View) -> str:
    exchange = prepare(ctx, {**view.history.base, "page_size": "200"}, view.authorization)
    return to_curl(exchange, ctx.record.redact)


def _views(ctx: Context, rules: tuple[str, ...]) -> list[View]:
    """Every key's view, or none (after marking `rules`) when the main history is missing."""
    if ctx.require_history(*rules) is None:
        return []
    return views(ctx)


def _skip_main(ctx: Context, view: View, rules: tuple[str, ...], reason: str) -> None:
    """Reasons come from the main key's data only; another key's gaps explain nothing."""
    if view.role == MAIN:
        for rule_id in rules:
            ctx.record.skip(rule_id, reason)


@check(
    "ITEM-ID-UNIQUE", "ITEM-ID-MONOTONIC", "ORDER-CREATED-DESC", "ORDER-TIES-ID-DESC", "PAGE-CONCAT"
)
def ids_and_order(ctx: Context) -> None:
    """Unique ids, listing order across pages, ids rising with posting order."""
    rules = ("ITEM-ID-UNIQUE", "ITEM-ID-MONOTONIC", "ORDER-CREATED-DESC", "ORDER-TIES-ID-DESC")
    for view in _views(ctx, rules):
        _ids_and_order(ctx, view, rules)


def _ids_and_order(ctx: Context, view: View, rules: tuple[str, ...]) -> None:
    history = view.history
    entries = history.entries
    if not entries:
        _skip_main(ctx, view, rules, "the account has no entries")
        return
    counts = Counter(e.id for e in entries)
    duplicated = sorted(i for i, n in counts.items() if n > 1 and i is not None)
    ctx.record.expect(
        "ITEM-ID-UNIQUE",
        not duplicated,
        partial(_first, ctx, view),
        f"every id once in the pinned history ({view.who})",
        f"ids listed more than once: {duplicated[:10]}",
    )
    if history.complete:
        ctx.record.expect(
            "PAGE-CONCAT",
            len(entries) == history.total,
            partial(_first, ctx, view),
            f"pages of 200 concatenate to total = {history.total} entries ({view.who})",
            f"{len(entries)} entries",
        )
    ties = 0
    for newer, older in pairwise(entries):
        assert newer.instant is not None and older.instant is not None
        ctx.record.expect(
            "ORDER-CREATED-DESC",
            newer.instant >= older.instant,
            partial(_show, ctx, view, newer, older),
            f"created_at descending across pages ({view.who})",
            f"{newer.created_at} (id {newer.id}) before {older.created_at} (id {older.id})",
        )
        if newer.instant == older.instant:
            ties += 1
            ctx.record.expect(
                "ORDER-TIES-ID-DESC",
                (newer.id or 0) > (older.id or 0),
                partial(_show, ctx, view, newer, older),
                f"equal created_at: id descending ({view.who})",
                f"id {newer.id} before id {older.id} at {newer.created_at}",
            )
    if not ties:
        reason = "no two entries of the account share a created_at"
        _skip_main(ctx, view, ("ORDER-TIES-ID-DESC",), reason)
    _monotonic(ctx, view, entries)


def _monotonic(ctx: Context, view: View, entries: list[Entry]) -> None:
    """Grouped by created_at, oldest first: every group's ids exceed all earlier ids."""
    oldest_first = sorted(entries, key=lambda e: e.order_key)
    highest: Entry | None = None
    for _, group in _groups(oldest_first):
        low = min(group, key=lambda e: e.id or 0)
        if highest is not None:
            ctx.record.expect(
                "ITEM-ID-MONOTONIC",
                (low.id or 0) > (highest.id or 0),
                partial(_show, ctx, view, highest, low),
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
    for view in _views(ctx, rules):
        _balances(ctx, view, rules)
    if ctx.usage_drift:
        ctx.record.note("BALANCE-CHAIN", "relaxed to <= (--usage-drift)")


def _balances(ctx: Context, view: View, rules: tuple[str, ...]) -> None:
    history = view.history
    entries = sorted(history.entries, key=lambda e: e.order_key)
    if any(e.amount is None or e.balance is None for e in entries):
        reason = "some amounts or balances are not numbers (see BODY-SHAPE)"
        for rule_id in rules:  # any key's: the chain cannot be walked
            ctx.record.skip(rule_id, reason)
        return
    if not entries:
        _skip_main(ctx, view, rules, "the account has no entries")
        return
    relation = "<=" if ctx.usage_drift else "=="
    for prev, cur in pairwise(entries):
        assert prev.balance is not None and cur.balance is not None and cur.amount is not None
        want = prev.balance + cur.amount
        ok = cur.balance <= want if ctx.usage_drift else cur.balance == want
        ctx.record.expect(
            "BALANCE-CHAIN",
            ok,
            partial(_show, ctx, view, prev, cur),
            f"balance_after_usd of id {cur.id} {relation} {prev.balance} + {cur.amount} = {want}"
            f" ({view.who})",
            f"{cur.balance}",
        )
    if len(entries) < 2:
        _skip_main(ctx, view, ("BALANCE-CHAIN",), "the account has a single entry")
    oldest = entries[0]
    assert oldest.balance is not None and oldest.amount is not None
    if history.complete:
        ok = oldest.balance <= oldest.amount if ctx.usage_drift else oldest.balance == oldest.amount
        ctx.record.expect(
            "BALANCE-OPENING-ZERO",
            ok,
            partial(_show, ctx, view, oldest),
            f"oldest entry (id {oldest.id}): balance {relation} 0 + {oldest.amount} ({view.who})",
            f"{oldest.balance}",
        )
    else:
        reason = (
            f"the history has {history.total} entries, more than the cap: its start was not read"
        )
        _skip_main(ctx, view, ("BALANCE-OPENING-ZERO",), reason)
    for entry in entries:
        assert entry.balance is not None
        ctx.record.expect(
            "BALANCE-NON-NEGATIVE",
            entry.balance >= 0,
            partial(_show, ctx, view, entry),
            f"balance_after_usd >= 0 ({view.who})",
            f"id {entry.id}: {entry.balance}",
        )


@check("SOURCE-IDS-UNIQUE")
def unique_references(ctx: Context) -> None:
    """receipt_id (topups) and request_id (refunds) never repeat within the account."""
    for view in _views(ctx, ("SOURCE-IDS-UNIQUE",)):
        seen = False
        for kind, field in (("topup", "receipt_id"), ("refund", "request_id")):
            values = [
                e.raw["source"].get(field)
                for e in view.history.entries
                if e.kind == kind and isinstance(e.raw.get("source"), dict)
            ]
            if not values:
                continue
            seen = True
            repeated = sorted(str(v) for v, n in Counter(map(str, values)).items() if n > 1)
            ctx.record.expect(
                "SOURCE-IDS-UNIQUE",
                not repeated,
                partial(_first, ctx, view),
                f"every {field} once ({view.who})",
                f"repeated {field}s: {repeated[:5]}",
            )
        if not seen:
            reason = "the account has no topup or refund entries"
            _skip_main(ctx, view, ("SOURCE-IDS-UNIQUE",), reason)
