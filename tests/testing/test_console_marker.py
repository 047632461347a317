"""``X-Ledger-Console``: with the control API, the page's own calls leave faults and drift alone.

A fault injected from the page is meant for the client under test: the page
reloading its table (or a browser retrying a dropped GET) must neither use it up
nor shift which request is the n-th, nor reveal drifting entries. Without the
control API (layers used in-process) the header changes nothing.
"""

from __future__ import annotations

from mockserver import create_app
from mockserver.testing.drift import Drift
from mockserver.testing.faults import Fault, Faults

ENDPOINT = "/api/v1/me/billing/transactions?page_size=3"
CLIENT = {"Authorization": "Bearer bsk_test_default"}
PAGE = {**CLIENT, "X-Ledger-Console": "1"}


def test_a_fault_injected_from_the_page_is_seen_by_the_next_client_request() -> None:
    client = create_app(control=True).test_client()
    injected = client.post("/__mock/faults", json={"kind": "server_error", "nth": [1]})
    assert injected.status_code == 201
    for _ in range(3):  # the page reloads its table: untouched, not counted
        page = client.get(ENDPOINT, headers=PAGE)
        assert page.status_code == 200
    assert client.get(ENDPOINT, headers=CLIENT).status_code == 500
    assert client.get(ENDPOINT, headers=CLIENT).status_code == 200
    journal = client.get("/__mock/journal").get_json()
    statuses = [entry["status"] for entry in journal["requests"]]
    assert statuses == [200, 200, 200, 500, 200]  # the page's calls are still journaled


def test_the_page_reads_drift_without_advancing_it() -> None:
    client = create_app(control=True).test_client()
    assert client.post("/__mock/drift", json={"hold_back": 5}).status_code == 201
    before = client.get(ENDPOINT, headers=PAGE).get_json()
    for _ in range(3):
        assert client.get(ENDPOINT, headers=PAGE).get_json() == before
    assert client.get("/__mock/drift").get_json()["served"] == 0
    first = client.get(ENDPOINT, headers=CLIENT).get_json()
    assert first == before  # what the page showed is what the client gets first
    assert client.get("/__mock/drift").get_json()["served"] == 1
    assert client.get(ENDPOINT, headers=CLIENT).get_json() != first


def test_the_page_answer_is_otherwise_the_same_bytes() -> None:
    client = create_app(control=True).test_client()
    assert client.get(ENDPOINT, headers=PAGE).data == client.get(ENDPOINT, headers=CLIENT).data


def test_without_the_control_api_the_header_changes_nothing() -> None:
    faults = Faults()
    faults.add(Fault(kind="server_error", nth=(1,)))
    drift = Drift()
    drift.start(hold_back=5)
    client = create_app(faults=faults, drift=drift).test_client()
    assert client.get(ENDPOINT, headers=PAGE).status_code == 500
    assert client.get(ENDPOINT, headers=PAGE).status_code == 200
    assert drift.served == 1
