"""Per-item rules as pure functions: item in, list of (rule id, problem) out.

Kept apart from any HTTP so each rule's reading of CONTRACT.md §4 can be read
(and unit-tested) on its own.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from contract_tests.entries import ADMIN_KINDS, CREDIT_KINDS, DEBIT_KINDS, KINDS
from contract_tests.timestamps import CREATED_AT_FORMAT, parse_instant

__all__ = ["ITEM_KEYS", "PAGE_KEYS", "item_problems", "kind_rules"]

PAGE_KEYS = frozenset({"items", "total", "page", "page_size"})
ITEM_KEYS = frozenset(
    {"id", "created_at", "kind", "amount_usd", "balance_after_usd", "source", "note"}
)
_CARD = re.compile(r"card_(visa|mastercard|amex)_[0-9]{4}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CENT = Decimal("0.01")

Problem = tuple[str, str]


def kind_rules(kind: str) -> tuple[str, ...]:
    """The kind-specific rules an item of `kind` gives evidence for."""
    return {
        "topup": ("SOURCE-TOPUP-DOCUMENTED", "SOURCE-TOPUP-EXACT"),
        "refund": ("SOURCE-REFUND-EXACT",),
        "admin_credit": ("SOURCE-ADMIN-DOCUMENTED", "SOURCE-ADMIN-EXACT"),
        "admin_debit": ("SOURCE-ADMIN-DOCUMENTED", "SOURCE-ADMIN-EXACT"),
        "subscription_renew": ("SOURCE-SUBSCRIPTION-EXACT",),
    }.get(kind, ())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shape(item: dict[str, Any]) -> list[Problem]:
    problems = []
    missing = sorted(ITEM_KEYS - item.keys())
    if missing:
        problems.append(("BODY-SHAPE", f"missing keys {missing}"))
    checks = (
        ("id", lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
        ("created_at", lambda v: isinstance(v, str), "a string"),
        ("kind", lambda v: v in KINDS, f"one of {list(KINDS)}"),
        ("amount_usd", _is_number, "a number"),
        ("balance_after_usd", _is_number, "a number"),
        ("source", lambda v: isinstance(v, dict), "an object"),
        ("note", lambda v: v is None or isinstance(v, str), "a string or null"),
    )
    for key, test, wanted in checks:
        if key in item and not test(item[key]):
            problems.append(("BODY-SHAPE", f"{key} should be {wanted}, got {item[key]!r}"))
    extra = sorted(item.keys() - ITEM_KEYS)
    if extra:
        problems.append(("BODY-KEYS-EXACT", f"unexpected item keys {extra}"))
    return problems


def _values(item: dict[str, Any]) -> list[Problem]:
    problems = []
    created = item.get("created_at")
    if isinstance(created, str) and (
        not CREATED_AT_FORMAT.fullmatch(created) or parse_instant(created) is None
    ):
        problems.append(("ITEM-CREATED-AT-FORMAT", f"created_at {created!r}"))
    kind, amount = item.get("kind"), item.get("amount_usd")
    if isinstance(amount, int | Decimal) and not isinstance(amount, bool):
        wrong_sign = (kind in CREDIT_KINDS and amount <= 0) or (kind in DEBIT_KINDS and amount >= 0)
        if wrong_sign:
            problems.append(("ITEM-AMOUNT-SIGN", f"{kind} with amount_usd {amount}"))
    for key in ("amount_usd", "balance_after_usd"):
        value = item.get(key)
        if _is_number(value) and Decimal(value) != Decimal(value).quantize(_CENT):  # type: ignore[arg-type]
            problems.append(("ITEM-MONEY-DECIMALS", f"{key} {value} has more than 2 decimals"))
    if kind in KINDS and kind not in ADMIN_KINDS and item.get("note") is not None:
        problems.append(("ITEM-NOTE-NON-ADMIN-NULL", f"{kind} with note {item.get('note')!r}"))
    return problems


def _prefixed(value: Any, prefix: str) -> bool:
    return isinstance(value, str) and value.startswith(prefix) and len(value) > len(prefix)


def _valid_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _source(kind: str, source: dict[str, Any]) -> list[Problem]:
    problems = []
    keys = set(source)
    if kind == "topup":
        if not all(isinstance(source.get(k), str) for k in ("provider", "receipt_id")):
            problems.append(("SOURCE-TOPUP-DOCUMENTED", f"topup source {source!r}"))
        card = (
            keys == {"provider", "receipt_id", "method"}
            and source["provider"] == "stripe"
            and _prefixed(source["receipt_id"], "ch_")
            and isinstance(source["method"], str)
            and _CARD.fullmatch(source["method"]) is not None
        )
        wire = keys == {"provider", "receipt_id", "method"} and (
            source["provider"] == "wire"
            and _prefixed(source["receipt_id"], "wire_")
            and source["method"] == "wire_transfer"
        )
        if not (card or wire):
            problems.append(("SOURCE-TOPUP-EXACT", f"topup source {source!r}"))
    elif kind == "refund":
        ok = (
            keys == {"request_id", "model"}
            and _prefixed(source["request_id"], "req_")
            and isinstance(source["model"], str)
            and source["model"] != ""
        )
        if not ok:
            problems.append(("SOURCE-REFUND-EXACT", f"refund source {source!r}"))
    elif kind in ADMIN_KINDS:
        if "actor" not in source:
            problems.append(("SOURCE-ADMIN-DOCUMENTED", f"{kind} source {source!r}"))
        actor = source.get("actor")
        if keys != {"actor"} or not isinstance(actor, str) or not _EMAIL.fullmatch(actor):
            problems.append(("SOURCE-ADMIN-EXACT", f"{kind} source {source!r}"))
    elif kind == "subscription_renew":
        ok = (
            keys == {"plan", "period_start", "period_end"}
            and source["plan"] in ("starter", "pro", "team")
            and _valid_date(source["period_start"])
            and _valid_date(source["period_end"])
        )
        if not ok:
            problems.append(("SOURCE-SUBSCRIPTION-EXACT", f"subscription_renew source {source!r}"))
    return problems


def item_problems(item: Any) -> list[Problem]:
    """Every §4 item-level rule `item` breaks, as (rule id, what is wrong)."""
    if not isinstance(item, dict):
        return [("BODY-SHAPE", f"item is not an object: {item!r}")]
    problems = _shape(item) + _values(item)
    kind, source = item.get("kind"), item.get("source")
    if isinstance(kind, str) and isinstance(source, dict):
        problems += _source(kind, source)
    return problems
