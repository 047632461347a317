"""The query engine agrees with the naive reference on every input (Hypothesis)."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any
from urllib.parse import quote

import orjson
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import Query, generate_ledger, get_scenario, render_entry, select
from mockserver.core.kinds import KINDS
from mockserver.core.ledger import Ledger
from mockserver.core.timestamps import format_utc, parse_instant
from tests.conftest import TRANSACTIONS, bearer
from tests.reference import reference_page

NOW = int(parse_instant("2026-06-01T00:00:00Z"))


@cache
def _ledger(seed: int, size: int, ties: bool) -> tuple[Ledger, list[dict[str, Any]]]:
    scenario = get_scenario("ties" if ties else "realistic", size=size)
    ledger = generate_ledger(scenario, seed=seed, account="a", now=NOW)
    return ledger, [render_entry(ledger, p) for p in range(len(ledger))]


def _instants(entries: list[dict[str, Any]]) -> st.SearchStrategy[Fraction | None]:
    """Bounds that hit entries exactly, fall just beside them, or anywhere at all."""
    times = [parse_instant(e["created_at"]) for e in entries] or [Fraction(NOW)]
    near = st.builds(
        lambda t, delta: t + delta,
        st.sampled_from(times),
        st.sampled_from(
            [Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 2), Fraction(-1, 10**9)]
        ),
    )
    anywhere = st.integers(NOW - 800 * 86400, NOW + 86400).map(Fraction)
    return st.none() | near | anywhere


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Ledger, list[dict[str, Any]], Query]:
    ledger, entries = _ledger(
        draw(st.integers(0, 3)),
        draw(st.sampled_from([0, 1, 7, 200, 201, 360])),
        draw(st.booleans()),
    )
    query = Query(
        page=draw(st.integers(1, 60) | st.just(2**31 - 1)),
        page_size=draw(st.integers(1, 200)),
        kind=draw(st.none() | st.sampled_from(KINDS)),
        since=draw(_instants(entries)),
        until=draw(_instants(entries)),
    )
    return ledger, entries, query


@settings(max_examples=200, deadline=None)
@given(case=_cases())
def test_engine_matches_reference(case: tuple[Ledger, list[dict[str, Any]], Query]) -> None:
    ledger, entries, query = case
    selection = select(ledger, query)
    expected_ids, expected_total = reference_page(
        entries,
        page=query.page,
        page_size=query.page_size,
        kind=query.kind,
        since=query.since,
        until=query.until,
    )
    assert selection.total == expected_total
    assert [int(ledger.ids[p]) for p in selection.positions] == expected_ids


def _stamp(instant: Fraction) -> str:
    """An RFC 3339 text of ``instant``, with a fraction and an offset when it has one."""
    whole = int(instant // 1)
    fraction = instant - whole
    text = format_utc(whole + 3600)[:-1] + "+01:00"
    if fraction:
        digits = str(int(fraction * 10**9)).rjust(9, "0")
        text = text[:19] + "." + digits + text[19:]
    return quote(text, safe="")


_HTTP_KEYS = ("bsk_test_default", "bsk_test_ties", "bsk_test_boundary_201", "bsk_test_empty")


@cache
def _served_history(app: Flask, key: str) -> list[dict[str, Any]]:
    """Every entry of a built-in account, oldest first, fetched through the endpoint."""
    client = app.test_client()
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = orjson.loads(
            client.get(f"{TRANSACTIONS}?page_size=200&page={page}", headers=bearer(key)).data
        )
        items += body["items"]
        if page * 200 >= body["total"]:
            return list(reversed(items))
        page += 1


@settings(max_examples=80, deadline=None)
@given(data=st.data(), key=st.sampled_from(_HTTP_KEYS))
def test_http_layer_matches_reference(app: Flask, data: st.DataObject, key: str) -> None:
    entries = _served_history(app, key)
    query = Query(
        page=data.draw(st.integers(1, 40)),
        page_size=data.draw(st.integers(1, 200)),
        kind=data.draw(st.none() | st.sampled_from(KINDS)),
        since=data.draw(_instants(entries)),
        until=data.draw(_instants(entries)),
    )
    parts = [f"page={query.page}", f"page_size={query.page_size}"]
    if query.kind:
        parts.append(f"kind={query.kind}")
    if query.since is not None:
        parts.append(f"since={_stamp(query.since)}")
    if query.until is not None:
        parts.append(f"until={_stamp(query.until)}")
    response = app.test_client().get(f"{TRANSACTIONS}?{'&'.join(parts)}", headers=bearer(key))
    body = orjson.loads(response.data)
    expected_ids, expected_total = reference_page(
        entries,
        page=query.page,
        page_size=query.page_size,
        kind=query.kind,
        since=query.since,
        until=query.until,
    )
    assert body["total"] == expected_total
    assert [item["id"] for item in body["items"]] == expected_ids
