"""The control API refuses what it cannot apply (400, ``param`` named) and routes like the contract.

Every bad body used to be stored (201) and then break every later request with a
500 (``time.sleep("5")``, orjson refusing a 90-bit integer); each must now be a
``400 invalid_request_error`` naming the setting, and the mock must keep serving.
So must every malformed body (bad JSON or UTF-8, nesting deep enough to recurse
out, ``NaN``, a repeated key, a list of lists where names go), never a ``500``.
Sizes are capped (a body: ``413``; ``nth``: ``400``; active faults: ``409``), and
control requests answer at once while a latency fault waits, slept or deferred
to the server (``DEFER_LATENCY_KEY``), which the journal reports either way.
"""

from __future__ import annotations

import io
import itertools
import json
import socket
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock, LedgerServer

from mockserver import LedgerMockError, MockConfig, create_app
from mockserver.core.config import key_table
from mockserver.testing.control import MAX_BODY_BYTES
from mockserver.testing.drift import DriftError
from mockserver.testing.faults import (
    DEFER_LATENCY_KEY,
    LATENCY_ENVIRON_KEY,
    MAX_FAULTS,
    MAX_NTH,
    FaultError,
    FaultLimitError,
    FaultMiddleware,
    Faults,
)

pytestmark = pytest.mark.ledger(control=True)

BIG = 99999999999999999999999999  # wider than 64 bits


def _error(response: Any) -> dict[str, Any]:
    assert response.content_type.startswith("application/json"), response.data[:80]
    body = response.json
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message", "param"}
    return dict(body["error"])


def _still_serving(client: FlaskClient, mock: LedgerMock) -> None:
    assert client.get(mock.url(), headers=mock.headers).status_code == 200
    for path in ("/__mock/faults", "/__mock/drift", "/__mock/journal"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"kind": "latency", "delay": "5"}, "delay"),
        ({"kind": "latency", "delay": "abc"}, "delay"),
        ({"kind": "latency", "delay": True}, "delay"),
        ({"kind": "latency", "delay": 1e400}, "delay"),
        ({"kind": "rate_limit", "fraction": "0.5"}, "fraction"),
        ({"kind": "rate_limit", "fraction": False}, "fraction"),
        ({"kind": "rate_limit", "nth": [BIG]}, "nth"),
        ({"kind": "rate_limit", "nth": ["1"]}, "nth"),
        ({"kind": "rate_limit", "nth": "1"}, "nth"),
        ({"kind": "rate_limit", "seed": 10**35}, "seed"),
        ({"kind": "rate_limit", "seed": -1}, "seed"),
        ({"kind": "rate_limit", "seed": "7"}, "seed"),
        ({"kind": "rate_limit", "retry_after": BIG}, "retry_after"),
        ({"kind": "rate_limit", "retry_after": 1.5}, "retry_after"),
        ({"kind": ["rate_limit"]}, "kind"),
        ({"kind": "drop", "colour": "red"}, "colour"),
        ({"nth": 1}, "kind"),
    ],
)
def test_bad_faults_are_400_naming_the_setting(
    ledger_client: FlaskClient, ledger_mock: LedgerMock, body: dict[str, Any], param: str
) -> None:
    response = ledger_client.post("/__mock/faults", json=body)
    assert response.status_code == 400
    error = _error(response)
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert ledger_mock.faults.active == ()
    _still_serving(ledger_client, ledger_mock)


def test_a_body_that_is_not_an_object_is_400(ledger_client: FlaskClient) -> None:
    for path in ("/__mock/faults", "/__mock/drift"):
        response = ledger_client.post(path, data="[1]", content_type="application/json")
        assert response.status_code == 400
        assert _error(response)["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"hold_back": 10**26}, "hold_back"),
        ({"hold_back": 5, "per_request": 10**26}, "per_request"),
        ({"hold_back": "5"}, "hold_back"),
        ({}, "hold_back"),
        ({"hold_back": 5, "accounts": ["default", "nobody"]}, "accounts"),
        ({"hold_back": 5, "accounts": "default"}, "accounts"),
        ({"hold_back": 5, "accounts": [1]}, "accounts"),
        ({"hold_back": 5, "speed": 2}, "speed"),
    ],
)
def test_bad_drift_is_400_and_drift_stays_off(
    ledger_client: FlaskClient, ledger_mock: LedgerMock, body: dict[str, Any], param: str
) -> None:
    response = ledger_client.post("/__mock/drift", json=body)
    assert response.status_code == 400
    assert _error(response)["param"] == param
    assert ledger_client.get("/__mock/drift").json == {"active": False}
    _still_serving(ledger_client, ledger_mock)


