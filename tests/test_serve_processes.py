"""Real ``ledger-mock serve`` processes: same configuration, same bytes, everywhere."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import requests

from mockserver import builtin_config
from tests.servers import running_mock

QUERIES = [
    "",
    "?page=2&page_size=7",
    "?page_size=200&kind=refund",
    "?since=2025-01-01&until=2026-01-01T00:00:00.5Z&page_size=13",
    "?page=3&page_size=50&kind=topup",
    "?page=99999",
    "?page=0",
]


def _fetch_all(base_url: str) -> dict[tuple[str, str], bytes]:
    keys = [k for a in builtin_config().accounts for k in (*a.keys, *a.revoked_keys)]
    bodies = {}
    with requests.Session() as session:
        for key in keys:
            for query in QUERIES:
                for _ in range(2):  # reach both workers when there are two
                    response = session.get(
                        f"{base_url}/me/billing/transactions{query}",
                        headers={"Authorization": f"Bearer {key}"},
                        timeout=60,
                    )
                    assert response.headers["Content-Type"] == "application/json"
                    assert response.status_code < 500
                    bodies.setdefault((key, query), response.content)
                    assert bodies[(key, query)] == response.content
    return bodies


def test_two_servers_one_with_two_workers_serve_identical_bytes() -> None:
    with running_mock(env={"PYTHONHASHSEED": "1"}) as first_url:
        first = _fetch_all(first_url)
    with running_mock("--workers", "2", env={"PYTHONHASHSEED": "2"}) as second_url:
        second = _fetch_all(second_url)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_first_line_is_the_base_url_then_the_key_table() -> None:
    with running_mock("--seed", "5") as url:
        parts = urlsplit(url)
        assert parts.path == "/api/v1" and parts.hostname == "127.0.0.1" and parts.port
        response = requests.get(f"{url}/me/billing/transactions", timeout=10)
        assert response.status_code == 401


def test_protocol_level_garbage_gets_the_json_envelope() -> None:
    with running_mock() as url:
        port = urlsplit(url).port
        assert port is not None
        for raw in (
            b"GET /api/v1/me/billing/transactions?page=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n",
            b"NONSENSE\r\n\r\n",
            b"GET / HTTP/1.1\r\nbad header line\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(raw)
                reply = b""
                while chunk := sock.recv(65536):
                    reply += chunk
            head, _, body = reply.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 400"), reply
            assert b"Content-Type: application/json" in head
            assert body.startswith(b'{"error":{"type":"invalid_request_error"')
        long_query = "x=" + "a" * 10_000
        response = requests.get(
            f"{url}/me/billing/transactions?{long_query}",
            headers={"Authorization": "Bearer bsk_test_empty"},
            timeout=10,
        )
        assert response.status_code == 200


def test_ctrl_c_stops_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("http://127.0.0.1:")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in err, err


def test_non_canonical_paths_are_404_over_real_http() -> None:
    with running_mock() as url:
        port = urlsplit(url).port
        assert port is not None
        for target in (
            "/api//v1/me/billing/transactions",
            "//api/v1/me/billing/transactions",
            "/api/v1/me%2Fbilling/transactions",
            "/api/v1/me/billing/transactions/",
        ):
            raw = (
                f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                "Authorization: Bearer bsk_test_default\r\n\r\n"
            ).encode()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(raw)
                reply = b""
                while chunk := sock.recv(65536):
                    reply += chunk
            head, _, body = reply.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 404"), (target, head)
            assert b"Content-Type: application/json" in head
            assert b'"not_found_error"' in body
