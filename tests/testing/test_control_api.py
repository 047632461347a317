"""The ``/__mock/`` control API: off unless enabled, in the fixture and in ``ledger-mock serve``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from flask.testing import FlaskClient
from ledger_fixtures import LedgerServer


def _root(base_url: str) -> str:
    return base_url.removesuffix("/api/v1")


def test_disabled_by_default_is_an_ordinary_404(ledger_server: LedgerServer) -> None:
    for method, path in [
        ("GET", "/__mock/journal"),
        ("POST", "/__mock/faults"),
        ("POST", "/__mock/reset"),
    ]:
        response = requests.request(
            method, _root(ledger_server.base_url) + path, json={}, timeout=5
        )
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "not_found_error"
    assert [e.path for e in ledger_server.journal][:1] == [
        "/__mock/journal"
    ]  # journaled like any path


@pytest.mark.ledger(control=True)
def test_enabled_by_marker(ledger_server: LedgerServer) -> None:
    root = _root(ledger_server.base_url)
    assert (
        requests.post(
            root + "/__mock/faults",
            json={"kind": "rate_limit", "nth": 1, "retry_after": 2},
            timeout=5,
        ).status_code
        == 201
    )
    first = requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
    journal = requests.get(root + "/__mock/journal", timeout=5).json()["requests"]
    assert [(r["status"], r["fault"]) for r in journal] == [(429, "rate_limit")]
    assert journal[0]["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert ledger_server.api_key not in str(journal)
    assert requests.post(root + "/__mock/reset", timeout=5).json() == {"reset": True}
    assert requests.get(root + "/__mock/journal", timeout=5).json() == {
        "requests": [],
        "dropped": 0,
    }


@pytest.mark.ledger(control=True)
def test_bad_control_requests_get_the_envelope(ledger_client: FlaskClient) -> None:
    response = ledger_client.post("/__mock/faults", json={"kind": "teapot"})
    assert response.status_code == 400
    assert response.json is not None and response.json["error"]["type"] == "invalid_request_error"
    assert ledger_client.post("/__mock/drift", json={"hold_back": 0}).status_code == 400
    assert ledger_client.post("/__mock/drift", json={"hold_back": 3}).status_code == 201
    assert ledger_client.get("/__mock/drift").json == {
        "active": True,
        "hold_back": 3,
        "per_request": 1,
        "accounts": None,
        "served": 0,
    }


@pytest.fixture(scope="module")
def serve_process(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    """``ledger-mock serve --port 0 [--enable-control]``; yields (base URL, enabled)."""
    enabled: bool = request.param
    args = [sys.executable, "-m", "mockserver", "serve", "--port", "0"]
    args += ["--enable-control"] if enabled else []
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        yield base_url, enabled
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize("serve_process", [False, True], indirect=True, ids=["default", "enabled"])
def test_serve_control_flag(serve_process: tuple[str, bool]) -> None:
    base_url, enabled = serve_process
    root = _root(base_url)
    headers = {"Authorization": "Bearer bsk_test_default"}
    added = requests.post(
        root + "/__mock/faults", json={"kind": "unavailable", "nth": [1]}, timeout=10
    )
    listing = requests.get(base_url + "/me/billing/transactions", headers=headers, timeout=10)
    journal = requests.get(root + "/__mock/journal", timeout=10)
    if not enabled:
        assert added.status_code == journal.status_code == 404
        assert added.json()["error"]["type"] == "not_found_error"
        assert listing.status_code == 200
        return
    assert added.status_code == 201
    assert listing.status_code == 503 and listing.json()["error"]["type"] == "api_error"
    assert [r["status"] for r in journal.json()["requests"]] == [503]


def test_serve_refuses_control_with_several_workers() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--port",
            "0",
            "--enable-control",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--workers 1" in result.stderr