def test_drift_limited_to_known_accounts(ledger_client: FlaskClient) -> None:
    response = ledger_client.post("/__mock/drift", json={"hold_back": 2, "accounts": ["docs"]})
    assert response.status_code == 201 and response.get_json()["accounts"] == ["docs"]


def test_python_api_fails_fast_with_the_module_errors(ledger_mock: LedgerMock) -> None:
    as_string: dict[str, Any] = {"delay": "0.1"}
    with pytest.raises(FaultError) as fault:
        ledger_mock.inject("latency", **as_string)
    assert fault.value.param == "delay"
    with pytest.raises(FaultError):
        ledger_mock.inject("rate_limit", nth=[2**63])
    digits: Any = "12"
    with pytest.raises(FaultError):
        ledger_mock.inject("rate_limit", nth=digits)
    with pytest.raises(DriftError) as drift:
        ledger_mock.start_drift(hold_back=2, accounts=["nobody"])
    assert drift.value.param == "accounts" and not ledger_mock.drift.active
    with pytest.raises(DriftError):
        ledger_mock.start_drift(hold_back=2**63)
    assert issubclass(DriftError, LedgerMockError) and not issubclass(DriftError, FaultError)
    assert issubclass(FaultError, LedgerMockError)


def _allow(response: Any) -> str:
    return ", ".join(sorted(response.headers["Allow"].split(", ")))


CONTROL_ROUTES = {
    "/__mock/journal": "DELETE, GET, HEAD",
    "/__mock/faults": "DELETE, GET, HEAD, POST",
    "/__mock/drift": "DELETE, GET, HEAD, POST",
    "/__mock/reset": "POST",
    "/__mock/keys": "GET, HEAD",
}


@pytest.mark.parametrize("path", sorted(CONTROL_ROUTES))
def test_options_on_control_routes_is_a_json_405(ledger_client: FlaskClient, path: str) -> None:
    response = ledger_client.options(path)
    assert response.status_code == 405
    assert _error(response)["type"] == "invalid_request_error"
    assert _allow(response) == CONTROL_ROUTES[path]


def test_405_allow_is_the_routes_own(ledger_client: FlaskClient, ledger_mock: LedgerMock) -> None:
    response = ledger_client.get("/__mock/reset")
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert "GET" not in _error(response)["message"]
    response = ledger_client.put("/__mock/faults")
    assert _allow(response) == "DELETE, GET, HEAD, POST"
    listing = ledger_client.post(ledger_mock.url())
    assert (listing.status_code, listing.headers["Allow"]) == (405, "GET, HEAD")
    assert _error(listing)["message"] == "method not allowed: use GET or HEAD"


def test_keys_route_and_cli_share_one_table(ledger_client: FlaskClient) -> None:
    from mockserver import builtin_config

    rows = ledger_client.get("/__mock/keys").get_json()["keys"]
    assert rows == [row._asdict() for row in key_table(builtin_config())]
    assert {"key": "bsk_test_revoked", "account": "revoked", "scenario": "realistic"}.items() <= (
        rows[-1].items()
    )
    assert rows[-1]["status"] == "revoked"


def test_a_mock_without_keys_says_so() -> None:
    mock = LedgerMock(MockConfig(accounts=()))
    with pytest.raises(LookupError, match="no API keys"):
        mock.api_key  # noqa: B018 - the property is what fails
    assert "key=None" in repr(mock)


