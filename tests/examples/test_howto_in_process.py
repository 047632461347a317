"""How to use the mock without a socket: ``ledger_app`` and ``ledger_client``."""

import pytest
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock


def test_client(ledger_client: FlaskClient, ledger_mock: LedgerMock) -> None:
    response = ledger_client.get(
        "/api/v1/me/billing/transactions?kind=topup&page_size=5", headers=ledger_mock.headers
    )
    assert response.status_code == 200 and response.json is not None
    assert {item["kind"] for item in response.json["items"]} == {"topup"}
    assert ledger_mock.journal.entries[0].status == 200


@pytest.mark.ledger(scenario="docs")  # the key of the docs example account
def test_docs_account(ledger_client: FlaskClient, ledger_mock: LedgerMock) -> None:
    body = ledger_client.get("/api/v1/me/billing/transactions", headers=ledger_mock.headers).json
    assert body is not None and body["total"] == 47 and body["items"][0]["id"] == 901234
