"""``create_app(control_token=...)``: the ``/__mock/`` API answers only to its bearer.

Without the token every control request, on any path and method, is a ``401
authentication_error`` (before routing and before the size cap); with it the API
behaves as without a token. ``/api/v1/`` is unaffected and the token never
reaches the journal. Also ``is_loopback_host``, which the CLI uses to warn when
the control API listens beyond this machine.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock, LedgerServer

from mockserver import builtin_config, controls, create_app
from mockserver.testing.control import (
    CONTROL_TOKEN_LENGTH,
    MAX_BODY_BYTES,
    check_control_token,
    is_loopback_host,
)

TOKEN = "ctl_" + "A1b2-C3d4_E5f6.G7h8~"  # 24 characters of a b64token
LISTING = "/api/v1/me/billing/transactions"
API_KEY = {"Authorization": "Bearer bsk_test_default"}
CONTROL_ROUTES = [
    ("GET", "/__mock/journal"),
    ("DELETE", "/__mock/journal"),
    ("GET", "/__mock/faults"),
    ("POST", "/__mock/faults"),
    ("DELETE", "/__mock/faults"),
    ("GET", "/__mock/drift"),
    ("POST", "/__mock/drift"),
    ("DELETE", "/__mock/drift"),
    ("POST", "/__mock/reset"),
    ("GET", "/__mock/keys"),
    ("HEAD", "/__mock/keys"),
    ("OPTIONS", "/__mock/keys"),  # a 405 with the token; a 401 without
    ("GET", "/__mock/unknown"),  # a 404 with the token; a 401 without
    ("PUT", "/__mock/"),
]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(control=True, control_token=TOKEN)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    controls(app).reset()
    return app.test_client()


def _unauthorized(response: Any, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ledger-mock control"'
    assert response.content_type == "application/json"
    if response.request.method == "HEAD":
        assert response.data == b""
        return
    assert response.json == {
        "error": {"type": "authentication_error", "message": message, "param": None}
    }


MISSING = "missing control token: send 'Authorization: Bearer <control token>'"
MALFORMED = "malformed Authorization header: expected 'Bearer <control token>'"
WRONG = "wrong control token"


@pytest.mark.parametrize(("method", "path"), CONTROL_ROUTES)
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, MISSING),
        ({"Authorization": " "}, MISSING),
        ({"Authorization": TOKEN}, MALFORMED),
        ({"Authorization": f"Basic {TOKEN}"}, MALFORMED),
        ({"Authorization": f"Bearer {TOKEN} {TOKEN}"}, MALFORMED),
        (_bearer(TOKEN[:-1]), WRONG),
        (_bearer(TOKEN + "x"), WRONG),
        (_bearer(TOKEN.lower()), WRONG),
        (_bearer("bsk_test_default"), WRONG),  # an API key is no control token
    ],
    ids=["none", "blank", "no-scheme", "basic", "two", "short", "long", "case", "api-key"],
)
def test_without_the_token_every_control_request_is_401(
    client: FlaskClient, method: str, path: str, headers: dict[str, str], message: str
) -> None:
    response = client.open(path, method=method, headers=headers, json={"kind": "drop"})
    _unauthorized(response, message)


def test_nothing_changes_without_the_token(app: Flask, client: FlaskClient) -> None:
    layers = controls(app)
    assert layers.faults is not None and layers.drift is not None
    for method, path in CONTROL_ROUTES:
        client.open(path, method=method, json={"kind": "drop", "hold_back": 3})
    assert layers.faults.active == () and not layers.drift.active


def test_with_the_token_the_api_works(client: FlaskClient) -> None:
    auth = _bearer(TOKEN)
    added = client.post("/__mock/faults", json={"kind": "unavailable", "nth": 1}, headers=auth)
    assert added.status_code == 201
    assert client.get(LISTING, headers=API_KEY).status_code == 503
    journal = client.get("/__mock/journal", headers=auth)
    assert [r["status"] for r in journal.get_json()["requests"]] == [503]
    lowercase = {"Authorization": f"bearer   {TOKEN}"}  # the scheme in any case, as the API
    assert client.post("/__mock/drift", json={"hold_back": 2}, headers=lowercase).status_code == 201
    assert client.get("/__mock/keys", headers=auth).status_code == 200
    assert client.head("/__mock/keys", headers=auth).status_code == 200
    assert client.post("/__mock/reset", headers=auth).get_json() == {"reset": True}
    assert client.get("/__mock/unknown", headers=auth).status_code == 404
    assert client.options("/__mock/keys", headers=auth).status_code == 405
    bad = client.post("/__mock/faults", json={"kind": "teapot"}, headers=auth)
    assert (bad.status_code, bad.get_json()["error"]["param"]) == (400, "kind")


def test_the_token_is_checked_before_the_size(client: FlaskClient) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    _unauthorized(client.post("/__mock/faults", data=body), MISSING)
    assert client.post("/__mock/faults", data=body, headers=_bearer(TOKEN)).status_code == 413


def test_the_api_under_api_v1_is_unaffected(client: FlaskClient) -> None:
    assert client.get(LISTING, headers=API_KEY).status_code == 200
    response = client.get(LISTING)  # the API's own 401, with its own realm
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="bytespike"'
    assert response.get_json()["error"]["message"].startswith("missing API key")
    as_api_key = client.get(LISTING, headers=_bearer(TOKEN))
    assert as_api_key.status_code == 401
    assert as_api_key.get_json()["error"]["message"] == "unknown API key"


def test_the_token_never_reaches_the_journal(app: Flask, client: FlaskClient) -> None:
    auth = _bearer(TOKEN)
    client.get("/__mock/journal", headers=auth)
    client.get("/__mock/journal", headers={"Authorization": "Bearer wrong-token-0123456789"})
    client.post("/__mock/faults", json={"kind": "drop", "nth": 99}, headers=auth)
    journal = controls(app).journal
    assert journal is not None and len(journal) == 0  # control requests are not journaled
    client.get(LISTING, headers=auth)  # sent where it does not belong: redacted
    client.get("/__mock", headers=auth)  # not under the prefix: journaled, redacted
    assert [entry.status for entry in journal] == [401, 404]
    listed = client.get("/__mock/journal", headers=auth).get_json()
    everything = json.dumps(listed) + repr(journal.entries) + journal.describe()
    assert TOKEN not in everything
    assert {r["headers"]["Authorization"] for r in listed["requests"]} == {"Bearer [REDACTED]"}
    assert all(entry.sent_key(TOKEN) for entry in journal)  # a fingerprint, not the token
    assert TOKEN not in repr(app.wsgi_app) + repr(controls(app))


def test_the_comparison_is_constant_time(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest  # the module is patched, not a copy of the function

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return compare(a, b)

    monkeypatch.setattr("mockserver.testing.control.hmac.compare_digest", spy)
    assert client.get("/__mock/keys", headers=_bearer(TOKEN)).status_code == 200
    assert client.get("/__mock/keys", headers=_bearer("x" * 20)).status_code == 401
    assert compared == [(TOKEN.encode(), TOKEN.encode()), (b"x" * 20, TOKEN.encode())]


def test_no_token_leaves_the_api_open() -> None:
    client = create_app(control=True).test_client()
    assert client.get("/__mock/journal").status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "",
        "short",
        "x" * (CONTROL_TOKEN_LENGTH[0] - 1),
        "x" * (CONTROL_TOKEN_LENGTH[1] + 1),
        "has a space in it, 24 ch",
        "tab\tinside-the-token-xyz",
        "newline-at-the-end-0123\n",
        "unicode-é-token-0123456789",
        "quote\"and'apostrophe-0123",
        "==leading-padding-0123456",
        "comma,separated,0123456789",
    ],
)
def test_bad_tokens_are_refused_in_one_line(token: str) -> None:
    with pytest.raises(ValueError) as refused:
        create_app(control=True, control_token=token)
    message = str(refused.value)
    assert "\n" not in message and "control token" in message
    assert token.strip() not in message or len(token.strip()) < 3  # never echoed
    with pytest.raises(ValueError):
        check_control_token(token)


def test_good_tokens_are_accepted() -> None:
    low, high = CONTROL_TOKEN_LENGTH
    for token in (
        "x" * low,
        "y" * high,
        secrets.token_urlsafe(32),
        secrets.token_hex(16),
        "YWJjZGVmZ2hpamtsbW5vcA==",  # base64 with padding
        "a.b~c+d/e-f_g0123456",
    ):
        assert check_control_token(token) == token
        app = create_app(control=True, control_token=token)
        assert app.test_client().get("/__mock/keys", headers=_bearer(token)).status_code == 200


def test_a_token_needs_the_control_api() -> None:
    with pytest.raises(ValueError, match=r"control=True"):
        create_app(control_token=TOKEN)
    not_a_string: Any = 1234567890123456789
    with pytest.raises(ValueError, match="string"):
        create_app(control=True, control_token=not_a_string)


def test_ledger_mock_and_server_take_a_token() -> None:
    mock = LedgerMock(builtin_config(), control=True, control_token=TOKEN)
    assert mock.control_headers == _bearer(TOKEN) and TOKEN not in repr(mock)
    client = mock.app.test_client()
    assert client.get("/__mock/faults").status_code == 401
    assert client.get("/__mock/faults", headers=mock.control_headers).status_code == 200
    mock.inject("rate_limit", nth=1)  # the handle's own controls need no token
    assert client.get(mock.url(), headers=mock.headers).status_code == 429
    assert LedgerMock(builtin_config(), control=True).control_headers == {}
    with LedgerServer(builtin_config(), control=True, control_token=TOKEN) as server:
        root = server.base_url.removesuffix("/api/v1")
        assert requests.get(root + "/__mock/journal", timeout=5).status_code == 401
        answer = requests.get(root + "/__mock/journal", headers=server.control_headers, timeout=5)
        assert answer.status_code == 200 and answer.json() == {"requests": [], "dropped": 0}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("0:0:0:0:0:0:0:1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("[::]", False),
        ("", False),
        ("192.168.1.10", False),
        ("10.0.0.1", False),
        ("128.0.0.1", False),
        ("::2", False),
        ("::ffff:10.0.0.1", False),
        ("example.com", False),
        ("localhost.localdomain", False),
        ("127.0.0.1.nip.io", False),
        ("127.1", False),  # not an address ipaddress accepts; not taken for one
        ("not a host", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
