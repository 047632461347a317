"""The docs scenario reproduces the public docs page's example response."""

from __future__ import annotations

import orjson
import pytest
from flask.testing import FlaskClient

from mockserver.core.scenarios import DOCS_EXAMPLE_ITEMS
from tests.conftest import TRANSACTIONS, bearer
from tests.docs_page import ORIGINAL_PAGE, SEED_PAGE, docs_example_body


def test_docs_page_copy_is_the_original() -> None:
    if not ORIGINAL_PAGE.exists():
        pytest.skip(f"the original docs page is not beside this checkout ({ORIGINAL_PAGE})")
    assert SEED_PAGE.read_bytes() == ORIGINAL_PAGE.read_bytes()


def test_page_one_reproduces_the_docs_example(client: FlaskClient) -> None:
    docs = docs_example_body()
    body = orjson.loads(
        client.get(f"{TRANSACTIONS}?page=1&page_size=50", headers=bearer("bsk_test_docs")).data
    )
    assert body["total"] == docs["total"] == 47
    assert (body["page"], body["page_size"]) == (docs["page"], docs["page_size"])
    assert body["items"][:2] == docs["items"] == list(DOCS_EXAMPLE_ITEMS)
    assert len(body["items"]) == 47


def test_docs_history_chains_into_the_example(client: FlaskClient) -> None:
    items = orjson.loads(
        client.get(f"{TRANSACTIONS}?page_size=50", headers=bearer("bsk_test_docs")).data
    )["items"]
    balance = 0
    for item in reversed(items):
        balance += round(item["amount_usd"] * 100)
        assert round(item["balance_after_usd"] * 100) == balance
    assert balance == 8140
