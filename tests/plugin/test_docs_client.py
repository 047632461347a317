"""The docs page's CSV export loop, unmodified, against the live mock and through interception."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from ledger_fixtures import LedgerMock, LedgerServer

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "docs_csv_export.py"
SEED_PAGE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "billing-transactions.txt"
PRODUCTION = "https://llm.bytespike.ai/api/v1"


def _source() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def _run(
    source: str, key: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, str]]:
    monkeypatch.setenv("BYTESPIKE_API_KEY", key)
    capsys.readouterr()
    exec(compile(source, str(EXAMPLE), "exec"), {"__name__": "__main__"})
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def _expected(mock: LedgerMock) -> list[dict[str, str]]:
    return [
        {k: str(entry[k]) for k in ("created_at", "kind", "amount_usd", "balance_after_usd")}
        for entry in mock.ledger().entries
    ]


def test_example_is_the_docs_code_verbatim() -> None:
    if not SEED_PAGE.exists():
        pytest.skip("the public docs page is not next to this checkout")
    page = SEED_PAGE.read_text(encoding="utf-8")
    code = page[page.index("import csv, requests, os, sys") :].rstrip()
    assert re.sub(r"^#.*\n", "", _source(), flags=re.MULTILINE).rstrip() == code


def test_against_the_live_server_with_the_base_url_swapped(
    ledger_server: LedgerServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = _source()
    assert source.count(PRODUCTION) == 1
    rows = _run(
        source.replace(PRODUCTION, ledger_server.base_url),
        ledger_server.api_key,
        monkeypatch,
        capsys,
    )
    assert rows == _expected(ledger_server)  # every entry once, newest first
    ledger_server.journal.assert_paginated(total=360, page_size=200)
    ledger_server.journal.assert_always_authenticated(ledger_server.api_key)
    assert ledger_server.journal.pages() == [1, 2]


def test_through_interception_with_the_url_unchanged(
    ledger_intercept: LedgerMock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = _run(_source(), ledger_intercept.api_key, monkeypatch, capsys)
    assert rows == _expected(ledger_intercept)
    ledger_intercept.journal.assert_paginated(total=360, page_size=200)
    ledger_intercept.journal.assert_max_page_size(200)


@pytest.mark.ledger(account="boundary_201")
def test_page_boundary_201_entries_takes_two_pages(
    ledger_intercept: LedgerMock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = _run(_source(), ledger_intercept.api_key, monkeypatch, capsys)
    assert len(rows) == 201
    ledger_intercept.journal.assert_paginated(total=201, page_size=200)


@pytest.mark.ledger(account="boundary_200")
def test_page_boundary_200_entries_stops_after_one_page(
    ledger_intercept: LedgerMock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = _run(_source(), ledger_intercept.api_key, monkeypatch, capsys)
    assert len(rows) == 200
    ledger_intercept.journal.assert_paginated(total=200, page_size=200)
