"""``make_ledger`` models: deterministic, and exactly what the endpoint serves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock, LedgerModel, QueryError

from mockserver import create_app

MakeLedger = Callable[..., LedgerModel]


def test_deterministic(make_ledger: MakeLedger) -> None:
    assert make_ledger(seed=3, size=40).entries == make_ledger(seed=3, size=40).entries
    assert make_ledger(seed=3, size=40).entries != make_ledger(seed=4, size=40).entries


def test_model_matches_the_endpoint_when_served(make_ledger: MakeLedger) -> None:
    model = make_ledger(seed=9, scenario="ties", size=120)
    assert model.config is not None and model.api_key is not None
    client = create_app(model.config).test_client()
    for query in (
        "page=2&page_size=25",
        "kind=refund&page_size=7",
        "since=2026-05-01&until=2026-05-20",
        "page=99",
        "page=0",
        "kind=topup,refund",
    ):
        response = client.get(
            f"/api/v1/me/billing/transactions?{query}",
            headers={"Authorization": f"Bearer {model.api_key}"},
        )
        assert (response.status_code, response.json) == model.respond(query)


def test_account_models_match_the_server(
    make_ledger: MakeLedger, ledger_mock: LedgerMock, ledger_client: FlaskClient
) -> None:
    docs = make_ledger(account="docs")
    body = ledger_client.get(
        ledger_mock.url() + "?page_size=10",
        headers={"Authorization": f"Bearer {ledger_mock.keys['docs']}"},
    ).json
    assert body == docs.query(page_size=10) and docs.total == 47
    with pytest.raises(TypeError, match="seed"):
        make_ledger(account="docs", seed=1)


def test_query_semantics(make_ledger: MakeLedger) -> None:
    model = make_ledger(seed=1, size=100)
    pages = model.pages(page_size=30)
    assert [len(p["items"]) for p in pages] == [30, 30, 30, 10]
    assert [i for p in pages for i in p["items"]] == model.entries
    cut = model.entries[50]["created_at"]
    newer = model.select(since=cut)
    older = model.select(until=datetime.fromisoformat(cut.replace("Z", "+00:00")).astimezone(UTC))
    assert newer + older == model.entries
    assert model.query(since="2030-01-01")["items"] == []
    with pytest.raises(QueryError) as caught:
        model.query(page_size=201)
    assert caught.value.param == "page_size"


def test_kinds_keep_the_contract(make_ledger: MakeLedger) -> None:
    model = make_ledger(seed=2, size=300, kinds=("refund", "subscription_renew"))
    assert {e["kind"] for e in model.entries} == {"refund", "subscription_renew"}
    balance = 0
    for entry in reversed(model.entries):
        balance += round(entry["amount_usd"] * 100)
        assert round(entry["balance_after_usd"] * 100) == balance >= 0
    ids = [e["id"] for e in model.entries]
    assert ids == sorted(ids, reverse=True)
    with pytest.raises(ValueError, match="credit kind"):
        make_ledger(kinds=("admin_debit",))


def test_frozen_now(make_ledger: MakeLedger) -> None:
    model = make_ledger(seed=5, size=10, now="2025-01-01T00:00:00Z")
    assert max(e["created_at"] for e in model.entries) < "2025-01-01T00:00:00Z"


@pytest.mark.ledger(seed=77)
def test_marker_seed_is_the_default(make_ledger: MakeLedger) -> None:
    assert make_ledger(size=20).entries == make_ledger(seed=77, size=20).entries
