"""Entries to JSON, at serve time, straight from the columns.

Source fields are derived from the account seed and the entry's position with a
bijective mix, so receipt and request ids are unique by construction.
Money leaves integer cents only here, as ``cents / 100`` (the shortest float repr
of a two-decimal value is that value's two-decimal text).

Serving speed: each entry's JSON is rendered once and kept in a bounded LRU
(the data is a pure function of the configuration, so a cached item is the item),
and a page is the items' bytes joined, byte-identical to ``orjson.dumps`` of the
whole page object. The LRU belongs to whoever serves (``item_cache()``; each
``LedgerStore`` holds one), so it dies with its app; ``cache_info()`` on it
reports the hit rate.
"""

from __future__ import annotations

import datetime as _dt
import functools
import time
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import orjson

from .kinds import ADMIN_KINDS, KINDS, MODELS, PLAN_PRICES_CENTS, Variant, kind_code
from .ledger import Ledger
from .notes import account_actors, admin_note
from .query import Selection
from .seeding import base36_13, base62_11, mix64
from .timestamps import format_utc

__all__ = [
    "ITEM_CACHE_SIZE",
    "CacheInfo",
    "ItemCache",
    "cache_info",
    "item_cache",
    "render_entry",
    "render_item",
    "render_page",
]

ITEM_CACHE_SIZE = 65_536  # rendered entries (~200 B each) kept per store

_PLAN_BY_PRICE = {-price: plan for plan, price in PLAN_PRICES_CENTS.items()}

# Salts that keep each derived field independent of the others.
_CARD, _RECEIPT, _RECEIPT_TAIL, _WIRE, _REQUEST, _REQUEST_TAIL, _MODEL, _ACTOR = range(1, 9)


def _utc(created: int) -> str:
    """``format_utc`` without a datetime object (same text for years 1000..9999)."""
    moment = time.gmtime(created)
    if moment.tm_year < 1000:
        return format_utc(created)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % moment[:6]  # noqa: UP031 - fastest here


def _source(
    ledger: Ledger, position: int, variant: int, created: int, amount: int
) -> dict[str, str]:
    seed = ledger.profile.seed
    if variant == Variant.TOPUP_CARD:
        brand, last4 = ledger.profile.cards[
            mix64(position, seed ^ _CARD) % len(ledger.profile.cards)
        ]
        receipt = base62_11(mix64(position, seed ^ _RECEIPT)) + base62_11(
            mix64(position, seed ^ _RECEIPT_TAIL)
        )
        return {
            "provider": "stripe",
            "receipt_id": f"ch_3{receipt}",
            "method": f"card_{brand}_{last4}",
        }
    if variant == Variant.TOPUP_WIRE:
        reference = base36_13(mix64(position, seed ^ _WIRE))
        return {"provider": "wire", "receipt_id": f"wire_{reference}", "method": "wire_transfer"}
    if variant == Variant.REFUND:
        head, tail = mix64(position, seed ^ _REQUEST), mix64(position, seed ^ _REQUEST_TAIL) >> 32
        request = f"{head:016x}{tail:08x}"
        return {
            "request_id": f"req_{request}",
            "model": MODELS[mix64(position, seed ^ _MODEL) % len(MODELS)],
        }
    if variant in (Variant.ADMIN_CREDIT, Variant.ADMIN_DEBIT):
        actors = account_actors(seed)
        return {"actor": actors[mix64(position, seed ^ _ACTOR) % len(actors)]}
    start = _dt.date(1970, 1, 1) + _dt.timedelta(seconds=created)
    end_year, end_month = (
        (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    )
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
        "created_at": _utc(created),
        "kind": kind,
        "amount_usd": amount / 100,
        "balance_after_usd": int(ledger.balances[position]) / 100,
        "source": source,
        "note": note,
    }


class CacheInfo(NamedTuple):
    """Hits and misses of a rendered-item cache."""

    hits: int
    misses: int
    size: int
    max_size: int


def render_item(ledger: Ledger, position: int) -> bytes:
    """``orjson.dumps(render_entry(ledger, position))``."""
    return orjson.dumps(render_entry(ledger, position))


class ItemCache(Protocol):
    """``render_item`` behind a bounded LRU (``functools.lru_cache``'s interface)."""

    def __call__(self, ledger: Ledger, position: int) -> bytes: ...

    def cache_info(self) -> Any: ...

    def cache_clear(self) -> None: ...


def item_cache(max_size: int = ITEM_CACHE_SIZE) -> ItemCache:
    """A fresh LRU of rendered items, ``max_size`` entries at most (its owner's to keep)."""
    cached: ItemCache = functools.lru_cache(maxsize=max_size)(render_item)
    return cached


def cache_info(cache: ItemCache) -> CacheInfo:
    """How often ``cache`` found the entry already rendered."""
    info = cache.cache_info()
    return CacheInfo(info.hits, info.misses, info.currsize, info.maxsize or 0)


def render_page(
    ledger: Ledger,
    selection: Selection,
    *,
    page: int,
    page_size: int,
    items: Callable[[Ledger, int], bytes] = render_item,
) -> bytes:
    """The response body of one page, as bytes (each item from ``items``: an ``item_cache()``).

    Byte for byte ``orjson.dumps({"items": [...], "total", "page", "page_size"})``:
    orjson writes no whitespace, so the object is its parts joined.
    """
    rendered = b",".join([items(ledger, position) for position in selection.positions.tolist()])
    tail = b'],"total":%d,"page":%d,"page_size":%d}' % (selection.total, page, page_size)
    return b'{"items":[' + rendered + tail
