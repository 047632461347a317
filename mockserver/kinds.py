"""The five ledger kinds and the storage codes that also carry the top-up method."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ADMIN_KINDS",
    "CREDIT_KINDS",
    "KINDS",
    "PLAN_PRICES_CENTS",
    "Variant",
    "kind_code",
]

KINDS: tuple[str, ...] = ("topup", "refund", "admin_credit", "admin_debit", "subscription_renew")
CREDIT_KINDS = frozenset({"topup", "refund", "admin_credit"})
ADMIN_KINDS = frozenset({"admin_credit", "admin_debit"})

PLAN_PRICES_CENTS: dict[str, int] = {"starter": 900, "pro": 2900, "team": 9900}


class Variant(IntEnum):
    """One byte per entry: the kind, plus card-or-wire for top-ups."""

    TOPUP_CARD = 0
    TOPUP_WIRE = 1
    REFUND = 2
    ADMIN_CREDIT = 3
    ADMIN_DEBIT = 4
    SUBSCRIPTION_RENEW = 5

    @property
    def kind(self) -> str:
        return KINDS[_VARIANT_KIND[self]]


_VARIANT_KIND = (0, 0, 1, 2, 3, 4)


def kind_code(variant: int) -> int:
    """Index into ``KINDS`` of a storage variant."""
    return _VARIANT_KIND[variant]