def test_journal_is_bounded_and_counts_what_it_dropped() -> None:
    from mockserver.testing.journal import Journal

    journal = Journal(max_entries=3)
    app = create_app(journal=journal, control=True)
    client = app.test_client()
    for page in range(1, 6):
        client.get(f"/api/v1/me/billing/transactions?page={page}")
    assert (len(journal), journal.dropped) == (3, 2)
    assert [e.index for e in journal] == [2, 3, 4] and [e.page for e in journal] == [3, 4, 5]
    assert "2 earlier requests dropped" in journal.describe()
    body = client.get("/__mock/journal").get_json()
    assert body["dropped"] == 2 and [r["index"] for r in body["requests"]] == [2, 3, 4]
    client.delete("/__mock/journal")
    assert client.get("/__mock/journal").json == {"requests": [], "dropped": 0}
    with pytest.raises(ValueError):
        Journal(max_entries=0)
    assert Journal().max_entries == 100_000


# -- malformed bodies: always a 400 envelope, never a 500 --------------------------------

DEEP = b"[" * 32_000 + b"]" * 32_000  # within the size cap; recursed into, it used to be a 500


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (DEEP, None),
        (b'{"kind": ' + DEEP + b"}", None),
        (b'{"kind": "drop", "nth": ' + b"[" * 20 + b"1" + b"]" * 20 + b"}", "nth"),
        (b'{"kind": "drop", "nth": [[1]]}', "nth"),
        (b'{"kind": "\xff"}', None),
        (b"\xef\xbb\xbf" + b'{"kind": "drop"}', None),
        (b"", None),
        (b"{", None),
        (b'{"kind": "drop"} {}', None),
        (b"[1]", None),
        (b"null", None),
        (b'"drop"', None),
        (b'{"kind": "latency", "delay": NaN}', "delay"),
        (b'{"kind": "latency", "delay": -Infinity}', "delay"),
        (b'{"kind": "drop", "nth": [Infinity]}', "nth"),
        (b'{"kind": "drop", "fraction": NaN}', "fraction"),
        (b'{"kind": "drop", "kind": "latency"}', "kind"),
        (b'{"kind": "\\ud800"}', "kind"),
        (b'{"\\udfff": 1}', None),
        (b'{"kind": "drop", "nth": [1, {"a": 1}]}', "nth"),
        (b'{"kind": {"rate_limit": true}}', "kind"),
        (b'{"kind": "drop", "' + b"x" * 60_000 + b'": 1}', "x" * 60_000),
        (b'{"' + b"y" * 60_000 + b'": ' + b"[" * 9 + b"]" * 9 + b"}", "y" * 60_000),
    ],
    ids=lambda value: None if isinstance(value, bytes) else str(value)[:8],
)
def test_malformed_fault_bodies_are_400(
    ledger_client: FlaskClient, ledger_mock: LedgerMock, body: bytes, param: str | None
) -> None:
    response = ledger_client.post("/__mock/faults", data=body, content_type="application/json")
    assert response.status_code == 400, response.data[:200]
    error = _error(response)
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert len(error["message"]) < 200  # a client's 60 KB name is not echoed back whole
    assert ledger_mock.faults.active == ()
    _still_serving(ledger_client, ledger_mock)


@pytest.mark.parametrize(
    "accounts",
    [[[1]], [{"a": 1}], [None], ["default", ["docs"]], [1.5]],
    ids=["list", "object", "null", "mixed", "float"],
)
def test_drift_accounts_of_the_wrong_type_are_400(
    ledger_client: FlaskClient, ledger_mock: LedgerMock, accounts: list[Any]
) -> None:
    response = ledger_client.post("/__mock/drift", json={"hold_back": 5, "accounts": accounts})
    assert response.status_code == 400
    assert _error(response)["param"] == "accounts"
    assert not ledger_mock.drift.active
    _still_serving(ledger_client, ledger_mock)


