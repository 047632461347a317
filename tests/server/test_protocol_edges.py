"""Edges of the HTTP layer found by a hostile review, each pinned on a real ``serve``.

Every one of these was wrong once: a plain-text ``500`` for a non-breaking space
as the key, a body smuggled in as a request behind ``Upgrade``, a ``100
Continue`` held back until the answer, a body's line ends counted as a
blank-line flood, an HTTP/0.9 line with two spaces held 10 s, RTSP served as
HTTP, a pipelining client queueing requests without bound, and a shutdown past
its grace period answering in plain text.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.servers import running_mock

PAGE = b"GET /api/v1/me/billing/transactions?page_size=1 HTTP/1.1\r\nHost: x\r\n"
KEY = b"Authorization: Bearer bsk_test_docs\r\n"
STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")


@pytest.fixture(scope="module")
def plain() -> Iterator[tuple[str, int]]:
    with running_mock() as url:
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        yield parts.hostname, parts.port


@pytest.fixture(scope="module")
def control() -> Iterator[tuple[str, int]]:
    with running_mock("--enable-control") as url:
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        yield parts.hostname, parts.port


def _exchange(
    address: tuple[str, int], *parts: bytes, wait: float = 3.0, gap: float = 0.05
) -> bytes:
    """Send ``parts`` (with pauses between them) and read until the server closes."""
    with socket.create_connection(address, timeout=wait) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for part in parts:
            sock.sendall(part)
            time.sleep(gap)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def _statuses(received: bytes) -> list[int]:
    return [int(code) for code in STATUS.findall(received)]


@pytest.mark.parametrize("value", [b"\xa0", b"\x85", b"Bearer\xa0", b"\xa0\xa0"])
def test_unicode_whitespace_as_the_key_is_a_json_401(plain: tuple[str, int], value: bytes) -> None:
    received = _exchange(
        plain, PAGE + b"Authorization: " + value + b"\r\nConnection: close\r\n\r\n"
    )
    assert _statuses(received) == [401], received[:300]
    assert b"content-type: application/json" in received.lower()


def test_a_body_behind_upgrade_is_not_read_as_a_request(plain: tuple[str, int]) -> None:
    smuggled = PAGE + KEY + b"\r\n"
    head = (
        b"POST /api/v1/me/billing/transactions HTTP/1.1\r\nHost: x\r\n"
        b"Connection: Upgrade, close\r\nUpgrade: h2c\r\n"
        b"Content-Length: " + str(len(smuggled)).encode() + b"\r\n\r\n"
    )
    assert _statuses(_exchange(plain, head + smuggled)) == [405]


def test_an_upgrade_post_to_the_control_api_keeps_its_body(control: tuple[str, int]) -> None:
    """``curl --http2 -d`` on http:// sends ``Upgrade: h2c`` with its POST."""
    body = b'{"kind": "rate_limit", "nth": [999999]}'
    head = (
        b"POST /__mock/faults HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
    )
    received = _exchange(control, head, body[:10], body[10:])
    assert _statuses(received) == [201], received[-300:]
    _exchange(control, b"DELETE /__mock/faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def test_100_continue_is_sent_before_the_body_arrives(control: tuple[str, int]) -> None:
    with socket.create_connection(control, timeout=3) as sock:
        sock.sendall(
            b"POST /__mock/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        sock.sendall(b"{}")
        final = b""
        while chunk := sock.recv(65536):
            final += chunk
    assert _statuses(final) == [200], final


def test_line_ends_inside_a_body_are_not_a_blank_line_flood(control: tuple[str, int]) -> None:
    body = b'{"hold_back": 5,\r\n\r\n\r\n\r\n\r\n "per_request": 1}'
    head = (
        b"POST /__mock/drift HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    pieces = [head, body[:16], *[b"\r\n"] * 5, body[26:]]
    closing = b"DELETE /__mock/drift HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert _statuses(_exchange(control, *pieces, closing)) == [201, 200]


@pytest.mark.parametrize(
    "line",
    [
        b"GET  /api/v1/me/billing/transactions\r\n",
        b"GET /api/v1/me/billing/transactions RTSP/1.0\r\n" + KEY + b"\r\n",
    ],
    ids=["http09-two-spaces", "rtsp"],
)
def test_other_protocols_get_the_json_400_at_once(plain: tuple[str, int], line: bytes) -> None:
    started = time.perf_counter()
    received = _exchange(plain, line)
    assert time.perf_counter() - started < 2.0
    assert _statuses(received) == [400], received[:300]


def test_a_thousand_pipelined_requests_are_all_answered_in_order(plain: tuple[str, int]) -> None:
    """Parsed no further ahead than a bounded queue, yet nothing is dropped."""
    count = 1000
    requests = (PAGE + KEY + b"\r\n") * (count - 1) + PAGE + KEY + b"Connection: close\r\n\r\n"
    received = _exchange(plain, requests, wait=20)
    assert _statuses(received) == [200] * count


def test_a_shutdown_past_its_grace_answers_waiting_requests_in_json() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--enable-control"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    address = (parts.hostname, parts.port)
    fault = json.dumps({"kind": "latency", "delay": 60}).encode()
    _exchange(
        address,
        b"POST /__mock/faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
        + str(len(fault)).encode()
        + b"\r\n\r\n"
        + fault,
    )
    with socket.create_connection(address, timeout=15) as waiting:
        waiting.sendall(PAGE + KEY + b"\r\n")
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        received = b""
        while chunk := waiting.recv(65536):
            received += chunk
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err, err[-2000:]
    assert _statuses(received) == [503], received
    assert b"content-type: application/json" in received.lower()
