"""``ledger-mock serve --server granian``: a real process, same bytes as gunicorn.

Skipped only where granian is not installed; the ``test`` extra installs it.
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

import pytest
import requests

from mockserver import serving
from mockserver.cli import main
from tests.servers import running_mock

KEYS = ("bsk_test_docs", "bsk_test_default", "bsk_test_revoked", "bsk_test_nope")
QUERIES = (
    "",
    "?page=1&page_size=50",
    "?page=2&page_size=7&kind=topup",
    "?since=2025-01-01&until=2026-01-01T00:00:00.5Z&page_size=13",
    "?page=0",
    "?page=99999",
)
SERVE = (sys.executable, "-m", "mockserver", "serve", "--port", "0")
LONG_QUERY = "?x=" + "a" * 10_000


def _answers(base_url: str) -> dict[tuple[str, str, str], tuple[int, str, bytes]]:
    answers: dict[tuple[str, str, str], tuple[int, str, bytes]] = {}
    with requests.Session() as session:
        for key in KEYS:
            for query in (*QUERIES, LONG_QUERY):
                for method in ("GET", "HEAD"):
                    for _ in range(2):  # reach both workers
                        response = session.request(
                            method,
                            f"{base_url}/me/billing/transactions{query}",
                            headers={"Authorization": f"Bearer {key}"},
                            timeout=30,
                        )
                        answer = (
                            response.status_code,
                            response.headers["Content-Type"],
                            response.content,
                        )
                        answers.setdefault((key, query, method), answer)
                        assert answers[(key, query, method)] == answer
        for path in ("/me/billing/transactions/", "/nope"):
            response = session.get(base_url + path, timeout=30)
            answers[("", path, "GET")] = (
                response.status_code,
                response.headers["Content-Type"],
                response.content,
            )
    return answers


def test_granian_serves_the_same_bytes_as_gunicorn() -> None:
    pytest.importorskip("granian")
    with running_mock("--workers", "2", "--server", "granian") as url:
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.port and parts.path == "/api/v1"
        fast = _answers(url)
    with running_mock("--workers", "2") as url:
        reference = _answers(url)
    assert fast.keys() == reference.keys()
    assert [k for k in fast if fast[k] != reference[k]] == []
    docs = fast[("bsk_test_docs", "?page=1&page_size=50", "GET")]
    assert docs[0] == 200 and b'"total":47' in docs[2]
    assert fast[("bsk_test_docs", LONG_QUERY, "GET")][0] == 200


def test_granian_port_zero_is_the_port_every_worker_accepts_on() -> None:
    pytest.importorskip("granian")
    with running_mock("--workers", "2", "--server", "granian") as url:
        port = urlsplit(url).port
        assert port is not None
        # Fresh connections are spread over the workers; all of them answer.
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"GET /api/v1/me/billing/transactions HTTP/1.1\r\nHost: x\r\n\r\n")
                assert sock.recv(65536).startswith(b"HTTP/1.1 401")


def test_granian_not_installed_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "server_available", lambda server: server == "gunicorn")
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", "0", "--server", "granian"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and out == ""
    assert err == (
        "ledger-mock: error: --server granian is not installed: "
        "pip install 'bytespike-ledger-mock[fast]'\n"
    )
