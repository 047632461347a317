"""The control API refuses what it cannot apply (400, ``param`` named) and routes like the contract.

Every bad body used to be stored (201) and then break every later request with a
500 (``time.sleep("5")``, orjson refusing a 90-bit integer); each must now be a
``400 invalid_request_error`` naming the setting, and the mock must keep serving.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock

from mockserver import LedgerMockError, MockConfig, create_app
from mockserver.config import key_table
from mockserver.drift import DriftError
from mockserver.faults import FaultError

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
    from mockserver.journal import Journal

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