def test_drift_body_errors_name_the_setting(ledger_client: FlaskClient) -> None:
    cases = {
        b'{"hold_back": NaN}': "hold_back",
        b'{"hold_back": 5, "per_request": Infinity}': "per_request",
        b'{"hold_back": 5, "hold_back": 6}': "hold_back",
        b'{"hold_back": 5, "accounts": ' + b"[" * 10 + b"]" * 10 + b"}": "accounts",
        b"[]": None,
        b"\x80": None,
    }
    for body, param in cases.items():
        response = ledger_client.post("/__mock/drift", data=body)
        assert (response.status_code, _error(response)["param"]) == (400, param), body
    assert ledger_client.get("/__mock/drift").json == {"active": False}


def test_drift_accounts_are_capped_to_the_configured_ones(
    ledger_client: FlaskClient, ledger_mock: LedgerMock
) -> None:
    names = [account.name for account in ledger_mock.config.accounts]
    response = ledger_client.post("/__mock/drift", json={"hold_back": 2, "accounts": names})
    assert response.status_code == 201 and response.json is not None
    assert response.json["accounts"] == sorted(names)
    ledger_client.delete("/__mock/drift")
    too_many = [*names, names[0]]  # each account once is all a list needs
    response = ledger_client.post("/__mock/drift", json={"hold_back": 2, "accounts": too_many})
    assert response.status_code == 400 and _error(response)["param"] == "accounts"
    assert f"at most {len(names)}" in _error(response)["message"]
    with pytest.raises(DriftError, match="at most"):
        ledger_mock.start_drift(hold_back=2, accounts=iter(lambda: "default", None))  # endless
    assert not ledger_mock.drift.active


# -- sizes ------------------------------------------------------------------------------


def _too_large(response: Any) -> None:
    assert response.status_code == 413, response.data[:200]
    error = _error(response)
    assert (error["type"], error["param"]) == ("invalid_request_error", None)
    assert str(MAX_BODY_BYTES) in error["message"]


def test_a_body_over_the_cap_is_413(ledger_client: FlaskClient, ledger_mock: LedgerMock) -> None:
    fits = b'{"kind": "drop"}'
    exactly = fits + b" " * (MAX_BODY_BYTES - len(fits))
    assert ledger_client.post("/__mock/faults", data=exactly).status_code == 201
    ledger_client.delete("/__mock/faults")
    for path in ("/__mock/faults", "/__mock/drift", "/__mock/reset", "/__mock/journal"):
        _too_large(ledger_client.post(path, data=exactly + b" "))
    _too_large(ledger_client.post("/__mock/faults", data=b"[" * 100_000 + b"]" * 100_000))
    assert ledger_mock.faults.active == ()
    _still_serving(ledger_client, ledger_mock)


class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    ledger_client: FlaskClient,
) -> None:
    for length in (MAX_BODY_BYTES + 1, 10**12):
        response = ledger_client.post(
            "/__mock/faults",
            environ_overrides={"wsgi.input": _Unreadable(), "CONTENT_LENGTH": str(length)},
        )
        _too_large(response)


def _chunked(body: bytes) -> dict[str, Any]:
    """A body of unknown length, as a server that dechunks it hands it over."""
    return {
        "input_stream": io.BytesIO(body),
        "headers": {"Transfer-Encoding": "chunked"},
        "environ_overrides": {"wsgi.input_terminated": True},
    }


class _Endless(io.RawIOBase):
    """An endless body of spaces that counts what was read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        buffer[:] = b" " * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def test_a_body_of_unknown_length_is_capped_while_reading(
    ledger_client: FlaskClient, ledger_mock: LedgerMock
) -> None:
    assert ledger_client.post("/__mock/faults", **_chunked(b'{"kind": "drop"}')).status_code == 201
    ledger_client.delete("/__mock/faults")
    _too_large(ledger_client.post("/__mock/faults", **_chunked(b" " * (MAX_BODY_BYTES + 1))))
    endless = _Endless()
    response = ledger_client.post(
        "/__mock/faults",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": endless, "wsgi.input_terminated": True},
    )
    _too_large(response)
    assert endless.read_bytes == MAX_BODY_BYTES + 1
    assert ledger_mock.faults.active == ()


def _raw_exchange(server: LedgerServer, data: bytes) -> tuple[int, bytes]:
    """Send raw bytes to the live server; (status, body) of its answer."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b"}}" in chunks[-1]:
                break
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_live_server_refuses_a_huge_declared_body_without_waiting_for_it(
    ledger_server: LedgerServer,
) -> None:
    request = (
        b"POST /__mock/faults HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000000000\r\n\r\n{"
    )
    started = time.monotonic()
    status, body = _raw_exchange(ledger_server, request)  # 1 GB announced, 1 byte sent
    assert status == 413 and time.monotonic() - started < 5
    assert json.loads(body)["error"]["param"] is None


