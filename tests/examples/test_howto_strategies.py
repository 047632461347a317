"""How to property-test client code with the Hypothesis strategies."""

from hypothesis import given, settings
from ledger_fixtures.strategies import invalid_query_params, ledgers


def reconcile(entries: list[dict]) -> list[int]:
    """Code under test: ids whose balance does not follow from the previous one."""
    broken, balance = [], 0
    for entry in reversed(entries):  # oldest first
        balance = round(balance + entry["amount_usd"], 2)
        if balance != entry["balance_after_usd"]:
            broken.append(entry["id"])
            balance = entry["balance_after_usd"]
    return broken


@settings(max_examples=30, deadline=None)
@given(ledgers(max_size=30))
def test_consistent_ledgers_reconcile(entries: list[dict]) -> None:
    assert reconcile(entries) == []


@settings(max_examples=30, deadline=None)
@given(invalid_query_params())
def test_client_rejects_bad_queries(case: tuple[dict, str]) -> None:
    params, param = case  # the mock answers 400 naming `param`
    assert param in params
