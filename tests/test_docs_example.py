"""The docs scenario reproduces the public docs page's example response."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
from flask.testing import FlaskClient

from mockserver.scenarios import DOCS_EXAMPLE_ITEMS
from tests.conftest import TRANSACTIONS, bearer

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "billing-transactions.txt"


def _docs_example_body() -> dict[str, object]:
    """The example body as printed on the public docs page (shared/seed)."""
    text = SEED_PAGE.read_text(encoding="utf-8")
    block = re.search(r"^Response\n\n(\{.*?^\})\n", text, re.MULTILINE | re.DOTALL)
    assert block, "the docs page's example response was not found"
    return json.loads(block[1])  # type: ignore[no-any-return]


def test_page_one_reproduces_the_docs_example(client: FlaskClient) -> None:
    docs = _docs_example_body()
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
