"""Pure generation: (scenario, seed, account, frozen now) → ``Ledger``.

Randomness comes from one ``numpy`` PCG64 stream per account, seeded from the
configuration; nothing reads the clock. Money is integer cents throughout.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Collection
from typing import Any

import numpy as np

from .kinds import (
    ADMIN_CREDITS_CENTS,
    ADMIN_DEBITS_CENTS,
    CARD_TOPUPS_CENTS,
    PLAN_PRICES_CENTS,
    WIRE_TOPUPS_CENTS,
    Variant,
)
from .ledger import AccountProfile, Ledger, PinnedDetail
from .scenarios import DOCS_EXAMPLE_ITEMS, Scenario, ScenarioError
from .seeding import derive_seed

__all__ = ["ID_EPOCH", "ID_TICK_SECONDS", "generate_ledger"]

# Ids come from a platform-wide clock (one tick per ID_TICK_SECONDS since ID_EPOCH),
# interleaved across accounts by a per-account shard, so they are global, grow with
# time and leave realistic gaps in any one account.
ID_EPOCH = 1672531200  # 2023-01-01T00:00:00Z
ID_TICK_SECONDS = 8000

_CARD_TOPUPS_CENTS = np.array(CARD_TOPUPS_CENTS, dtype=np.int64)
_WIRE_TOPUPS_CENTS = np.array(WIRE_TOPUPS_CENTS, dtype=np.int64)
_ADMIN_CREDITS_CENTS = np.array(ADMIN_CREDITS_CENTS, dtype=np.int64)
_ADMIN_DEBITS_CENTS = np.array(ADMIN_DEBITS_CENTS, dtype=np.int64)
_CARD_BRANDS = ("visa", "mastercard", "amex")
_TOPUP_ROUNDING_CENTS = 1000

# Shares of the non-renewal entries, per mille: top-up, refund, admin credit, admin debit.
_KIND_THRESHOLDS = np.array([140, 960, 985], dtype=np.int64)
_WIRE_SHARE_PERCENT = 8

_DOCS_HISTORY_END = calendar.timegm((2026, 5, 10, 0, 0, 0))
_DOCS_BALANCE_BEFORE_EXAMPLE = 2640  # 31.40 - 5.00, from the docs example
_DOCS_MAX_ATTEMPTS = 20_000

Array = np.ndarray[Any, Any]


def generate_ledger(
    scenario: Scenario,
    *,
    seed: int,
    account: str,
    now: int,
    shard: int = 0,
    stride: int = 64,
    reserved_ids: Collection[int] = (),
) -> Ledger:
    """Build an account's whole history; the same arguments give the same ledger."""
    if not 0 <= shard < stride:
        raise ScenarioError(f"shard {shard} is outside 0..{stride - 1}")
    profile = _profile(seed, scenario.plan)
    if scenario.docs_example:
        created, variants, amounts, pinned_ids, pinned = _docs_history(scenario, seed, now)
    else:
        rng = np.random.Generator(np.random.PCG64(seed))
        start = now - scenario.span_days * 86400
        created, variants, amounts = _draw_history(
            rng, size=scenario.size, start=start, end=now, plan=scenario.plan, ties=scenario.ties
        )
        _keep_balance_non_negative(variants, amounts)
        pinned_ids, pinned = {}, {}
    ids = _assign_ids(created, shard, stride, frozenset(reserved_ids), pinned_ids)
    return Ledger.from_columns(
        account=account,
        profile=profile,
        ids=ids,
        created=created,
        variants=variants,
        amounts=amounts,
        pinned=pinned,
    )


def _profile(seed: int, plan: str) -> AccountProfile:
    """The account's cards and the staff who may adjust it."""
    rng = np.random.Generator(np.random.PCG64(derive_seed(seed, "profile")))
    card_count = int(rng.integers(1, 4))
    cards = tuple(
        (
            _CARD_BRANDS[int(rng.integers(0, len(_CARD_BRANDS)))],
            f"{int(rng.integers(0, 10000)):04d}",
        )
        for _ in range(card_count)
    )
    return AccountProfile(seed=seed, plan=plan, cards=cards)


