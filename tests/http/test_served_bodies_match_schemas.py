"""What the mock serves validates against the same schema files it publishes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from mockserver import builtin_config
from tests.conftest import TRANSACTIONS, bearer
from tests.contract.test_schemas import PATH, deref, load, validator

ACTIVE_KEYS = [key for account in builtin_config().accounts for key in account.keys]


def _assert_valid(schema: Draft202012Validator, body: Any) -> None:
    errors = sorted(schema.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("strength", ["full", "documented"])
@pytest.mark.parametrize("key", ACTIVE_KEYS)
def test_every_page_of_every_account_validates(
    client: FlaskClient, key: str, strength: str
) -> None:
    page_schema = validator(strength, "page")
    page, pages_checked = 1, 0
    while pages_checked < 3:  # the large accounts: the first pages are enough
        body = orjson.loads(
            client.get(f"{TRANSACTIONS}?page_size=200&page={page}", headers=bearer(key)).data
        )
        _assert_valid(page_schema, body)
        pages_checked += 1
        if page * 200 >= body["total"]:
            break
        page += 1


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (TRANSACTIONS, {}),
        (TRANSACTIONS, bearer("bsk_test_revoked")),
        (f"{TRANSACTIONS}?page=0", bearer()),
        (f"{TRANSACTIONS}?kind=x", bearer()),
        ("/nope", {}),
    ],
)
@pytest.mark.parametrize("strength", ["full", "documented"])
def test_every_error_validates(
    client: FlaskClient, path: str, headers: dict[str, str], strength: str
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code >= 400
    _assert_valid(validator(strength, "error"), orjson.loads(response.data))
    _assert_valid(
        validator(strength, "error"),
        orjson.loads(client.post(TRANSACTIONS, headers=headers).data),
    )


@pytest.mark.parametrize("strength", ["full", "documented"])
@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("?page_size=3", bearer(), 200),
        ("?kind=refund&page=2", bearer("bsk_test_ties"), 200),
        ("?page=0", bearer(), 400),
        ("", {}, 401),
        ("?page=0", bearer("bsk_test_revoked"), 401),
    ],
)
def test_head_answers_match_the_declared_head_operation(
    client: FlaskClient, strength: str, query: str, headers: dict[str, str], status: int
) -> None:
    """The documents' HEAD: GET's status and headers, no body, the declared headers valid."""
    doc = load(strength, "openapi")
    declared = doc["paths"][PATH]["head"]["responses"][str(status)]
    get = client.get(f"{TRANSACTIONS}{query}", headers=headers)
    head = client.head(f"{TRANSACTIONS}{query}", headers=headers)
    assert head.status_code == get.status_code == status
    assert "content" not in declared and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    for name, header in declared["headers"].items():
        header = deref(doc, header)
        if header["required"]:
            assert name in head.headers, name
        if name in head.headers:
            value: Any = head.headers[name]
            if header["schema"].get("type") == "integer":
                value = int(value)
            Draft202012Validator(header["schema"]).validate(value)
    assert int(head.headers["Content-Length"]) == len(get.data)
    assert {"Content-Length"} <= set(declared["headers"])
