"""A tiny deterministic wallet ledger, written from CONTRACT.md alone (no `mockserver`).

Two accounts share one global id sequence (so each account's ids have gaps);
entries are posted in time order, some in the same second, and the balance
never goes below zero. Money is integer cents throughout.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

__all__ = ["ACCOUNTS", "KEYS", "REVOKED_KEYS", "Entry", "build_ledgers"]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
START = int((dt.datetime(2025, 1, 3, 9, 30, tzinfo=dt.UTC) - EPOCH).total_seconds())

ACCOUNTS = {"acme": 120, "globex": 40}
KEYS = {
    "ind_live_acme_primary": "acme",
    "ind_live_acme_ci": "acme",
    "ind_live_globex": "globex",
}
REVOKED_KEYS = {"ind_live_acme_2023": "acme"}

_PLAN_PRICES = {"starter": 900, "pro": 4900, "team": 19900}
_MODELS = ("gpt-4o", "claude-3-5-sonnet", "deepseek-chat", "qwen-max")
_ACTORS = ("billing-ops@bytespike.ai", "support@bytespike.ai")
_CARDS = ("card_visa_4242", "card_mastercard_5454", "card_amex_0005")


@dataclass(frozen=True)
class Entry:
    """One posted ledger entry; money in cents."""

    id: int
    created: int
    kind: str
    amount: int
    balance: int
    source: dict[str, str]
    note: str | None

    def to_json(self) -> dict[str, Any]:
        """The item object (money as `Money`: exact two-decimal JSON numbers)."""
        # Key order unlike the mock's: JSON objects are unordered.
        return {
            "kind": self.kind,
            "id": self.id,
            "amount_usd": Money(self.amount),
            "created_at": dt.datetime.fromtimestamp(self.created, dt.UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "note": self.note,
            "source": self.source,
            "balance_after_usd": Money(self.balance),
        }


class Money(int):
    """Cents that serialise as an exact two-decimal JSON number (see `app.dumps`)."""

    def json_text(self) -> str:
        sign = "-" if self < 0 else ""
        whole, cents = divmod(abs(int(self)), 100)
        return f"{sign}{whole}.{cents:02d}"


def _date(seconds: int) -> dt.date:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date()


def _month_after(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, 28))


def _draft(rng: random.Random, name: str, count: int) -> list[tuple[int, str, int, dict[str, str]]]:
    """(created, kind, amount, source) for one account, oldest first, balance kept >= 0."""
    plan = "pro" if name == "acme" else "starter"
    drafts: list[tuple[int, str, int, dict[str, str]]] = []
    now = START + rng.randrange(3600)
    balance = 0
    serial = 0
    while len(drafts) < count:
        serial += 1
        # Every ninth entry posts in the same second as the previous one.
        if drafts and serial % 9 == 0:
            now = drafts[-1][0]
        else:
            now += rng.randrange(3_000, 200_000)
        roll = rng.random()
        if balance < 20_000 or roll < 0.25:
            cents = rng.choice((10_000, 20_000, 50_000, 100_000))
            if rng.random() < 0.8:
                source = {
                    "provider": "stripe",
                    "receipt_id": f"ch_{name}{serial:05d}{rng.getrandbits(40):010x}",
                    "method": rng.choice(_CARDS),
                }
            else:
                source = {
                    "provider": "wire",
                    "receipt_id": f"wire_{name.upper()}{serial:06d}",
                    "method": "wire_transfer",
                }
            kind, amount = "topup", cents
        elif roll < 0.55:
            price = _PLAN_PRICES[plan]
            start = _date(now)
            source = {
                "plan": plan,
                "period_start": start.isoformat(),
                "period_end": _month_after(start).isoformat(),
            }
            kind, amount = "subscription_renew", -price
        elif roll < 0.85:
            source = {
                "request_id": f"req_{name}_{serial:05d}_{rng.getrandbits(32):08x}",
                "model": rng.choice(_MODELS),
            }
            kind, amount = "refund", rng.randrange(1, 900)
        elif roll < 0.93:
            kind, amount = "admin_credit", rng.randrange(100, 5_000)
            source = {"actor": rng.choice(_ACTORS)}
        else:
            kind, amount = "admin_debit", -rng.randrange(100, min(5_000, balance))
            source = {"actor": rng.choice(_ACTORS)}
        balance += amount
        drafts.append((now, kind, amount, source))
    return drafts


def build_ledgers(seed: int = 7) -> dict[str, list[Entry]]:
    """Every account's entries, oldest first, ids drawn from one global sequence."""
    rng = random.Random(seed)
    drafts = {name: _draft(rng, name, count) for name, count in ACCOUNTS.items()}
    merged = sorted(
        (
            (created, name, index)
            for name, rows in drafts.items()
            for index, (created, *_rest) in enumerate(rows)
        ),
    )
    ledgers: dict[str, list[Entry]] = {name: [] for name in ACCOUNTS}
    next_id = 1000
    balances = dict.fromkeys(ACCOUNTS, 0)
    for _created, name, index in merged:
        created, kind, amount, source = drafts[name][index]
        next_id += rng.randrange(1, 4)
        balances[name] += amount
        note = None
        if kind in ("admin_credit", "admin_debit"):
            note = f"TICKET-{rng.randrange(1000, 9999)}: manual adjustment"
        ledgers[name].append(Entry(next_id, created, kind, amount, balances[name], source, note))
    return ledgers
