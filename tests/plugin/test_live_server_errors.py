"""The live server answers everything in JSON, even protocol garbage and its own failures.

Raw sockets, because ``requests`` cannot send a broken request line. Also: a
``truncate`` fault on HEAD keeps the GET length, secrets never reach the journal.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock, LedgerServer

from mockserver.testing.faults import Fault


def _exchange(server: LedgerServer, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; (status, headers, body) of the answer (the server closes after it)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1."), raw[:200]
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def _envelope(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert headers["content-type"].startswith("application/json")
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert set(error) == {"type", "message", "param"} and error["message"]
    return dict(error)


@pytest.mark.parametrize(
    ("data", "status", "error_type"),
    [
        (b"\x00\x01\r\n\r\n", 400, "invalid_request_error"),
        (b"GET /x HTTP/2.0\r\n\r\n", 505, "api_error"),
        (b"GET /x HTTP/1.x\r\n\r\n", 400, "invalid_request_error"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "invalid_request_error"),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n", 431, "invalid_request_error"),
    ],
    ids=["garbage", "http2", "bad-version", "long-line", "long-header"],
)
def test_protocol_errors_are_json(
    ledger_server: LedgerServer, data: bytes, status: int, error_type: str
) -> None:
    code, headers, body = _exchange(ledger_server, data)
    assert code == status
    assert _envelope(headers, body)["type"] == error_type
    assert requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5).ok


def test_an_exception_in_a_middleware_is_a_json_500_and_journaled(
    ledger_server: LedgerServer,
) -> None:
    broken = Fault(kind="latency", delay=0.01)
    object.__setattr__(broken, "delay", "5")  # what unchecked JSON used to store
    ledger_server.faults.add(broken)
    response = requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["type"] == "api_error"
    assert [(e.path, e.status) for e in ledger_server.journal] == [
        (
            "/api/v1/me/billing/transactions",
            500,
        )
    ]


def test_an_exception_in_a_middleware_in_process(
    ledger_mock: LedgerMock, ledger_client: FlaskClient
) -> None:
    broken = Fault(kind="latency", delay=0.01)
    object.__setattr__(broken, "delay", "5")
    ledger_mock.faults.add(broken)
    response = ledger_client.get(ledger_mock.url(), headers=ledger_mock.headers)
    assert response.status_code == 500 and response.json is not None
    assert response.json["error"]["type"] == "api_error"
    assert [e.status for e in ledger_mock.journal] == [500]


def test_truncate_on_head_keeps_the_get_length(ledger_server: LedgerServer) -> None:
    full = requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5)
    length = int(full.headers["Content-Length"])
    assert length == len(full.content) > 0
    ledger_server.inject("truncate")
    head = requests.head(ledger_server.url(), headers=ledger_server.headers, timeout=5)
    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) == length


def test_secrets_are_redacted_from_the_journal(ledger_server: LedgerServer) -> None:
    secrets = {
        "Proxy-Authorization": "Basic c2VjcmV0",
        "Cookie": "session=s3cr3t-cookie",
        "X-Api-Key": "s3cr3t-api-key",
        "X-Auth-Token": "s3cr3t-token",
        "X-Client-Secret": "s3cr3t-client",
        "My-Private-Key": "s3cr3t-private",
    }
    headers = {**ledger_server.headers, **secrets, "X-Trace": "visible"}
    assert requests.get(ledger_server.url(), headers=headers, timeout=5).ok
    (entry,) = ledger_server.journal.entries
    for name in secrets:
        assert entry.headers[name] == "[REDACTED]", name
    assert entry.headers["Authorization"] == "Bearer [REDACTED]"
    assert entry.headers["X-Trace"] == "visible"
    assert "s3cr3t" not in repr(entry) + json.dumps(entry.to_dict())


def test_a_drop_is_journaled_before_the_client_sees_it(
    ledger_server: LedgerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = ledger_server.journal.record

    def slow_record(environ: Any, status: int | None, fault: str | None) -> None:
        time.sleep(0.3)  # a busy journal must not let the client overtake it
        record(environ, status, fault)

    monkeypatch.setattr(ledger_server.journal, "record", slow_record)
    ledger_server.inject("drop", nth=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5)
    assert [(e.status, e.fault) for e in ledger_server.journal] == [(None, "drop")]
