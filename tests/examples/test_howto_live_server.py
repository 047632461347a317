"""How to test a client against a live mock: ``ledger_server`` and its journal."""

import requests
from ledger_fixtures import LedgerServer


def fetch_all(base_url: str, key: str, page_size: int = 100) -> list[dict]:
    """The client under test: reads every entry of the ledger."""
    rows, page = [], 1
    while True:
        body = requests.get(
            f"{base_url}/me/billing/transactions",
            params={"page": page, "page_size": page_size},
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        ).json()
        rows.extend(body["items"])
        if page * body["page_size"] >= body["total"]:
            return rows
        page += 1


def test_fetch_all(ledger_server: LedgerServer) -> None:
    rows = fetch_all(ledger_server.base_url, ledger_server.api_key)

    assert rows == ledger_server.ledger().entries  # what the mock serves to this key
    ledger_server.journal.assert_paginated(total=360, page_size=100)  # pages 1..4, once each
    ledger_server.journal.assert_always_authenticated(ledger_server.api_key)
    ledger_server.journal.assert_max_page_size(200)
