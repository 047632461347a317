"""What the mock serves validates against the same schema files it publishes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from mockserver import builtin_config
from tests.conftest import TRANSACTIONS, bearer
from tests.contract.test_schemas import validator

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
