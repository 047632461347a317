"""With the control API and the console on, the endpoint serves the same bytes.

The console adds routes under ``/__mock/`` only: the data behind the endpoint
still match the golden digests (``tests/golden_digests.json``), and every answer
of the endpoint, success or error, is byte-identical to the plain app's.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask

from mockserver import builtin_config, create_app, ledger_store
from tests.core.test_golden import GOLDEN, account_digest

LISTING = "/api/v1/me/billing/transactions"
SMALL = [a.name for a in builtin_config().accounts if a.scenario.size <= 1000]


@pytest.fixture(scope="module")
def plain() -> Flask:
    return create_app()


@pytest.fixture(scope="module")
def console() -> Flask:
    return create_app(control=True)


@pytest.mark.parametrize("account", [a.name for a in builtin_config().accounts])
def test_the_data_match_the_golden_digests(console: Flask, account: str) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert account_digest(ledger_store(console), account) == golden[account]


def _keys() -> list[str]:
    config = builtin_config()
    return [k for a in config.accounts if a.name in SMALL for k in (*a.keys, *a.revoked_keys)]


@pytest.mark.parametrize("key", _keys())
def test_every_page_is_byte_identical(plain: Flask, console: Flask, key: str) -> None:
    queries = [
        "",
        "page_size=200",
        "page_size=200&page=2",
        "kind=topup&page_size=7&page=2",
        "since=2025-01-01&until=2025-06-01",
        "page=0",
        "pageSize=5",
        "since=2024-01-01T00:00:00+02:00",
    ]
    a, b = plain.test_client(), console.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    for query in queries:
        left = a.get(f"{LISTING}?{query}", headers=headers)
        right = b.get(f"{LISTING}?{query}", headers={**headers, "X-Ledger-Console": "1"})
        assert (right.status_code, right.data) == (left.status_code, left.data), query
        assert sorted(right.headers.items()) == sorted(left.headers.items()), query
    for path in (f"{LISTING}/", "/", "/api/v1/me"):
        assert b.get(path, headers=headers).data == a.get(path, headers=headers).data


def test_the_console_adds_nothing_outside_the_prefix(console: Flask) -> None:
    rules = {rule.rule for rule in console.url_map.iter_rules()}
    plain_rules = {rule.rule for rule in create_app().url_map.iter_rules()}
    assert all(rule.startswith("/__mock") for rule in rules - plain_rules)
    assert {r for r in rules - plain_rules if r.startswith("/__mock/console")} >= {
        "/__mock/console/",
        "/__mock/console/static/<name>",  # flat names only: no <path:>
        "/__mock/console/api/balance",
        "/__mock/console/api/journal",
        "/__mock/console/api/export",
    }


def test_the_console_keeps_the_fast_path_on(console: Flask) -> None:
    """A request hook anywhere would send every request through Flask (``FastPath._hooked``)."""
    hooks = (
        console.before_request_funcs,
        console.after_request_funcs,
        console.teardown_request_funcs,
        console.url_value_preprocessors,
    )
    assert not any(hooks) and not console.teardown_appcontext_funcs
