"""Broken data: order, ids, money, balances, notes, sources, body shape (CONTRACT.md §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.broken.registry import TIES_KEYS, defect
from tests.broken.wsgi import ItemRewrite, Items, ListingRewrite, PageRewrite, Pairs, WSGIApp

Item = dict[str, Any]


@defect("ORDER-TIES-ID-DESC", keys=TIES_KEYS)
def ties_id_ascending(mock: WSGIApp) -> WSGIApp:
    """Entries sharing a `created_at` are listed by id ascending (`ORDER BY created_at DESC, id`).

    Checked on the `ties` account: the default account has no shared second.
    """

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        by_id = sorted(entries, key=lambda e: e["id"])
        ordered = sorted(by_id, key=lambda e: e["created_at"], reverse=True)  # stable
        start = (page - 1) * size
        return ordered[start : start + size], len(entries)

    return ListingRewrite(mock, paginate)


@defect("ITEM-ID-UNIQUE", profile="documented")
def duplicate_id(mock: WSGIApp) -> WSGIApp:
    """The two oldest matching entries share one id (an id sequence that restarted once)."""

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        if len(entries) >= 2:
            entries = [*entries[:-2], {**entries[-2], "id": entries[-1]["id"]}, entries[-1]]
        start = (page - 1) * size
        return entries[start : start + size], len(entries)

    return ListingRewrite(mock, paginate)


def _balance_drift(item: Item) -> Item:
    if item["kind"] == "refund":
        item["balance_after_usd"] = round(item["balance_after_usd"] + 0.01, 2)
    return item


@defect("BALANCE-CHAIN")
def balance_off_by_a_cent(mock: WSGIApp) -> WSGIApp:
    """Refund snapshots are one cent high (the balance is rounded up where the refund is)."""
    return ItemRewrite(mock, _balance_drift)


def _unsigned_debit(item: Item) -> Item:
    if item["kind"] == "subscription_renew":
        item["amount_usd"] = abs(item["amount_usd"])
    return item


@defect("ITEM-AMOUNT-SIGN", profile="documented")
def debit_amount_unsigned(mock: WSGIApp) -> WSGIApp:
    """`subscription_renew` amounts are written as positive numbers (price, not movement)."""
    return ItemRewrite(mock, _unsigned_debit)


def _refund_note(item: Item) -> Item:
    if item["kind"] == "refund":
        item["note"] = f"auto-refund for {item['source'].get('request_id', 'a failed call')}"
    return item


@defect("ITEM-NOTE-NON-ADMIN-NULL", profile="documented")
def note_on_refund(mock: WSGIApp) -> WSGIApp:
    """Refunds carry an internal note ("auto-refund for req_...") instead of `null`."""
    return ItemRewrite(mock, _refund_note)


def _sub_cent(item: Item) -> Item:
    if item["kind"] == "refund":
        item["amount_usd"] = round(item["amount_usd"] + 0.0037, 4)
    return item


@defect("ITEM-MONEY-DECIMALS")
def refund_sub_cent(mock: WSGIApp) -> WSGIApp:
    """Refunds are priced per token and keep 4 decimals (`0.4237`) instead of cents."""
    return ItemRewrite(mock, _sub_cent)


def _offset_created_at(item: Item) -> Item:
    moment = dt.datetime.strptime(item["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    item["created_at"] = moment.replace(tzinfo=dt.UTC).isoformat()
    return item


@defect("ITEM-CREATED-AT-FORMAT")
def created_at_isoformat(mock: WSGIApp) -> WSGIApp:
    """`created_at` is Python's `isoformat()`: `2026-05-30T11:53:35+00:00` instead of `...Z`."""
    return ItemRewrite(mock, _offset_created_at)


def _card_receipt(item: Item) -> Item:
    source = item["source"]
    if item["kind"] == "topup" and source.get("provider") == "stripe":
        item["source"] = {**source, "receipt_id": "ch_" + source["method"].rsplit("_", 1)[-1]}
    return item


@defect("SOURCE-IDS-UNIQUE")
def receipt_id_per_card(mock: WSGIApp) -> WSGIApp:
    """A card top-up's `receipt_id` is derived from the card, so it repeats across top-ups."""
    return ItemRewrite(mock, _card_receipt)


def _wire_without_receipt(item: Item) -> Item:
    if item["kind"] == "topup" and item["source"].get("provider") == "wire":
        item["source"] = {k: v for k, v in item["source"].items() if k != "receipt_id"}
    return item


@defect("SOURCE-TOPUP-DOCUMENTED", profile="documented")
def wire_topup_without_receipt(mock: WSGIApp) -> WSGIApp:
    """Wire top-ups have no `receipt_id` (there is no card receipt for a wire)."""
    return ItemRewrite(mock, _wire_without_receipt)


def _actor_renamed(item: Item) -> Item:
    if item["kind"] in ("admin_credit", "admin_debit"):
        item["source"] = {"admin_email": item["source"].get("actor")}
    return item


@defect("SOURCE-ADMIN-DOCUMENTED", profile="documented")
def admin_actor_renamed(mock: WSGIApp) -> WSGIApp:
    """Admin entries name the operator `admin_email` instead of the documented `actor`."""
    return ItemRewrite(mock, _actor_renamed)


def _period_datetimes(item: Item) -> Item:
    if item["kind"] == "subscription_renew":
        source = dict(item["source"])
        for key in ("period_start", "period_end"):
            if isinstance(source.get(key), str):
                source[key] += "T00:00:00Z"
        item["source"] = source
    return item


