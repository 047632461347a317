"""The ledger view mirrors the API: deep links, filters and paging in the UI, errors, chart."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import pytest
import requests

from .support import Served, Tab, expected, query_of

FIRST_KEY = "bsk_test_default"  # the built-in configuration's first key (`ledger-mock keys`)
MAX_POINTS = 2000
# What a row must show of `source`, whatever its rendering (the identifying fields).
SOURCE_SHOWN = {
    "topup": ("receipt_id",),
    "refund": ("request_id", "model"),
    "admin_credit": ("actor",),
    "admin_debit": ("actor",),
    "subscription_renew": ("plan",),
}
NO_NOTE = ("", "\u2014", "-", "null")

DEEP_LINKS = [
    "",
    "key=bsk_test_docs",
    "key=bsk_test_docs&kind=topup",
    "key=bsk_test_default&page=2&page_size=20",
    "key=bsk_test_default&kind=refund&page=3&page_size=5",
    "key=bsk_test_default&since=2025-03-01T00:00:00%2B02:00&until=2025-09-01T12:30:00-05:00",
    "key=bsk_test_ties&page=3&page_size=7",
    "key=bsk_test_large&kind=admin_debit&since=2024-01-01&until=2026-01-01T00:00:00Z&page_size=200",
    "key=bsk_test_empty",
    "key=bsk_test_docs&page=99",
    "key=bsk_test_docs&since=2026-01-01&until=2025-01-01",
]


def epoch(text: str) -> float:
    """An instant of the contract (RFC 3339 or a bare date, UTC) as epoch seconds."""
    if len(text) == 10:
        text += "T00:00:00Z"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def balance(served: Served, key: str) -> list[list[float]]:
    response = served.control("GET", f"console/api/balance?key={key}")
    assert response.status_code == 200, response.text
    points: list[list[float]] = response.json()["points"]
    return points


@pytest.mark.parametrize("link", DEEP_LINKS, ids=lambda link: link or "no-key")
def test_a_deep_link_shows_the_apis_ids_and_total(tab: Tab, link: str) -> None:
    params = query_of(f"?{link}")
    key = params.pop("key", FIRST_KEY)
    api_query = "&".join(part for part in link.split("&") if part and not part.startswith("key="))
    ids, total = expected(tab.served, key, api_query)

    tab.open(link)
    tab.wait_table(ids, total)

    page = tab.page
    assert tab.testid("key-picker").input_value() == key
    assert tab.testid("kind-filter").input_value() == params.get("kind", "")
    for name, testid in (("since", "since"), ("until", "until"), ("page", "page")):
        assert tab.testid(testid).input_value() == params.get(name, ""), name
    assert tab.testid("page-size").input_value() == params.get("page_size", "")
    if link:
        assert query_of(page.url) == query_of(f"?{link}"), page.url

    empty = tab.testid("table-empty")
    if ids:
        assert not empty.is_visible()
    else:
        assert empty.is_visible() and empty.inner_text().strip(), "say why the page is empty"

    chart = tab.testid("balance-chart")
    points = int(chart.get_attribute("data-points") or "-1")
    assert points == len(balance(tab.served, key))
    if key == "bsk_test_empty":
        assert points == 0
    else:
        assert 0 < points <= MAX_POINTS
        assert chart.locator("canvas").count() >= 1, "the chart draws nothing"
    for edge in ("since", "until"):
        shown = chart.get_attribute(f"data-window-{'start' if edge == 'since' else 'end'}")
        if edge in params:
            assert shown and float(shown) == epoch(params[edge]), (edge, shown)
        else:
            assert not shown, (edge, shown)


def test_the_chart_keeps_the_extremes_of_the_whole_history(tab: Tab) -> None:
    """Min/max per bucket: the series' lowest and highest balances are the ledger's own."""
    key = "bsk_test_default"
    balances = []
    for page in (1, 2):
        response = tab.served.transactions(key, f"page={page}&page_size=200")
        balances += [item["balance_after_usd"] for item in response.json()["items"]]
    points = balance(tab.served, key)
    assert min(p[1] for p in points) == pytest.approx(min(balances))
    assert max(p[2] for p in points) == pytest.approx(max(balances))
    times = [p[0] for p in points]
    assert times == sorted(times)

    large = balance(tab.served, "bsk_test_large")  # 10^5 entries: downsampled
    assert 0 < len(large) <= MAX_POINTS
    tab.open("key=bsk_test_large&since=2025-01-01")
    chart = tab.testid("balance-chart")
    assert int(chart.get_attribute("data-points") or "0") == len(large)
    assert float(chart.get_attribute("data-window-start") or "nan") == epoch("2025-01-01")
    tab.screenshot("chart-large")


def test_a_window_after_the_last_span_start_is_inside_the_history(tab: Tab) -> None:
    """The last point is a span's start; the newest entry can be hours later.

    A ``since`` between the two still holds entries: no "outside" note.
    """
    response = tab.served.control("GET", "console/api/balance?key=bsk_test_large")
    data = response.json()
    last_start = data["points"][-1][0]
    assert data["last"] > last_start + 60, "the large ledger's last span should be wide"
    since = datetime.fromtimestamp((last_start + data["last"]) // 2, UTC)
    text = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    items = tab.served.transactions("bsk_test_large", f"since={text}").json()["items"]
    assert items, "entries lie in the window"
    tab.open(f"key=bsk_test_large&since={text}")
    note = tab.testid("chart-note")
    assert "outside" not in note.inner_text()
    after = datetime.fromtimestamp(data["last"] + 1, UTC)
    tab.open(f"key=bsk_test_large&since={after:%Y-%m-%dT%H:%M:%SZ}")
    assert "outside" in tab.testid("chart-note").inner_text()


def test_changing_filters_and_pages_in_the_ui_follows_the_api(tab: Tab) -> None:
    served = tab.served
    tab.open("key=bsk_test_default")
    steps: list[tuple[str, str, str, dict[str, str]]] = [
        # (control, value, the API query it must show, the deep link it must become)
        ("kind-filter", "refund", "kind=refund", {"kind": "refund"}),
        ("page", "2", "kind=refund&page=2", {"kind": "refund", "page": "2"}),
        ("page-size", "7", "kind=refund&page_size=7", {"kind": "refund", "page_size": "7"}),
        (
            "page",
            "4",
            "kind=refund&page_size=7&page=4",
            {"kind": "refund", "page_size": "7", "page": "4"},
        ),
        (
            "since",
            "2025-01-01T00:00:00+01:00",
            "kind=refund&page_size=7&since=2025-01-01T00:00:00%2B01:00",
            {"kind": "refund", "page_size": "7", "since": "2025-01-01T00:00:00+01:00"},
        ),
        (
            "until",
            "2026-03-01",
            "kind=refund&page_size=7&since=2025-01-01T00:00:00%2B01:00&until=2026-03-01",
            {
                "kind": "refund",
                "page_size": "7",
                "since": "2025-01-01T00:00:00+01:00",
                "until": "2026-03-01",
            },
        ),
        (
            "since",
            "",
            "kind=refund&page_size=7&until=2026-03-01",
            {"kind": "refund", "page_size": "7", "until": "2026-03-01"},
        ),
        (
            "kind-filter",
            "",
            "page_size=7&until=2026-03-01",
            {"page_size": "7", "until": "2026-03-01"},
        ),
    ]
    for control, value, api_query, link in steps:
        if control == "kind-filter":
            tab.testid(control).select_option(value)
        else:
            tab.enter(control, value)
        ids, total = expected(served, "bsk_test_default", api_query)
        tab.wait_table(ids, total)
        assert query_of(tab.page.url) == {"key": "bsk_test_default", **link}, (control, value)

    tab.testid("page-next").click()  # the pager: the next page, by the deep link
    ids, total = expected(served, "bsk_test_default", "page_size=7&until=2026-03-01&page=2")
    tab.wait_table(ids, total)
    assert query_of(tab.page.url)["page"] == "2"
    tab.enter("page", "3")
    tab.testid("key-picker").select_option("bsk_test_docs")  # a new key: back to page 1
    ids, total = expected(served, "bsk_test_docs", "page_size=7&until=2026-03-01")
    tab.wait_table(ids, total)
    assert query_of(tab.page.url) == {
        "key": "bsk_test_docs",
        "page_size": "7",
        "until": "2026-03-01",
    }
    tab.screenshot("ledger-filtered")


@pytest.mark.parametrize(
    ("link", "control", "value", "api_query"),
    [
        ("key=bsk_test_docs&page_size=500", None, None, "page_size=500"),
        ("key=bsk_test_docs&kind=topup,refund", None, None, "kind=topup,refund"),
        ("key=bsk_test_docs", "page", "0", "page=0"),
        ("key=bsk_test_docs", "since", "2025-01-01 12:00", "since=2025-01-01%2012:00"),
        ("key=bsk_test_docs", "until", "2025-01-01T00:00", "until=2025-01-01T00:00"),
    ],
)
def test_a_bad_value_shows_the_apis_own_error(
    tab: Tab, link: str, control: str | None, value: str | None, api_query: str
) -> None:
    tab.allow_status(400)
    answer = tab.served.transactions("bsk_test_docs", api_query)
    assert answer.status_code == 400
    error = answer.json()["error"]
    tab.open(link)
    if control is not None and value is not None:
        tab.enter(control, value)
    tab.page.wait_for_function(
        "(m) => (document.querySelector('[data-testid=query-error]') || {}).textContent"
        "?.includes(m)",
        arg=error["message"],
        timeout=10_000,
    )
    shown = tab.text("query-error")
    assert error["type"] in shown and error["param"] in shown, shown
    assert tab.testid("query-error").is_visible()
    assert tab.table() == ([], ""), "the table and total must be emptied on an error"

    ids, total = expected(tab.served, "bsk_test_docs", "")
    tab.open("key=bsk_test_docs")  # a good query clears the error
    tab.wait_table(ids, total)
    assert not tab.testid("query-error").is_visible() or tab.text("query-error") == ""


def test_curl_line_and_raw_json_are_the_apis_answer(tab: Tab) -> None:
    link = "key=bsk_test_docs&kind=topup&page=2&page_size=3"
    answer = tab.served.transactions("bsk_test_docs", "kind=topup&page=2&page_size=3")
    body = answer.json()
    tab.open(link)
    tab.wait_table([item["id"] for item in body["items"]], body["total"])

    raw = tab.testid("raw-json")
    assert not raw.is_visible(), "the raw JSON is hidden until toggled"
    tab.testid("raw-json-toggle").click()
    assert raw.is_visible()
    assert raw.text_content() == answer.text, "raw JSON is the body exactly as received"
    tab.testid("raw-json-toggle").click()
    assert not raw.is_visible()

    curl = tab.text("curl")
    assert curl.startswith("curl"), curl
    assert "Authorization: Bearer bsk_test_docs" in curl, curl
    urls = [word.strip("'\"") for word in curl.split() if "://" in word]
    assert len(urls) == 1, curl
    url = unquote(urls[0]) if "%2B" not in urls[0] else urls[0]
    assert urlsplit(url).path == urlsplit(tab.served.api).path + "/me/billing/transactions"
    assert query_of(url) == {"kind": "topup", "page": "2", "page_size": "3"}
    again = requests.get(urls[0], headers={"Authorization": "Bearer bsk_test_docs"}, timeout=30)
    assert again.content == answer.content, "the curl line asks the same question"


def test_each_row_shows_the_items_fields(tab: Tab) -> None:
    """Cells: id, created_at, kind, signed amount, balance after, source per kind, note."""
    answer = tab.served.transactions("bsk_test_docs", "page_size=47").json()
    tab.open("key=bsk_test_docs&page_size=47")
    tab.wait_table([item["id"] for item in answer["items"]], answer["total"])
    rows = tab.page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=ledger-table] tbody tr[data-id]')]
              .map(r => [...r.cells].map(c => c.textContent.trim()))"""
    )
    seen_kinds = set()
    for item, cells in zip(answer["items"], rows, strict=True):
        assert len(cells) == 7, cells
        assert cells[0] == str(item["id"])
        assert cells[1] == item["created_at"]
        assert cells[2] == item["kind"]
        amount = float(cells[3].replace("$", "").replace(",", "").replace("\u2212", "-"))
        assert amount == pytest.approx(item["amount_usd"]), cells
        after = float(cells[4].replace("$", "").replace(",", ""))
        assert after == pytest.approx(item["balance_after_usd"]), cells
        for name in SOURCE_SHOWN[item["kind"]]:
            assert str(item["source"][name]) in cells[5], (item["source"], cells[5])
        if item["note"] is None:
            assert cells[6] in NO_NOTE, cells
        else:
            assert cells[6] == item["note"], cells
        seen_kinds.add(item["kind"])
    assert len(seen_kinds) >= 3  # the docs account shows several renderings of `source`