def _draw_history(
    rng: np.random.Generator, *, size: int, start: int, end: int, plan: str, ties: bool
) -> tuple[Array, Array, Array]:
    """Times, variants and amounts of ``size`` entries in ``[start, end)``, oldest first."""
    renewals = _renewal_times(rng, start, end)
    renewals = renewals[len(renewals) - min(len(renewals), size // 4) :]
    others = size - len(renewals)
    if ties:
        seconds = rng.integers(start, end, max(1, others // 5))
        other_times = rng.choice(seconds, others)
        other_times[: min(others, 40)] = seconds[0]  # one second shared by many entries
    else:
        other_times = rng.integers(start, end, others)
    draw = rng.integers(0, 1000, others)
    other_variants = np.select(
        [draw < _KIND_THRESHOLDS[0], draw < _KIND_THRESHOLDS[1], draw < _KIND_THRESHOLDS[2]],
        [Variant.TOPUP_CARD, Variant.REFUND, Variant.ADMIN_CREDIT],
        Variant.ADMIN_DEBIT,
    )
    wire = rng.integers(0, 100, others) < _WIRE_SHARE_PERCENT
    other_variants[(other_variants == Variant.TOPUP_CARD) & wire] = Variant.TOPUP_WIRE

    times = np.concatenate([other_times, renewals]).astype(np.int64)
    variants = np.concatenate(
        [other_variants, np.full(len(renewals), Variant.SUBSCRIPTION_RENEW)]
    ).astype(np.uint8)
    order = np.argsort(times, kind="stable")
    times, variants = times[order], variants[order]
    if size:
        variants[0] = Variant.TOPUP_CARD  # a wallet opens at 0: its first entry is a credit
    return times, variants, _amounts(rng, variants, plan)


def _renewal_times(rng: np.random.Generator, start: int, end: int) -> Array:
    """Monthly renewals on a stable day of the month, at a stable time of day."""
    day = int(rng.integers(1, 29))
    second_of_day = int(rng.integers(0, 86400))
    first = _dt.datetime(1970, 1, 1) + _dt.timedelta(seconds=start)
    year, month = first.year, first.month
    times = []
    while True:
        moment = calendar.timegm((year, month, day, 0, 0, 0)) + second_of_day
        if moment >= end:
            break
        if moment >= start:
            times.append(moment)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return np.array(times, dtype=np.int64)


def _amounts(rng: np.random.Generator, variants: Array, plan: str) -> Array:
    """Signed cents per entry: round top-ups, small refunds, plan-priced renewals."""
    n = len(variants)
    refunds = rng.integers(1, 50, n) * rng.integers(1, 11, n)
    return np.select(
        [
            variants == Variant.TOPUP_CARD,
            variants == Variant.TOPUP_WIRE,
            variants == Variant.REFUND,
            variants == Variant.ADMIN_CREDIT,
            variants == Variant.ADMIN_DEBIT,
        ],
        [
            rng.choice(_CARD_TOPUPS_CENTS, n),
            rng.choice(_WIRE_TOPUPS_CENTS, n),
            refunds,
            rng.choice(_ADMIN_CREDITS_CENTS, n),
            -rng.choice(_ADMIN_DEBITS_CENTS, n),
        ],
        -PLAN_PRICES_CENTS[plan],
    ).astype(np.int64)


def _keep_balance_non_negative(variants: Array, amounts: Array) -> None:
    """Raise the latest earlier top-up wherever a debit would overdraw the wallet.

    The customer topped up more that time; amounts stay round (multiples of $10).
    Drift is positive, so this loops only a few times, each pass vectorised.
    """
    topups = np.flatnonzero(variants <= Variant.TOPUP_WIRE)
    balances = np.cumsum(amounts)
    while len(balances) and balances.min() < 0:
        first_negative = int(np.argmax(balances < 0))
        topup = int(topups[np.searchsorted(topups, first_negative, side="right") - 1])
        deficit = -int(balances[first_negative])
        bump = -(-deficit // _TOPUP_ROUNDING_CENTS) * _TOPUP_ROUNDING_CENTS
        amounts[topup] += bump
        balances[topup:] += bump


def _docs_history(
    scenario: Scenario, seed: int, now: int
) -> tuple[Array, Array, Array, dict[int, int], dict[int, PinnedDetail]]:
    """45 generated entries landing on $26.40, then the two entries the docs show.

    Sub-seeds are tried in a fixed order until the generated part ends within $5
    below the docs' balance; a small refund then closes the gap to the cent.
    """
    newest = DOCS_EXAMPLE_ITEMS[0]
    pinned_times = [
        calendar.timegm(
            _dt.datetime.fromisoformat(
                str(item["created_at"]).replace("Z", "+00:00")
            ).utctimetuple()
        )
        for item in reversed(DOCS_EXAMPLE_ITEMS)
    ]
    if now <= pinned_times[-1]:
        raise ScenarioError(f"scenario 'docs' needs 'now' after {newest['created_at']}")
    generated = scenario.size - len(DOCS_EXAMPLE_ITEMS) - 1
    start = _DOCS_HISTORY_END - scenario.span_days * 86400
    for attempt in range(_DOCS_MAX_ATTEMPTS):
        rng = np.random.Generator(np.random.PCG64(derive_seed(seed, "docs", attempt)))
        times, variants, amounts = _draw_history(
            rng, size=generated, start=start, end=_DOCS_HISTORY_END, plan=scenario.plan, ties=False
        )
        _keep_balance_non_negative(variants, amounts)
        gap = _DOCS_BALANCE_BEFORE_EXAMPLE - int(amounts.sum())
        if 0 < gap <= 500:
            break
    else:  # pragma: no cover - a fixed search space that is known to succeed
        raise ScenarioError("scenario 'docs': no sub-seed reached the docs balance")
    refund_time = _DOCS_HISTORY_END + int(rng.integers(0, 4 * 86400))
    times = np.concatenate([times, [refund_time], pinned_times]).astype(np.int64)
    variants = np.concatenate(
        [variants, [Variant.REFUND, Variant.ADMIN_CREDIT, Variant.TOPUP_CARD]]
    ).astype(np.uint8)
    amounts = np.concatenate([amounts, [gap, 500, 5000]]).astype(np.int64)
    positions = (len(times) - 2, len(times) - 1)
    pinned_ids = {
        pos: int(str(item["id"]))
        for pos, item in zip(positions, reversed(DOCS_EXAMPLE_ITEMS), strict=True)
    }
    pinned = {
        pos: PinnedDetail(source=dict(item["source"]), note=item["note"])  # type: ignore[call-overload,arg-type]
        for pos, item in zip(positions, reversed(DOCS_EXAMPLE_ITEMS), strict=True)
    }
    return times, variants, amounts, pinned_ids, pinned


def _assign_ids(
    created: Array, shard: int, stride: int, reserved: frozenset[int], pinned: dict[int, int]
) -> Array:
    """Strictly increasing global ids; pinned positions keep theirs, others avoid reserved ones."""
    n = len(created)
    ticks = (created.astype(np.int64) - ID_EPOCH) // ID_TICK_SECONDS
    sequence = np.maximum(ticks, 0) + np.arange(1, n + 1, dtype=np.int64)
    ids = sequence * stride + shard
    free = np.ones(n, dtype=bool)
    for position, fixed in pinned.items():
        ids[position] = fixed
        free[position] = False
    blocked = np.array(sorted(reserved - set(pinned.values())), dtype=np.int64)
    while len(blocked):
        hits = np.flatnonzero(np.isin(ids, blocked) & free)
        if not len(hits):
            break
        ids[hits[0] :][free[hits[0] :]] += stride
    if n > 1 and not bool(np.all(np.diff(ids) > 0)):
        raise ScenarioError("generated ids are not strictly increasing (pinned ids too small)")
    return ids
