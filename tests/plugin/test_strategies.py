"""The Hypothesis strategies draw what the contract allows (or, on purpose, rejects)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from ledger_fixtures.strategies import (
    entries,
    invalid_query_params,
    ledgers,
    query_params,
    timestamps,
)

from mockserver.core.timestamps import parse_instant
from mockserver.http.params import ParamError, parse_query

CREDITS = {"topup", "refund", "admin_credit"}
KEYS = {"id", "created_at", "kind", "amount_usd", "balance_after_usd", "source", "note"}


def _cents(value: float) -> int:
    exact = Decimal(repr(value))
    assert exact == exact.quantize(Decimal("0.01"))
    return int(exact * 100)


def _check_entry(entry: dict[str, Any]) -> None:
    assert set(entry) == KEYS
    amount = _cents(entry["amount_usd"])
    assert amount != 0 and (amount > 0) == (entry["kind"] in CREDITS)
    assert _cents(entry["balance_after_usd"]) >= 0
    assert (entry["note"] is not None) == entry["kind"].startswith("admin_")
    parse_instant(entry["created_at"])


@settings(max_examples=60, deadline=None)
@given(entries())
def test_entries(entry: dict[str, Any]) -> None:
    _check_entry(entry)
    if entry["kind"] in CREDITS:
        assert _cents(entry["balance_after_usd"]) >= _cents(entry["amount_usd"])


@settings(max_examples=40, deadline=None)
@given(ledgers(max_size=40, kinds=("topup", "subscription_renew", "admin_debit")))
def test_ledgers_are_internally_consistent(ledger: list[dict[str, Any]]) -> None:
    balance = 0
    previous: dict[str, Any] | None = None
    for entry in reversed(ledger):
        _check_entry(entry)
        balance += _cents(entry["amount_usd"])
        assert _cents(entry["balance_after_usd"]) == balance
        if previous is not None:
            assert entry["id"] > previous["id"] and entry["created_at"] >= previous["created_at"]
        previous = entry
    receipts = [e["source"].get("receipt_id") or e["source"].get("request_id") for e in ledger]
    unique = [r for r in receipts if r]
    assert len(unique) == len(set(unique))


@settings(max_examples=100, deadline=None)
@given(query_params())
def test_valid_params_are_accepted(params: dict[str, str]) -> None:
    parse_query(urlencode(params))


@settings(max_examples=80, deadline=None)
@given(invalid_query_params())
def test_invalid_params_are_rejected_naming_the_first_bad_one(
    case: tuple[dict[str, Any], str],
) -> None:
    params, param = case
    with pytest.raises(ParamError) as caught:
        parse_query(urlencode(params, doseq=True))
    if not any(isinstance(value, list) for value in params.values()):
        assert caught.value.param == param


def test_a_repeat_after_a_bad_value_names_the_bad_value() -> None:
    with pytest.raises(ParamError) as caught:
        parse_query("page=0&page_size=10&page_size=10")
    assert caught.value.param == "page"


@settings(max_examples=100, deadline=None)
@given(timestamps())
def test_timestamps_parse(text: str) -> None:
    parse_instant(text)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ledgers(min_size=5, max_size=2),
        lambda: ledgers(max_size=5000),
        lambda: ledgers(min_size=-1),
        lambda: ledgers(kinds=("admin_debit",)),
        lambda: ledgers(kinds="topup"),
        lambda: entries(kinds=("bonus",)),
        lambda: entries(now="yesterday"),
        lambda: query_params(max_page=0),
        lambda: query_params(min_page_size=10, max_page_size=5),
        lambda: timestamps(min_value="2026-01-01T00:00:00Z", max_value="2025-01-01T00:00:00Z"),
    ],
)
def test_bad_arguments_fail_fast(make: Any) -> None:
    with pytest.raises(InvalidArgument):
        make()


def test_strategies_compose() -> None:
    assert isinstance(st.tuples(ledgers(max_size=3), query_params()), st.SearchStrategy)


def test_tables_are_the_mocks_own() -> None:
    """Wire top-ups of $5000 and all eight refund models: what the mock itself generates."""
    from hypothesis import find

    from mockserver.core import kinds

    def topup(cents: int) -> Any:
        return find(entries(kinds=("topup",)), lambda e: round(e["amount_usd"] * 100) == cents)

    assert topup(max(kinds.WIRE_TOPUPS_CENTS))["source"]["provider"] == "wire"

    def refund_to(model: str) -> Any:
        return find(entries(kinds=("refund",)), lambda e: e["source"]["model"] == model)

    models = {refund_to(model)["source"]["model"] for model in kinds.MODELS}
    assert models == set(kinds.MODELS) and len(models) == 8


def test_strategies_import_without_the_server() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ledger_fixtures.strategies;"
        "print(sorted(m for m in ('flask', 'numpy', 'werkzeug', 'orjson') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
