"""Page drift: offset pagination breaks while entries post; ``until`` pinning fixes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from ledger_fixtures import LedgerMock, LedgerServer

from mockserver.testing.drift import Drift, DriftError


def naive_export(base_url: str, key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = requests.get(
            f"{base_url}/me/billing/transactions",
            params={"page": page, "page_size": 50},
            headers={"Authorization": f"Bearer {key}"},
            timeout=5,
        ).json()
        rows.extend(body["items"])
        if page * body["page_size"] >= body["total"]:
            return rows
        page += 1


def pinned_export(base_url: str, key: str) -> list[dict[str, Any]]:
    url, headers = f"{base_url}/me/billing/transactions", {"Authorization": f"Bearer {key}"}
    newest = requests.get(url, params={"page_size": 1}, headers=headers, timeout=5).json()["items"]
    if not newest:
        return []
    moment = datetime.fromisoformat(newest[0]["created_at"].replace("Z", "+00:00"))
    until = (moment + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        params: dict[str, str | int] = {"page": page, "page_size": 50, "until": until}
        body = requests.get(url, params=params, headers=headers, timeout=5).json()
        rows.extend(body["items"])
        if page * body["page_size"] >= body["total"]:
            return rows
        page += 1


def test_naive_client_sees_duplicates(ledger_server: LedgerServer) -> None:
    ledger_server.start_drift(hold_back=10)
    rows = naive_export(ledger_server.base_url, ledger_server.api_key)
    ids = [row["id"] for row in rows]
    assert len(ids) != len(set(ids))  # an entry came back on the next page
    assert len(ledger_server.journal.listing_requests()) == 8


def test_pinned_client_sees_every_entry_once(ledger_server: LedgerServer) -> None:
    ledger_server.start_drift(hold_back=10)
    rows = pinned_export(ledger_server.base_url, ledger_server.api_key)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 350
    assert rows == ledger_server.ledger().entries[10:]  # the snapshot as of the first request


def test_drift_is_deterministic(ledger_mock: LedgerMock, ledger_client: Any) -> None:
    def run() -> list[int]:
        ledger_mock.reset()
        ledger_mock.start_drift(hold_back=4, per_request=2)
        return [
            ledger_client.get(ledger_mock.url(), headers=ledger_mock.headers).json["total"]
            for _ in range(4)
        ]

    assert run() == run() == [356, 358, 360, 360]


@pytest.mark.ledger(account="ties")
def test_drift_never_splits_a_second(ledger_mock: LedgerMock, ledger_client: Any) -> None:
    ledger_mock.start_drift(hold_back=30)
    seen: set[str] = set()
    for _ in range(35):
        items = ledger_client.get(
            ledger_mock.url() + "?page_size=200", headers=ledger_mock.headers
        ).json["items"]
        newest = items[0]["created_at"]
        seen_before = {i["id"] for i in items if i["created_at"] == newest}
        full = [e["id"] for e in ledger_mock.ledger().entries if e["created_at"] == newest]
        assert sorted(seen_before) == sorted(full)
        seen.add(newest)
    assert len(seen) > 1


def test_drift_options_fail_fast() -> None:
    with pytest.raises(DriftError):
        Drift().start(hold_back=0)
    with pytest.raises(DriftError):
        Drift().start(hold_back=3, per_request=0)