def test_live_server_caps_a_chunked_body(ledger_server: LedgerServer) -> None:
    chunk = b" " * 8192
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
    request = b"POST /__mock/faults HTTP/1.1\r\nHost: mock\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, answer = _raw_exchange(ledger_server, request + body)
    assert status == 413 and json.loads(answer)["error"]["type"] == "invalid_request_error"
    assert ledger_server.faults.active == ()


def test_nth_is_capped(ledger_client: FlaskClient, ledger_mock: LedgerMock) -> None:
    most = list(range(1, MAX_NTH + 1))
    added = ledger_client.post("/__mock/faults", json={"kind": "drop", "nth": most})
    assert added.status_code == 201
    ledger_client.delete("/__mock/faults")
    response = ledger_client.post("/__mock/faults", json={"kind": "drop", "nth": [*most, 10**6]})
    assert response.status_code == 400 and _error(response)["param"] == "nth"
    assert str(MAX_NTH) in _error(response)["message"]
    _too_large(ledger_client.post("/__mock/faults", json={"kind": "drop", "nth": [1] * 10**6}))
    for nth in ([1] * 10**6, range(1, 10**6 + 1), itertools.count(1)):  # endless, too
        with pytest.raises(FaultError) as error:
            ledger_mock.inject("drop", nth=nth)
        assert error.value.param == "nth"
    assert ledger_mock.faults.active == ()


def test_active_faults_are_capped_with_a_409(
    ledger_client: FlaskClient, ledger_mock: LedgerMock
) -> None:
    for _ in range(MAX_FAULTS):
        assert (
            ledger_client.post("/__mock/faults", json={"kind": "drop", "nth": 10**9}).status_code
            == 201
        )
    response = ledger_client.post("/__mock/faults", json={"kind": "drop", "nth": 10**9})
    assert response.status_code == 409
    error = _error(response)
    assert (error["type"], error["param"]) == ("invalid_request_error", None)
    assert f"at most {MAX_FAULTS}" in error["message"]
    with pytest.raises(FaultLimitError):
        ledger_mock.inject("drop", nth=10**9)
    assert len(ledger_mock.faults.active) == MAX_FAULTS
    _still_serving(ledger_client, ledger_mock)
    assert ledger_client.delete("/__mock/faults").status_code == 200
    assert (
        ledger_client.post("/__mock/faults", json={"kind": "drop", "nth": 10**9}).status_code == 201
    )
    assert Faults(max_faults=1).max_faults == 1
    with pytest.raises(ValueError):
        Faults(max_faults=0)


def test_the_fault_listing_stays_small(ledger_client: FlaskClient, ledger_mock: LedgerMock) -> None:
    widest = range(2**63 - MAX_NTH, 2**63)  # the longest numbers, as many as allowed
    for seed in range(MAX_FAULTS):
        ledger_mock.inject("rate_limit", nth=widest, seed=seed, retry_after=2**31 - 1)
    listing = ledger_client.get("/__mock/faults")
    body = listing.get_json()
    assert listing.status_code == 200 and len(body["faults"]) == MAX_FAULTS
    assert len(listing.data) < 2_200_000


# -- control requests answer at once, whatever is in flight --------------------------------


