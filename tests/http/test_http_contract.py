"""CONTRACT.md §1-5 through the Flask test client: routing, auth, validation, errors."""

from __future__ import annotations

import orjson
import pytest
from flask.testing import FlaskClient

from tests.conftest import TRANSACTIONS, bearer


def _error(response: object) -> dict[str, object]:
    body = orjson.loads(response.data)  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "param"}
    return body["error"]


def test_default_page_echoes_defaults(client: FlaskClient) -> None:
    response = client.get(TRANSACTIONS, headers=bearer())
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = orjson.loads(response.data)
    assert list(body) == ["items", "total", "page", "page_size"]
    assert (body["page"], body["page_size"], body["total"]) == (1, 50, 360)
    assert len(body["items"]) == 50


# --- §1 routing -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open(TRANSACTIONS, method=method, headers=bearer())
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.content_type == "application/json"
    assert _error(response) == {
        "type": "invalid_request_error",
        "message": "method not allowed: use GET or HEAD",
        "param": None,
    }


@pytest.mark.parametrize(
    "path",
    [
        TRANSACTIONS + "/",
        "/",
        "/api/v1",
        "/api/v1/me/billing",
        "/api/v2/me/billing/transactions",
        "/api//v1/me/billing/transactions",
        "/api/v1/me/billing//transactions",
        "//api/v1/me/billing/transactions",
        "/api/v1/me%2Fbilling/transactions",
        "/api/v1/me%2fbilling/transactions",
        "/__mock/journal",
    ],
)
def test_unknown_paths_are_404_whatever_the_key(client: FlaskClient, path: str) -> None:
    for headers in ({}, bearer("nope"), bearer()):
        for method in ("GET", "HEAD", "POST"):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 404, (method, path)
            assert response.content_type == "application/json"
            if method != "HEAD":
                assert _error(response)["type"] == "not_found_error"


def test_405_comes_before_auth(client: FlaskClient) -> None:
    assert client.post(TRANSACTIONS).status_code == 405


def test_head_is_get_without_body(client: FlaskClient) -> None:
    get = client.get(TRANSACTIONS + "?page_size=3", headers=bearer())
    head = client.head(TRANSACTIONS + "?page_size=3", headers=bearer())
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert client.head(TRANSACTIONS).status_code == 401