@defect("SOURCE-SUBSCRIPTION-EXACT")
def subscription_period_datetimes(mock: WSGIApp) -> WSGIApp:
    """A renewal's `period_start`/`period_end` are full timestamps, not `YYYY-MM-DD` dates."""
    return ItemRewrite(mock, _period_datetimes)


def _amount_text(item: Item) -> Item:
    item["amount_usd"] = f"{item['amount_usd']:.2f}"
    return item


@defect("BODY-SHAPE", profile="documented")
def amount_as_string(mock: WSGIApp) -> WSGIApp:
    """`amount_usd` is serialised as a decimal string (`"25.00"`), not a JSON number."""
    return ItemRewrite(mock, _amount_text)


def _has_more(body: dict[str, Any], _pairs: Pairs) -> dict[str, Any]:
    return {**body, "has_more": body["page"] * body["page_size"] < body["total"]}


@defect("BODY-KEYS-EXACT")
def extra_has_more(mock: WSGIApp) -> WSGIApp:
    """The page body carries an extra `has_more` flag."""
    return PageRewrite(mock, _has_more)


@defect("ITEM-ID-MONOTONIC")
def ids_per_kind_sequence(mock: WSGIApp) -> WSGIApp:
    """Refund ids come from a separate, older sequence: a later refund has a smaller id."""

    def rewrite(item: Item) -> Item:
        if item["kind"] == "refund":
            item["id"] = item["id"] // 1000 + 1  # small, unique (ids are >= 1000 apart)
        return item

    return ItemRewrite(mock, rewrite)


@defect("BALANCE-OPENING-ZERO")
def migrated_opening_balance(mock: WSGIApp) -> WSGIApp:
    """Balances include a $100.00 opening credit migrated from the old system (no entry for it)."""

    def rewrite(item: Item) -> Item:
        item["balance_after_usd"] = round(item["balance_after_usd"] + 100, 2)
        return item

    return ItemRewrite(mock, rewrite)


@defect("SOURCE-ADMIN-EXACT")
def admin_actor_username(mock: WSGIApp) -> WSGIApp:
    """Admin `actor` is the operator's username (`jdoe`), not an email address."""

    def rewrite(item: Item) -> Item:
        if item["kind"] in ("admin_credit", "admin_debit"):
            item["source"] = {"actor": str(item["source"]["actor"]).split("@")[0]}
        return item

    return ItemRewrite(mock, rewrite)


@defect("SOURCE-TOPUP-EXACT")
def card_method_without_last4(mock: WSGIApp) -> WSGIApp:
    """A card top-up's `method` is just the brand (`card_visa`), without the last four digits."""

    def rewrite(item: Item) -> Item:
        source = item["source"]
        if item["kind"] == "topup" and str(source.get("method", "")).startswith("card_"):
            item["source"] = {**source, "method": source["method"].rsplit("_", 1)[0]}
        return item

    return ItemRewrite(mock, rewrite)


@defect("SOURCE-REFUND-EXACT")
def refund_source_extra_tokens(mock: WSGIApp) -> WSGIApp:
    """A refund's source also carries the refunded `tokens` count."""

    def rewrite(item: Item) -> Item:
        if item["kind"] == "refund":
            item["source"] = {**item["source"], "tokens": 1200}
        return item

    return ItemRewrite(mock, rewrite)


@defect("PAGE-CONCAT", keys=TIES_KEYS, quick=False)
def ties_unstable_order(mock: WSGIApp) -> WSGIApp:
    """`ORDER BY created_at DESC` only: entries sharing a second come back in a different
    order on every page, so across pages some repeat and others are never listed."""

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        def key(entry: Item) -> tuple[str, int]:
            # a plan-dependent tie order: differs with the page asked for
            return entry["created_at"], (entry["id"] * (page + 7) * 2654435761) % 2**32

        ordered = sorted(entries, key=key, reverse=True)
        start = (page - 1) * size
        return ordered[start : start + size], len(entries)

    return ListingRewrite(mock, paginate)


@defect("PAGE-CONCAT", profile="documented", quick=False)
def pages_from_oldest(mock: WSGIApp) -> WSGIApp:
    """Each page is sorted newest first, but pages are cut from the oldest end (page 1 = oldest).

    Every page on its own is in order; the concatenation is not (PAGE-CONCAT's "in order").
    """

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        oldest_first = entries[::-1]
        start = (page - 1) * size
        return oldest_first[start : start + size][::-1], len(entries)

    return ListingRewrite(mock, paginate)


@defect("ORDER-CREATED-DESC", profile="documented")
def order_ascending(mock: WSGIApp) -> WSGIApp:
    """The query lost its `DESC`: the listing is oldest first."""

    def paginate(entries: Items, page: int, size: int) -> tuple[Items, int]:
        oldest_first = entries[::-1]
        start = (page - 1) * size
        return oldest_first[start : start + size], len(entries)

    return ListingRewrite(mock, paginate)


@defect("BALANCE-NON-NEGATIVE")
def balance_net_of_credit_line(mock: WSGIApp) -> WSGIApp:
    """`balance_after_usd` is reported net of a $50 credit line, so a low wallet shows negative."""

    def rewrite(item: Item) -> Item:
        item["balance_after_usd"] = round(item["balance_after_usd"] - 50, 2)
        return item

    return ItemRewrite(mock, rewrite)
