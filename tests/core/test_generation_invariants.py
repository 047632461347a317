"""CONTRACT.md §4 and §6 data invariants, over every scenario and many seeds."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import generate_ledger, get_scenario, render_entry
from mockserver.core.kinds import ADMIN_KINDS, CREDIT_KINDS, PLAN_PRICES_CENTS
from mockserver.core.ledger import Ledger
from mockserver.core.timestamps import parse_instant

NOW = int(parse_instant("2026-06-01T00:00:00Z"))
CREATED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)
EMAIL = re.compile(r"[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+", re.ASCII)


def _cents(value: Any) -> int:
    text = orjson.dumps(value).decode()
    decimal = Decimal(text)
    assert decimal == decimal.quantize(Decimal("0.01")), f"more than 2 decimals: {text}"
    return int(decimal * 100)


def _assert_source(entry: dict[str, Any]) -> None:
    source, kind = entry["source"], entry["kind"]
    if kind == "topup":
        assert set(source) == {"provider", "receipt_id", "method"}
        if source["provider"] == "stripe":
            assert source["receipt_id"].startswith("ch_")
            assert re.fullmatch(r"card_(visa|mastercard|amex)_[0-9]{4}", source["method"])
        else:
            assert source["provider"] == "wire"
            assert source["receipt_id"].startswith("wire_")
            assert source["method"] == "wire_transfer"
    elif kind == "refund":
        assert set(source) == {"request_id", "model"}
        assert source["request_id"].startswith("req_") and source["model"]
    elif kind in ADMIN_KINDS:
        assert set(source) == {"actor"} and EMAIL.fullmatch(source["actor"])
    else:
        assert set(source) == {"plan", "period_start", "period_end"}
        assert source["plan"] in PLAN_PRICES_CENTS
        start = dt.date.fromisoformat(source["period_start"])
        end = dt.date.fromisoformat(source["period_end"])
        assert start.isoformat() == entry["created_at"][:10]
        assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1
        assert end.day == start.day
        assert -_cents(entry["amount_usd"]) == PLAN_PRICES_CENTS[source["plan"]]


def assert_ledger_invariants(ledger: Ledger) -> list[dict[str, Any]]:
    """Every invariant of one whole history, oldest first; returns the entries."""
    entries = [render_entry(ledger, position) for position in range(len(ledger))]
    balance = 0
    previous: dict[str, Any] | None = None
    references: Counter[str] = Counter()
    for entry in entries:
        assert list(entry) == [
            "id",
            "created_at",
            "kind",
            "amount_usd",
            "balance_after_usd",
            "source",
            "note",
        ]
        assert isinstance(entry["id"], int) and entry["id"] >= 1
        assert CREATED_AT.fullmatch(entry["created_at"])
        amount = _cents(entry["amount_usd"])
        assert amount != 0
        assert (amount > 0) == (entry["kind"] in CREDIT_KINDS), entry
        balance += amount
        assert _cents(entry["balance_after_usd"]) == balance, "balance chain broken"
        assert balance >= 0
        if entry["kind"] in ADMIN_KINDS:
            assert isinstance(entry["note"], str) and entry["note"]
        else:
            assert entry["note"] is None
        _assert_source(entry)
        for field in ("receipt_id", "request_id"):
            if field in entry["source"]:
                references[entry["source"][field]] += 1
        if previous is not None:
            assert entry["id"] > previous["id"]
            assert entry["created_at"] >= previous["created_at"]
        previous = entry
    assert not [ref for ref, count in references.items() if count > 1], "duplicate references"
    return entries


@pytest.mark.parametrize("scenario", ["realistic", "docs", "empty", "ties"])
@pytest.mark.parametrize("seed", range(6))
def test_builtin_scenarios_hold_every_invariant(scenario: str, seed: int) -> None:
    ledger = generate_ledger(get_scenario(scenario), seed=seed, account="a", now=NOW, shard=5)
    entries = assert_ledger_invariants(ledger)
    assert len(entries) == get_scenario(scenario).size


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    size=st.integers(0, 400),
    ties=st.booleans(),
    plan=st.sampled_from(sorted(PLAN_PRICES_CENTS)),
    span_days=st.integers(1, 1500),
    shard=st.integers(0, 63),
)
def test_any_seed_and_shape_holds_every_invariant(
    seed: int, size: int, ties: bool, plan: str, span_days: int, shard: int
) -> None:
    base = get_scenario("ties" if ties else "realistic", size=size, plan=plan)
    scenario = type(base)(name=base.name, size=size, plan=plan, ties=ties, span_days=span_days)
    ledger = generate_ledger(scenario, seed=seed, account="a", now=NOW, shard=shard)
    assert len(assert_ledger_invariants(ledger)) == size
    assert all(int(i) % 64 == shard for i in ledger.ids)


def test_realistic_history_looks_like_a_wallet() -> None:
    ledger = generate_ledger(get_scenario("realistic"), seed=11, account="a", now=NOW)
    entries = assert_ledger_invariants(ledger)
    kinds = Counter(entry["kind"] for entry in entries)
    assert set(kinds) == {"topup", "refund", "admin_credit", "admin_debit", "subscription_renew"}
    assert kinds["admin_credit"] + kinds["admin_debit"] < len(entries) * 0.1, (
        "admin entries are rare"
    )
    renewals = [e for e in entries if e["kind"] == "subscription_renew"]
    assert len({e["created_at"][8:10] for e in renewals}) == 1, "renewals on a stable day"
    assert len({e["amount_usd"] for e in renewals}) == 1, "at a fixed plan price"
    assert 20 <= len(renewals) <= 25, "monthly over two years"
    assert all(_cents(e["amount_usd"]) % 500 == 0 for e in entries if e["kind"] == "topup")
    assert max(_cents(e["amount_usd"]) for e in entries if e["kind"] == "refund") <= 500
    assert any(e["source"].get("provider") == "wire" for e in entries)
    span = parse_instant(entries[-1]["created_at"]) - parse_instant(entries[0]["created_at"])
    assert span > 600 * 86400, "about two years"


def test_ties_scenario_shares_seconds_across_page_boundaries() -> None:
    ledger = generate_ledger(get_scenario("ties"), seed=3, account="a", now=NOW)
    counts = Counter(int(t) for t in ledger.created)
    assert max(counts.values()) >= 40
    assert sum(c for c in counts.values() if c > 1) > len(ledger) / 2


def test_same_inputs_same_ledger_different_seed_different_ledger() -> None:
    def digest(seed: int) -> bytes:
        ledger = generate_ledger(get_scenario("realistic"), seed=seed, account="a", now=NOW)
        return orjson.dumps([render_entry(ledger, p) for p in range(len(ledger))])

    assert digest(1) == digest(1)
    assert digest(1) != digest(2)


def test_million_entries_fit_in_64_bytes_each() -> None:
    ledger = generate_ledger(
        get_scenario("realistic", size=1_000_000), seed=1, account="a", now=NOW
    )
    assert len(ledger) == 1_000_000
    assert ledger.nbytes / len(ledger) <= 64
    assert int(ledger.balances.min()) >= 0
