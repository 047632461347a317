"""Entries to JSON, at serve time, straight from the columns.

Source fields are derived from the account seed and the entry's position with a
bijective mix, so receipt and request ids are unique by construction.
Money leaves integer cents only here, as ``cents / 100`` (the shortest float repr
of a two-decimal value is that value's two-decimal text).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import orjson

from .kinds import ADMIN_KINDS, KINDS, PLAN_PRICES_CENTS, Variant, kind_code
from .ledger import Ledger
from .notes import admin_note
from .query import Selection
from .seeding import mix64, to_base
from .timestamps import format_utc

__all__ = ["render_entry", "render_page"]

_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "claude-3-5-sonnet",
    "deepseek-chat",
    "doubao-pro-32k",
    "qwen-max",
    "llama-3.1-70b-instruct",
    "gemini-1.5-pro",
)
_PLAN_BY_PRICE = {-price: plan for plan, price in PLAN_PRICES_CENTS.items()}
_HEX = "0123456789abcdef"
_UPPER36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Salts that keep each derived field independent of the others.
_CARD, _RECEIPT, _RECEIPT_TAIL, _WIRE, _REQUEST, _REQUEST_TAIL, _MODEL, _ACTOR = range(1, 9)


def _source(ledger: Ledger, position: int, variant: int, created: int, amount: int) -> dict[str, str]:
    seed = ledger.profile.seed
    if variant == Variant.TOPUP_CARD:
        brand, last4 = ledger.profile.cards[mix64(position, seed ^ _CARD) % len(ledger.profile.cards)]
        receipt = to_base(mix64(position, seed ^ _RECEIPT), width=11) + to_base(
            mix64(position, seed ^ _RECEIPT_TAIL), width=11
        )
        return {"provider": "stripe", "receipt_id": f"ch_3{receipt}", "method": f"card_{brand}_{last4}"}
    if variant == Variant.TOPUP_WIRE:
        reference = to_base(mix64(position, seed ^ _WIRE), width=13, alphabet=_UPPER36)
        return {"provider": "wire", "receipt_id": f"wire_{reference}", "method": "wire_transfer"}
    if variant == Variant.REFUND:
        request = to_base(mix64(position, seed ^ _REQUEST), width=16, alphabet=_HEX) + to_base(
            mix64(position, seed ^ _REQUEST_TAIL) >> 32, width=8, alphabet=_HEX
        )
        return {"request_id": f"req_{request}", "model": _MODELS[mix64(position, seed ^ _MODEL) % len(_MODELS)]}
    if variant in (Variant.ADMIN_CREDIT, Variant.ADMIN_DEBIT):
        actors = ledger.profile.actors
        return {"actor": actors[mix64(position, seed ^ _ACTOR) % len(actors)]}
    start = _dt.date(1970, 1, 1) + _dt.timedelta(seconds=created)
    end_year, end_month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return {
        "plan": _PLAN_BY_PRICE.get(amount, ledger.profile.plan),
        "period_start": start.isoformat(),
        "period_end": start.replace(year=end_year, month=end_month).isoformat(),
    }


def render_entry(ledger: Ledger, position: int) -> dict[str, Any]:
    """The JSON object of the entry at ``position`` (oldest is 0)."""
    variant = int(ledger.variants[position])
    kind = KINDS[kind_code(variant)]
    created = int(ledger.created[position])
    amount = int(ledger.amounts[position])
    pinned = ledger.pinned.get(position)
    if pinned is not None:
        source, note = dict(pinned.source), pinned.note
    else:
        source = _source(ledger, position, variant, created, amount)
        note = (
            admin_note(ledger.profile.seed, position, credit=variant == Variant.ADMIN_CREDIT)
            if kind in ADMIN_KINDS
            else None
        )
    return {
        "id": int(ledger.ids[position]),
        "created_at": format_utc(created),
        "kind": kind,
        "amount_usd": amount / 100,
        "balance_after_usd": int(ledger.balances[position]) / 100,
        "source": source,
        "note": note,
    }


def render_page(ledger: Ledger, selection: Selection, *, page: int, page_size: int) -> bytes:
    """The response body of one page, as bytes."""
    items = [render_entry(ledger, int(position)) for position in selection.positions]
    return orjson.dumps({"items": items, "total": selection.total, "page": page, "page_size": page_size})
