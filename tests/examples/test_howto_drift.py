"""How to make pagination robust to entries posting meanwhile: pin ``until``."""

from datetime import datetime, timedelta

import requests
from ledger_fixtures import LedgerServer


def export_pinned(base_url: str, key: str, page_size: int = 50) -> list[dict]:
    """Pin ``until`` just past the newest entry seen first; later entries cannot shift pages."""
    url, headers = f"{base_url}/me/billing/transactions", {"Authorization": f"Bearer {key}"}
    first = requests.get(url, params={"page_size": 1}, headers=headers, timeout=10).json()
    if not first["items"]:
        return []
    newest = datetime.fromisoformat(first["items"][0]["created_at"].replace("Z", "+00:00"))
    until = (newest + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows, page = [], 1
    while True:
        params: dict[str, str | int] = {"page": page, "page_size": page_size, "until": until}
        body = requests.get(url, params=params, headers=headers, timeout=10).json()
        rows.extend(body["items"])
        if page * body["page_size"] >= body["total"]:
            return rows
        page += 1


def test_export_survives_drift(ledger_server: LedgerServer) -> None:
    ledger_server.start_drift(hold_back=5)  # one new entry posts with every page served

    rows = export_pinned(ledger_server.base_url, ledger_server.api_key)

    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 355  # no duplicates: the snapshot of the first request
