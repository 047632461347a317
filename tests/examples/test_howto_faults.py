"""How to test retries: inject faults, deterministically."""

import time

import requests
from ledger_fixtures import LedgerServer


def get_with_retries(url: str, key: str, attempts: int = 4) -> dict:
    """The client under test: retries 429/5xx (honouring Retry-After) and dropped connections."""
    for attempt in range(attempts):
        try:
            response = requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=5)
        except requests.ConnectionError:
            continue
        if response.status_code == 429 or response.status_code >= 500:
            time.sleep(min(float(response.headers.get("Retry-After", 0)), 0.01) * attempt)
            continue
        return response.json()
    raise RuntimeError("gave up")


def test_retries(ledger_server: LedgerServer) -> None:
    ledger_server.inject("rate_limit", nth=1, retry_after=1)  # the 1st request from now
    ledger_server.inject("drop", nth=2)
    ledger_server.inject("unavailable", nth=3)

    body = get_with_retries(ledger_server.url(), ledger_server.api_key)

    assert body["total"] == 360
    assert [(e.status, e.fault) for e in ledger_server.journal] == [
        (429, "rate_limit"),
        (None, "drop"),
        (503, "unavailable"),
        (200, None),
    ]


def test_seeded_fraction(ledger_server: LedgerServer) -> None:
    ledger_server.inject("server_error", fraction=0.5, seed=1)  # same requests fail on every run
    statuses = [
        requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5).status_code
        for _ in range(6)
    ]
    assert statuses == [200, 200, 500, 500, 500, 200]
