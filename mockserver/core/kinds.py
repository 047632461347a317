"""The five ledger kinds, their amounts, and the storage codes that also carry the top-up method.

Plain tuples of ints and strings (no numpy): generation, rendering and the
Hypothesis strategies all draw from these tables, so they cannot drift apart.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ADMIN_CREDITS_CENTS",
    "ADMIN_DEBITS_CENTS",
    "ADMIN_KINDS",
    "CARD_TOPUPS_CENTS",
    "CREDIT_KINDS",
    "KINDS",
    "MODELS",
    "PLAN_PRICES_CENTS",
    "WIRE_TOPUPS_CENTS",
    "Variant",
    "kind_code",
]

KINDS: tuple[str, ...] = ("topup", "refund", "admin_credit", "admin_debit", "subscription_renew")
CREDIT_KINDS = frozenset({"topup", "refund", "admin_credit"})
ADMIN_KINDS = frozenset({"admin_credit", "admin_debit"})

PLAN_PRICES_CENTS: dict[str, int] = {"starter": 900, "pro": 2900, "team": 9900}

# Round amounts each entry kind is drawn from (cents).
CARD_TOPUPS_CENTS: tuple[int, ...] = (1000, 2000, 2500, 5000, 10000, 20000)
WIRE_TOPUPS_CENTS: tuple[int, ...] = (50000, 100000, 200000, 250000, 500000)
ADMIN_CREDITS_CENTS: tuple[int, ...] = (100, 250, 500, 1000, 2500, 5000)
ADMIN_DEBITS_CENTS: tuple[int, ...] = (100, 250, 500, 1000)

# The ``model`` a refund's source names (a refunded request to that model).
MODELS: tuple[str, ...] = (
    "gpt-4o-mini",
    "gpt-4o",
    "claude-3-5-sonnet",
    "deepseek-chat",
    "doubao-pro-32k",
    "qwen-max",
    "llama-3.1-70b-instruct",
    "gemini-1.5-pro",
)


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
