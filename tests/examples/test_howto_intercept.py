"""How to run unmodified client code (production URL hard-coded) against the mock."""

import requests
from ledger_fixtures import LedgerMock


def balance() -> float:
    """Client code as shipped: the production URL is hard-coded."""
    body = requests.get(
        "https://llm.bytespike.ai/api/v1/me/billing/transactions",
        params={"page_size": 1},
        headers={"Authorization": "Bearer bsk_test_default"},
        timeout=10,
    ).json()
    return body["items"][0]["balance_after_usd"]


def test_balance(ledger_intercept: LedgerMock) -> None:
    assert balance() == ledger_intercept.ledger().entries[0]["balance_after_usd"]
    assert len(ledger_intercept.journal) == 1  # served in process, no network
