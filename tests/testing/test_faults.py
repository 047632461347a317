"""Every fault mode, seen from a plain ``requests`` client of the live mock."""

from __future__ import annotations

import time

import pytest
import requests
from ledger_fixtures import LedgerServer

from mockserver.testing.faults import Fault, FaultError, FaultKind, Faults


def _get(server: LedgerServer) -> requests.Response:
    return requests.get(server.url(), headers=server.headers, params={"page_size": 5}, timeout=5)


def test_no_fault_unless_asked(ledger_server: LedgerServer) -> None:
    assert [_get(ledger_server).status_code for _ in range(5)] == [200] * 5


@pytest.mark.parametrize(
    ("kind", "status", "error_type"),
    [
        ("rate_limit", 429, "rate_limit_error"),
        ("server_error", 500, "api_error"),
        ("unavailable", 503, "api_error"),
    ],
)
def test_error_faults_answer_with_the_envelope(
    ledger_server: LedgerServer, kind: FaultKind, status: int, error_type: str
) -> None:
    ledger_server.inject(kind, nth=2, retry_after=7)
    first, second, third = (_get(ledger_server) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (200, status, 200)
    assert second.headers["Content-Type"].startswith("application/json")
    error = second.json()["error"]
    assert error["type"] == error_type and error["param"] is None and error["message"]
    assert set(second.json()) == {"error"}
    if kind == "server_error":
        assert "Retry-After" not in second.headers
    else:
        assert second.headers["Retry-After"] == "7"
    assert [e.fault for e in ledger_server.journal] == [None, kind, None]


def test_dropped_connection(ledger_server: LedgerServer) -> None:
    ledger_server.inject("drop", nth=1)
    with pytest.raises(requests.ConnectionError):
        _get(ledger_server)
    assert _get(ledger_server).status_code == 200
    dropped = ledger_server.journal.entries[0]
    assert (dropped.status, dropped.fault) == (None, "drop")


def test_truncated_body(ledger_server: LedgerServer) -> None:
    ledger_server.inject("truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _get(ledger_server)
    raw = requests.get(ledger_server.url(), headers=ledger_server.headers, stream=True, timeout=5)
    declared = int(raw.headers["Content-Length"])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        raw.content  # noqa: B018 - reading is what fails
    assert declared > 0


def test_latency(ledger_server: LedgerServer) -> None:
    ledger_server.inject("latency", delay=0.3, nth=1)
    started = time.perf_counter()
    assert _get(ledger_server).status_code == 200
    assert time.perf_counter() - started >= 0.3
    with pytest.raises(requests.exceptions.ReadTimeout):
        ledger_server.inject("latency", delay=0.5, nth=1)
        requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=0.1)


def test_seeded_fraction_is_deterministic(ledger_server: LedgerServer) -> None:
    def run() -> list[int]:
        ledger_server.reset()
        ledger_server.inject("server_error", fraction=0.3, seed=11)
        return [_get(ledger_server).status_code for _ in range(40)]

    first = run()
    assert first == run()
    assert 3 <= first.count(500) <= 25
    other = Faults()
    other.inject("server_error", fraction=0.3, seed=12)
    assert [bool(other.next_request()) for _ in range(40)] != [s == 500 for s in first]


def test_faults_spare_nothing_else_after_reset(ledger_server: LedgerServer) -> None:
    ledger_server.inject("server_error")
    assert _get(ledger_server).status_code == 500
    ledger_server.reset()
    assert _get(ledger_server).status_code == 200


@pytest.mark.parametrize(
    "options",
    [
        {"kind": "teapot"},
        {"kind": "drop", "nth": (0,)},
        {"kind": "drop", "fraction": 1.5},
        {"kind": "drop", "nth": (1,), "fraction": 0.5},
        {"kind": "latency"},
        {"kind": "rate_limit", "retry_after": -1},
    ],
)
def test_bad_fault_specs_fail_fast(options: dict[str, object]) -> None:
    with pytest.raises(FaultError):
        Fault(**options)  # type: ignore[arg-type]