# --- §2 authentication -------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "bsk_test_default",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer",
        "Bearer ",
        "Bearer\tbsk_test_default",
        "Bearer bsk_test_default extra",
        "Bearer bsk_test_default, Bearer bsk_test_default",
        "Bearer bsk_test_unknown",
        "Bearer bsk_test_revoked",
        "Token bsk_test_default",
    ],
)
def test_bad_credentials_are_401(client: FlaskClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = client.get(TRANSACTIONS, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="bytespike"'
    error = _error(response)
    assert error["type"] == "authentication_error" and error["param"] is None
    assert b"bsk_test" not in response.data


@pytest.mark.parametrize(
    "header",
    ["bearer bsk_test_default", "BEARER   bsk_test_default", "  Bearer bsk_test_default  "],
)
def test_scheme_is_case_insensitive_and_value_trimmed(client: FlaskClient, header: str) -> None:
    assert client.get(TRANSACTIONS, headers={"Authorization": header}).status_code == 200


def test_auth_before_query_string(client: FlaskClient) -> None:
    response = client.get(TRANSACTIONS + "?page=0&kind=nope", headers=bearer("wrong"))
    assert response.status_code == 401


def test_keys_of_one_account_see_the_same_wallet(client: FlaskClient) -> None:
    first = client.get(TRANSACTIONS + "?page_size=200", headers=bearer("bsk_test_default"))
    second = client.get(TRANSACTIONS + "?page_size=200", headers=bearer("bsk_test_default_2"))
    assert first.data == second.data


def test_accounts_are_isolated(client: FlaskClient) -> None:
    ids = {}
    for key in ("bsk_test_default", "bsk_test_docs", "bsk_test_ties", "bsk_test_boundary_201"):
        pages = [
            client.get(f"{TRANSACTIONS}?page_size=200&page={p}", headers=bearer(key))
            for p in (1, 2)
        ]
        ids[key] = {item["id"] for r in pages for item in orjson.loads(r.data)["items"]}
    keys = list(ids)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert not ids[a] & ids[b], (a, b)


# --- §3 query parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=2147483648", "page"),
        ("page=99999999999999999999999999999999999999", "page"),
        ("page=" + "9" * 5000, "page"),
        ("page=1.0", "page"),
        ("page=+1", "page"),
        ("page=%201", "page"),
        ("page=1e2", "page"),
        ("page=%EF%BC%90%EF%BC%91", "page"),  # fullwidth digits
        ("page=%D9%A1", "page"),  # Arabic-Indic one
        ("page=", "page"),
        ("page=1&page=1", "page"),
        ("page=0x10", "page"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=", "page_size"),
        ("page_size=50&page_size=50", "page_size"),
        ("kind=", "kind"),
        ("kind=topup,refund", "kind"),
        ("kind=TOPUP", "kind"),
        ("kind=topup&kind=topup", "kind"),
        ("since=yesterday", "since"),
        ("since=2026-05-21%2000:00:00", "since"),
        ("since=2026-05-21T00:00:00+02:00", "since"),  # unencoded '+'
        ("since=", "since"),
        ("until=2026-05-21T00:00", "until"),
        ("until=1779321600", "until"),
        ("until=2026-05-21&until=2026-05-22", "until"),
        ("page=0&page_size=0&kind=x&since=x&until=x", "page"),
        ("page_size=0&kind=x&since=x&until=x", "page_size"),
        ("kind=x&since=x&until=x", "kind"),
        ("until=x&since=x", "since"),
        ("page=0&page_size=10&page_size=10", "page"),
        ("page_size=5&page_size=5&page=x", "page"),
        ("kind=x&page_size=1&page_size=1", "page_size"),
        ("since=x&until=1&until=2", "since"),
        ("page=%ff", "page"),
        ("kind=%00", "kind"),
        ("since=%zz", "since"),
    ],
)
def test_bad_parameters_are_400_naming_the_first(
    client: FlaskClient, query: str, param: str
) -> None:
    response = client.get(f"{TRANSACTIONS}?{query}", headers=bearer())
    assert response.status_code == 400, response.data
    error = _error(response)
    assert (error["type"], error["param"]) == ("invalid_request_error", param)


@pytest.mark.parametrize(
    "query",
    [
        "page=007",
        "page=2147483647",
        "page_size=200",
        "page_size=1",
        "kind=subscription_renew",
        "since=2026-05-21",
        "since=2026-05-21T00:00:00%2B02:00",
        "until=2026-05-21T00:00:00.123456789z",
        "Page=0",
        "unknown=1&unknown=2",
        "x=%ff%00&y=" + "a" * 10_000,
        "since=2027-01-01&until=2026-01-01",
    ],
)
def test_valid_and_ignored_parameters_are_200(client: FlaskClient, query: str) -> None:
    response = client.get(f"{TRANSACTIONS}?{query}", headers=bearer())
    assert response.status_code == 200, response.data


def test_past_the_end_is_empty_with_real_total(client: FlaskClient) -> None:
    body = orjson.loads(
        client.get(f"{TRANSACTIONS}?page=2147483647&page_size=200", headers=bearer()).data
    )
    assert body == {"items": [], "total": 360, "page": 2147483647, "page_size": 200}


def test_since_not_before_until_matches_nothing(client: FlaskClient) -> None:
    query = "since=2026-01-01&until=2026-01-01"
    body = orjson.loads(client.get(f"{TRANSACTIONS}?{query}", headers=bearer()).data)
    assert (body["items"], body["total"]) == ([], 0)
