"""The journal records every request and its helpers judge a client's behaviour."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from ledger_fixtures import LedgerMock


def test_records_with_the_key_redacted(ledger_mock: LedgerMock, ledger_client: FlaskClient) -> None:
    ledger_client.get(ledger_mock.url() + "?page=2&page_size=10&x=1", headers=ledger_mock.headers)
    ledger_client.post(ledger_mock.url(), headers={"Authorization": "Basic abc"})
    ledger_client.get("/nowhere")
    first, second, third = ledger_mock.journal.entries
    assert (first.method, first.path, first.page, first.page_size, first.status) == (
        "GET",
        "/api/v1/me/billing/transactions",
        2,
        10,
        200,
    )
    assert first.params == {"page": ["2"], "page_size": ["10"], "x": ["1"]}
    assert first.headers["Authorization"] == "Bearer [REDACTED]"
    assert first.sent_key(ledger_mock.api_key) and not first.sent_key("bsk_test_docs")
    assert ledger_mock.api_key not in repr(first) + str(first.to_dict())
    assert (second.method, second.status, second.authenticated) == ("POST", 405, False)
    assert second.headers["Authorization"] == "[REDACTED]"
    assert (third.status, third.page) == (404, 1)


def test_assert_paginated(ledger_mock: LedgerMock, ledger_client: FlaskClient) -> None:
    for page in (1, 2, 3, 4):
        ledger_client.get(
            f"{ledger_mock.url()}?page={page}&page_size=100", headers=ledger_mock.headers
        )
    ledger_mock.journal.assert_paginated(total=360, page_size=100)
    with pytest.raises(AssertionError, match=r"expected pages \[1, 2, 3\]"):
        ledger_mock.journal.assert_paginated(total=300, page_size=100)
    ledger_client.get(f"{ledger_mock.url()}?page=4&page_size=100", headers=ledger_mock.headers)
    with pytest.raises(AssertionError, match="exactly once"):
        ledger_mock.journal.assert_paginated(total=360, page_size=100)


def test_empty_ledger_is_one_page(ledger_mock: LedgerMock, ledger_client: FlaskClient) -> None:
    ledger_client.get(
        ledger_mock.url(), headers={"Authorization": f"Bearer {ledger_mock.keys['empty']}"}
    )
    ledger_mock.journal.assert_paginated(total=0, page_size=50)


def test_assert_always_authenticated_and_max_page_size(
    ledger_mock: LedgerMock, ledger_client: FlaskClient
) -> None:
    ledger_client.get(ledger_mock.url() + "?page_size=200", headers=ledger_mock.headers)
    ledger_mock.journal.assert_always_authenticated(ledger_mock.api_key)
    ledger_mock.journal.assert_max_page_size(200)
    with pytest.raises(AssertionError, match="different key"):
        ledger_mock.journal.assert_always_authenticated("bsk_test_docs")
    ledger_client.get(ledger_mock.url() + "?page_size=500")
    with pytest.raises(AssertionError, match="no Bearer token"):
        ledger_mock.journal.assert_always_authenticated()
    with pytest.raises(AssertionError, match="page_size='500'"):
        ledger_mock.journal.assert_max_page_size(200)


def test_reset_between_tests_part_one(ledger_mock: LedgerMock, ledger_client: FlaskClient) -> None:
    ledger_client.get(ledger_mock.url())
    ledger_mock.inject("server_error")
    assert len(ledger_mock.journal) == 1


def test_reset_between_tests_part_two(ledger_mock: LedgerMock, ledger_client: FlaskClient) -> None:
    assert len(ledger_mock.journal) == 0 and ledger_mock.faults.active == ()
    assert ledger_client.get(ledger_mock.url(), headers=ledger_mock.headers).status_code == 200
