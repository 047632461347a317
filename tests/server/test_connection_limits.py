"""The server's connection promises that the hostile catalogue does not pin by itself.

- Past ``--max-connections`` the connection idle the longest makes room, so a
  normal client is answered however many idle sockets are open; only when every
  connection has a request under way is a newcomer refused, with a JSON ``503``
  and ``Retry-After``.
- A request head that does not arrive within the head deadline gets a JSON
  ``408`` and the close.
- Generating a large ledger on its first use does not stall other clients.
"""

from __future__ import annotations

import json
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import requests

from mockserver.http.limits import HEAD_TIMEOUT
from tests.servers import running_mock

PATH = "/api/v1/me/billing/transactions"


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def _get(key: str, query: str = "page_size=1", *, close: bool = False) -> bytes:
    connection = "Connection: close\r\n" if close else ""
    return (
        f"GET {PATH}?{query} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n{connection}\r\n"
    ).encode()


def _read_answer(sock: socket.socket, *, timeout: float) -> bytes:
    """Bytes until the peer closes or a whole answer (by Content-Length) is in."""
    sock.settimeout(timeout)
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            if len(body) >= length:
                return data
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


@contextmanager
def _idle_sockets(host: str, port: int, count: int) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        held = []
        for _ in range(count):
            sock = stack.enter_context(socket.create_connection((host, port), timeout=5))
            held.append(sock)
            time.sleep(0.002)  # accepted in this order: the first is the longest idle
        yield held


def _closed_by_server(sock: socket.socket) -> bool:
    """Without waiting (the idle deadline would close them all if we dawdled)."""
    sock.setblocking(False)  # with a timeout set, recv would first wait for data
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except BlockingIOError:
        return False


def test_past_the_cap_the_longest_idle_connections_make_room() -> None:
    with running_mock("--max-connections", "20") as url:
        host, port = _address(url)
        with _idle_sockets(host, port, 60) as held:
            started = time.perf_counter()
            with socket.create_connection((host, port), timeout=5) as client:
                client.sendall(_get("bsk_test_docs", close=True))
                answer = _read_answer(client, timeout=5)
            elapsed = time.perf_counter() - started
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            assert elapsed < 1.0, elapsed
            time.sleep(0.2)  # the evictions' resets arrive
            closed = [_closed_by_server(sock) for sock in held]
    # 61 connections for 20 places: the 41 accepted first were closed, the newest kept.
    assert sum(closed) >= 41, closed
    assert not any(closed[-10:]), "".join(str(int(c)) for c in closed)


def test_when_every_connection_is_busy_a_newcomer_gets_a_json_503() -> None:
    with running_mock("--enable-control", "--max-connections", "4") as url:
        host, port = _address(url)
        control = f"http://{host}:{port}/__mock"
        with requests.post(f"{control}/faults", json={"kind": "latency", "delay": 3}, timeout=5):
            pass
        with ExitStack() as stack:
            busy = [stack.enter_context(socket.create_connection((host, port))) for _ in range(4)]
            for sock in busy:
                sock.sendall(_get("bsk_test_docs"))  # each waits 3 s for its answer
            time.sleep(0.3)
            with socket.create_connection((host, port), timeout=5) as newcomer:
                answer = _read_answer(newcomer, timeout=2)
            for sock in busy:  # the busy ones were not cut: they get their answers
                assert _read_answer(sock, timeout=6).startswith(b"HTTP/1.1 200")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503"), answer[:300]
    assert b"Retry-After: 1" in head and b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["type"] == "api_error"


def test_a_head_that_never_completes_gets_a_json_408() -> None:
    with running_mock() as url:
        host, port = _address(url)
        with socket.create_connection((host, port)) as sock:
            sock.sendall(b"GET /api/v1/me/billing/transactions HTTP/1.1\r\nHost: x\r\n")
            started = time.perf_counter()
            answer = _read_answer(sock, timeout=HEAD_TIMEOUT + 5)
            waited = time.perf_counter() - started
            assert sock.recv(1) == b""  # and closed
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:300]
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    assert HEAD_TIMEOUT - 0.5 <= waited <= HEAD_TIMEOUT + 4, waited


def test_first_use_of_a_huge_ledger_does_not_stall_other_clients() -> None:
    """Probes on another connection keep flowing while 10^6 entries are generated.

    Relative, so a slow machine does not decide it: the largest gap between two
    probe answers during the build must be well under the build's own latency
    (before the build moved off the event loop, it was the whole build).
    """
    with running_mock("--workers", "1") as url:
        host, port = _address(url)
        gaps: list[float] = []
        stop = threading.Event()

        def probe() -> None:
            with socket.create_connection((host, port), timeout=10) as sock:
                last = time.perf_counter()
                while not stop.is_set():
                    sock.sendall(_get("bsk_test_docs"))
                    assert _read_answer(sock, timeout=10).startswith(b"HTTP/1.1 200")
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now

        prober = threading.Thread(target=probe)
        prober.start()
        deadline = time.monotonic() + 10
        while len(gaps) < 20 and time.monotonic() < deadline:  # probes flowing first
            time.sleep(0.05)
        calm = list(gaps)
        assert calm, "no probe was answered before the first use"
        started = time.perf_counter()
        with socket.create_connection((host, port), timeout=30) as sock:
            sock.sendall(_get("bsk_test_huge", close=True))
            assert _read_answer(sock, timeout=30).startswith(b"HTTP/1.1 200")
        build = time.perf_counter() - started
        during = gaps[len(calm) :]
        stop.set()
        prober.join(timeout=15)
    assert during, "no probe was answered while the ledger was generated"
    # Before the build left the event loop, the largest gap was the whole build.
    assert max(during) < build / 2, (build, max(during), statistics.median(calm))
