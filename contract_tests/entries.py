"""Ledger entries as the suite reads them from a page body.

An `Entry` keeps the raw item next to the few fields the checks compare, read
leniently: a malformed item still becomes an `Entry` (with `None` where a
field is unusable), because reporting a shape violation is the job of the
response checks, not a reason to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from contract_tests.timestamps import parse_instant

__all__ = ["ADMIN_KINDS", "CREDIT_KINDS", "DEBIT_KINDS", "KINDS", "Entry", "page_items"]

KINDS = ("topup", "refund", "admin_credit", "admin_debit", "subscription_renew")
CREDIT_KINDS = frozenset({"topup", "refund", "admin_credit"})
DEBIT_KINDS = frozenset({"admin_debit", "subscription_renew"})
ADMIN_KINDS = frozenset({"admin_credit", "admin_debit"})


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger item, with the fields the checks compare."""

    raw: dict[str, Any]
    id: int | None
    created_at: str | None
    instant: Fraction | None
    kind: str | None
    amount: Decimal | None
    balance: Decimal | None

    @classmethod
    def from_item(cls, item: Any) -> Entry:
        """Read an item (anything JSON) without trusting its shape."""
        raw = item if isinstance(item, dict) else {}
        ident = raw.get("id")
        created = raw.get("created_at")
        kind = raw.get("kind")
        return cls(
            raw=raw,
            id=ident if isinstance(ident, int) and not isinstance(ident, bool) else None,
            created_at=created if isinstance(created, str) else None,
            instant=parse_instant(created) if isinstance(created, str) else None,
            kind=kind if isinstance(kind, str) else None,
            amount=_number(raw.get("amount_usd")),
            balance=_number(raw.get("balance_after_usd")),
        )

    @property
    def order_key(self) -> tuple[Fraction, int]:
        """Sort key of the listing order, reversed (oldest first); needs a parsed entry."""
        assert self.instant is not None and self.id is not None
        return (self.instant, self.id)


def page_items(body: Any) -> list[Entry] | None:
    """The entries of a page body, or `None` when the body has no `items` list."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return None
    return [Entry.from_item(item) for item in body["items"]]