def test_reset_and_listings_answer_while_a_latency_fault_waits(
    ledger_app: Flask, ledger_client: FlaskClient, ledger_mock: LedgerMock
) -> None:
    ledger_mock.inject("latency", delay=1.5, nth=1)
    statuses: list[int] = []

    def slow_request() -> None:
        statuses.append(
            ledger_app.test_client().get(ledger_mock.url(), headers=ledger_mock.headers).status_code
        )

    thread = threading.Thread(target=slow_request)
    started = time.monotonic()
    thread.start()
    while ledger_mock.faults.request_count == 0:  # the request is in, and waiting
        time.sleep(0.005)
    for method, path in [
        ("GET", "/__mock/faults"),
        ("GET", "/__mock/journal"),
        ("GET", "/__mock/drift"),
        ("GET", "/__mock/keys"),
        ("POST", "/__mock/reset"),
        ("GET", "/__mock/faults"),
    ]:
        before = time.monotonic()
        assert ledger_client.open(path, method=method).status_code == 200
        assert time.monotonic() - before < 0.5, path
    assert time.monotonic() - started < 1.0 and thread.is_alive()
    thread.join(timeout=10)
    assert statuses == [200]
    assert [entry.latency for entry in ledger_mock.journal] == [1.5]


# -- deferred latency (a server that waits out latency itself, off the app) ---------------


def _ok(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_deferred_latency_is_added_to_the_environ_not_slept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("mockserver.testing.faults.time.sleep", slept.append)
    faults = Faults()
    faults.inject("latency", delay=300)
    faults.inject("latency", delay=200.5, nth=1)
    middleware = FaultMiddleware(_ok, faults)
    environ: dict[str, Any] = {"PATH_INFO": "/x", DEFER_LATENCY_KEY: True}
    assert list(middleware(environ, lambda status, headers: None)) == [b"ok"]
    assert environ[LATENCY_ENVIRON_KEY] == 500.5 and slept == []
    environ = {"PATH_INFO": "/x", DEFER_LATENCY_KEY: True, LATENCY_ENVIRON_KEY: 1.0}
    middleware(environ, lambda status, headers: None)
    assert environ[LATENCY_ENVIRON_KEY] == 301.0 and slept == []  # added to what was there
    environ = {"PATH_INFO": "/x"}  # no key: slept here, as before, and still reported
    middleware(environ, lambda status, headers: None)
    assert slept == [300] and environ[LATENCY_ENVIRON_KEY] == 300.0
    faults.clear()
    environ = {"PATH_INFO": "/x", DEFER_LATENCY_KEY: True}
    middleware(environ, lambda status, headers: None)
    assert LATENCY_ENVIRON_KEY not in environ  # no latency fault, nothing to wait


def test_deferred_latency_reaches_the_journal_and_other_faults_still_apply(
    ledger_client: FlaskClient, ledger_mock: LedgerMock
) -> None:
    ledger_mock.inject("latency", delay=600)
    ledger_mock.inject("rate_limit", nth=2, retry_after=3)
    defer = {DEFER_LATENCY_KEY: True}
    started = time.monotonic()
    first = ledger_client.get(
        ledger_mock.url(), headers=ledger_mock.headers, environ_overrides=defer
    )
    second = ledger_client.get(
        ledger_mock.url(), headers=ledger_mock.headers, environ_overrides=defer
    )
    assert time.monotonic() - started < 5  # not 20 minutes
    assert (first.status_code, second.status_code, second.headers["Retry-After"]) == (200, 429, "3")
    assert [(e.status, e.fault, e.latency) for e in ledger_mock.journal] == [
        (200, None, 600.0),
        (429, "rate_limit", 600.0),
    ]
    assert "[latency: 600s]" in ledger_mock.journal.describe()
    listed = ledger_client.get("/__mock/journal").get_json()["requests"]
    assert [r["latency"] for r in listed] == [600.0, 600.0]


def test_slept_latency_is_journaled_too(
    ledger_client: FlaskClient, ledger_mock: LedgerMock
) -> None:
    ledger_mock.inject("latency", delay=0.05, nth=1)
    for _ in range(2):
        ledger_client.get(ledger_mock.url(), headers=ledger_mock.headers)
    assert [e.latency for e in ledger_mock.journal] == [0.05, 0.0]
