"""Real ``ledger-mock serve`` processes: same configuration, same bytes, everywhere.

Run on the one server (uvicorn workers under gunicorn), plain and with
``--enable-control`` (its own connection protocol and the fault-aware bridge).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
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
    bodies: dict[tuple[str, str], bytes] = {}
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


FLAVOURS = pytest.mark.parametrize(
    "flavour", [(), ("--enable-control",)], ids=["plain", "enable-control"]
)
SERVE = (sys.executable, "-m", "mockserver", "serve", "--port", "0")


def _exchange(port: int, raw: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Send ``raw`` on a new connection; the one reply: status line, headers, body."""
    [reply] = _replies(port, raw)
    return reply


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((), ("--workers", "2")),
        (("--enable-control",), ("--workers", "2")),
    ],
    ids=["one-and-two-workers", "enable-control-and-plain"],
)
def test_two_serve_processes_serve_identical_bytes(
    first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    """Different processes, worker counts, hash seeds and servers: the same bytes."""
    with running_mock(*first, env={"PYTHONHASHSEED": "1"}) as first_url:
        one = _fetch_all(first_url)
    with running_mock(*second, env={"PYTHONHASHSEED": "2"}) as second_url:
        other = _fetch_all(second_url)
    assert one.keys() == other.keys()
    assert [k for k in one if one[k] != other[k]] == []


def test_first_line_is_the_base_url_then_the_key_table() -> None:
    with running_mock("--seed", "5") as url:
        parts = urlsplit(url)
        assert parts.path == "/api/v1" and parts.hostname == "127.0.0.1" and parts.port
        response = requests.get(f"{url}/me/billing/transactions", timeout=10)
        assert response.status_code == 401


@FLAVOURS
def test_protocol_level_garbage_gets_the_json_envelope(flavour: tuple[str, ...]) -> None:
    with running_mock(*flavour) as url:
        port = urlsplit(url).port
        assert port is not None
        for raw in (
            b"GET /api/v1/me/billing/transactions?page=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n",
            b"NONSENSE\r\n\r\n",
            b"GET / HTTP/1.1\r\nbad header line\r\n\r\n",
            b"get /api/v1/me/billing/transactions HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /api/v1/me/billing/transactions HTTP/9.9\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # binary, then a line end
        ):
            status, headers, body = _exchange(port, raw)
            assert status.startswith(b"HTTP/1.1 400"), (raw, status)
            assert headers["content-type"] == "application/json", (raw, headers)
            assert int(headers["content-length"]) == len(body)
            assert body.startswith(b'{"error":{"type":"invalid_request_error"'), (raw, body)
        long_query = "x=" + "a" * 10_000
        response = requests.get(
            f"{url}/me/billing/transactions?{long_query}",
            headers={"Authorization": "Bearer bsk_test_empty"},
            timeout=10,
        )
        assert response.status_code == 200


# Each flavour with the most workers it may have: stops race the most processes.
STOPPABLE = pytest.mark.parametrize(
    "flavour",
    [("--workers", "2"), ("--enable-control",)],
    ids=["two-workers", "enable-control"],
)


def _spawn(*args: str) -> subprocess.Popen[str]:
    """``serve --port 0 ARGS`` in its own process group, just started."""
    return subprocess.Popen(
        [*SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """``serve --port 0 ARGS`` in its own process group; the process and its first line."""
    process = _spawn(*args)
    assert process.stdout is not None
    first_line = process.stdout.readline().strip()
    assert first_line.startswith("http://127.0.0.1:"), first_line
    return process, first_line


def _exited_cleanly(process: subprocess.Popen[str], *, timeout: float, what: str) -> str:
    """Wait for the stop; exit 0 and no traceback, else kill the group and fail. Its stderr."""
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"serve ignored {what}") from None
    assert process.returncode == 0 and "Traceback" not in err, err
    return err


@STOPPABLE
@pytest.mark.parametrize(
    ("sig", "whole_group"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGINT", "SIGTERM", "ctrl-c-to-the-process-group"],
)
def test_serve_stops_cleanly_and_reports_its_caches(
    flavour: tuple[str, ...], sig: signal.Signals, whole_group: bool
) -> None:
    process, url = _start(*flavour, "--cache-stats")
    response = requests.get(
        f"{url}/me/billing/transactions",
        headers={"Authorization": "Bearer bsk_test_docs"},
        timeout=30,
    )
    assert response.status_code == 200
    if whole_group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    err = _exited_cleanly(process, timeout=30, what=f"{sig.name} on serve {flavour}")
    workers = 2 if "--workers" in flavour else 1
    assert err.count("cache stats") == workers, err  # a line per worker: each exited cleanly


@STOPPABLE
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stopped_as_soon_as_it_prints_its_address_exits_0(
    flavour: tuple[str, ...], sig: signal.Signals
) -> None:
    """Workers still starting then: the stop must neither hang nor fail."""
    for _ in range(3):
        process, _ = _start(*flavour)
        os.killpg(process.pid, sig)
        _exited_cleanly(process, timeout=8, what=f"an early {sig.name} on serve {flavour}")


@FLAVOURS
def test_non_canonical_paths_are_404_over_real_http(flavour: tuple[str, ...]) -> None:
    with running_mock(*flavour) as url:
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
            status, headers, body = _exchange(port, raw)
            assert status.startswith(b"HTTP/1.1 404"), (target, status)
            assert headers["content-type"] == "application/json"
            assert b'"not_found_error"' in body


def _replies(port: int, raw: bytes) -> list[tuple[bytes, dict[str, str], bytes]]:
    """Send ``raw`` (several pipelined requests) and split every reply off the stream."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        stream = b""
        while chunk := sock.recv(65536):
            stream += chunk
    replies = []
    while stream:
        head, _, rest = stream.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        replies.append((status, headers, rest[:length]))
        stream = rest[length:]
    return replies


AUTHORIZED = "Host: x\r\nAuthorization: Bearer bsk_test_docs\r\n"
PAGE = f"GET /api/v1/me/billing/transactions?page_size=1 HTTP/1.1\r\n{AUTHORIZED}"


@FLAVOURS
def test_requests_before_garbage_in_the_same_packet_are_answered_first(
    flavour: tuple[str, ...],
) -> None:
    with running_mock(*flavour) as url:
        port = urlsplit(url).port
        assert port is not None
        replies = _replies(port, f"{PAGE}\r\n{PAGE}\r\n".encode() + b"NONSENSE\x00\r\n\r\n")
    assert [status.split(b" ")[1] for status, _, _ in replies] == [b"200", b"200", b"400"]
    assert all(headers["content-type"] == "application/json" for _, headers, _ in replies)
    assert replies[0][2] == replies[1][2] and b'"total":47' in replies[0][2]
    assert replies[2][2].startswith(b'{"error":{"type":"invalid_request_error"')


@FLAVOURS
def test_upgrade_requests_are_answered_as_plain_http_and_what_follows_too(
    flavour: tuple[str, ...],
) -> None:
    upgrade = f"{PAGE}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
    upgrade += "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"
    last = f"{PAGE}Connection: close\r\n\r\n"
    with running_mock(*flavour) as url:
        port = urlsplit(url).port
        assert port is not None
        replies = _replies(port, (upgrade + last).encode())
    assert [status.split(b" ")[1] for status, _, _ in replies] == [b"200", b"200"]
    assert replies[0][2] == replies[1][2]


@FLAVOURS
def test_a_fragment_in_the_target_is_judged_as_sent(flavour: tuple[str, ...]) -> None:
    with running_mock(*flavour) as url:
        port = urlsplit(url).port
        assert port is not None
        fragment = "GET /api/v1/me/billing/transactions#// HTTP/1.1\r\n"
        [(status, _, body)] = _replies(
            port, f"{fragment}{AUTHORIZED}Connection: close\r\n\r\n".encode()
        )
    assert status.split(b" ")[1] == b"404" and b'"not_found_error"' in body


STOP_ROUNDS = 8


def _stop_at_random_moments(flavour: tuple[str, ...], *, rounds: int, seed: int) -> None:
    """Stop ``serve`` at seeded random moments from boot to load; each stop is quiet.

    Moments start 0.1 s after the process does (before that the interpreter
    itself is starting and a signal has Python's default effect, as in any
    Python program) and reach past the first answers, with a client hammering
    the server from the moment it is up.
    """
    rng = random.Random(seed)
    for round_number in range(rounds):
        sig = rng.choice([signal.SIGTERM, signal.SIGINT])
        whole_group = rng.random() < 0.5
        moment = rng.uniform(0.1, 2.5)
        process = _spawn(*flavour)
        stop_load = threading.Event()
        loader = threading.Thread(target=_hammer, args=(process, stop_load), daemon=True)
        loader.start()
        time.sleep(moment)
        if whole_group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        what = f"{sig.name} {'to the group' if whole_group else ''} at {moment:.2f}s "
        what += f"(round {round_number}) on serve {flavour}"
        try:
            _exited_cleanly(process, timeout=20, what=what)
        finally:
            stop_load.set()
            loader.join(timeout=10)


def _hammer(process: subprocess.Popen[str], stop: threading.Event) -> None:
    """Once the first line names the address, requests until told to stop (errors expected)."""
    assert process.stdout is not None
    first_line = process.stdout.readline().strip()
    if not first_line.startswith("http://"):
        return
    with requests.Session() as session:
        while not stop.is_set():
            with contextlib.suppress(requests.RequestException):
                session.get(
                    f"{first_line}/me/billing/transactions?page_size=5",
                    headers={"Authorization": "Bearer bsk_test_default"},
                    timeout=2,
                )


@STOPPABLE
def test_stops_at_random_moments_exit_0_without_a_traceback(flavour: tuple[str, ...]) -> None:
    _stop_at_random_moments(flavour, rounds=STOP_ROUNDS, seed=20261130)


@pytest.mark.slow
@STOPPABLE
@pytest.mark.parametrize("seed", range(5))
def test_many_stops_at_random_moments(flavour: tuple[str, ...], seed: int) -> None:
    _stop_at_random_moments(flavour, rounds=20, seed=seed)


def _children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def test_a_killed_worker_is_replaced_and_the_server_keeps_serving() -> None:
    """SIGKILL of one worker (the OOM killer's way) ends that worker, not the server."""
    process, url = _start("--workers", "2")
    try:
        deadline = time.monotonic() + 15  # the address is printed before the workers fork
        while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            current = _children(process.pid)
            if len(current) == 2 and workers[0] not in current:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"the killed worker was not replaced: {_children(process.pid)}")
        for _ in range(20):  # both workers answer (connections are spread between them)
            response = requests.get(
                f"{url}/me/billing/transactions",
                headers={"Authorization": "Bearer bsk_test_docs", "Connection": "close"},
                timeout=10,
            )
            assert response.status_code == 200
        assert process.poll() is None
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    _exited_cleanly(process, timeout=30, what="SIGTERM after a worker was killed")
