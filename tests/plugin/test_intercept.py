"""Interception: production URLs are served in process; other URLs go out untouched."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import requests
from ledger_fixtures import Interceptor, LedgerMock, LedgerServer

from mockserver import create_app

URL = "https://llm.bytespike.ai/api/v1/me/billing/transactions"


def test_requests_and_sessions(ledger_intercept: LedgerMock) -> None:
    body = requests.get(
        URL, headers=ledger_intercept.headers, params={"page_size": 3}, timeout=5
    ).json()
    assert body == ledger_intercept.ledger().query(page_size=3)
    with requests.Session() as session:
        session.headers.update(ledger_intercept.headers)
        assert (
            session.get(URL, params={"kind": "topup", "page_size": "1"}).json()["items"][0]["kind"]
            == "topup"
        )
        assert session.head(URL).status_code == 200
        missing = session.get("https://llm.bytespike.ai/api/v1/me/usage")
        assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"
    assert requests.get(URL, timeout=5).status_code == 401
    assert len(ledger_intercept.journal) == 5


def test_httpx_sync_and_async(ledger_intercept: LedgerMock) -> None:
    with httpx.Client(headers=ledger_intercept.headers) as client:
        assert client.get(URL, params={"page_size": 2}).json()["total"] == 360

    async def fetch() -> int:
        async with httpx.AsyncClient(headers=ledger_intercept.headers) as client:
            return (await client.get(URL, params={"page": 400})).json()["total"]

    assert asyncio.run(fetch()) == 360


def test_faults_look_real(ledger_intercept: LedgerMock) -> None:
    ledger_intercept.inject("drop", nth=1)
    ledger_intercept.inject("truncate", nth=2)
    ledger_intercept.inject("rate_limit", nth=3, retry_after=4)
    with pytest.raises(requests.ConnectionError):
        requests.get(URL, headers=ledger_intercept.headers, timeout=5)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(URL, headers=ledger_intercept.headers, timeout=5)
    limited = requests.get(URL, headers=ledger_intercept.headers, timeout=5)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "4")
    ledger_intercept.inject("drop", nth=1)
    ledger_intercept.inject("truncate", nth=2)
    with httpx.Client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(URL, headers=ledger_intercept.headers)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(URL, headers=ledger_intercept.headers)


def test_other_urls_are_not_intercepted(
    ledger_intercept: LedgerMock, ledger_server: LedgerServer
) -> None:
    served = requests.get(ledger_server.url(), headers=ledger_server.headers, timeout=5)
    assert served.status_code == 200
    assert len(ledger_server.journal) == 1  # it went over the socket to the live server
    assert len(ledger_intercept.journal) == 0


def test_context_manager_undoes_the_patch() -> None:
    original = requests.adapters.HTTPAdapter.send
    interceptor = Interceptor(create_app())
    with interceptor.installed():
        assert requests.adapters.HTTPAdapter.send is not original
        assert requests.get(URL, timeout=5).status_code == 401
    assert requests.adapters.HTTPAdapter.send is original
    assert interceptor.matches("https://LLM.bytespike.ai:443/x")
    assert not interceptor.matches("https://llm.bytespike.ai.evil.example/x")
    assert not interceptor.matches("http://llm.bytespike.ai/x")
