"""Faults, drift and export driven from the page, seen by a client and by the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from mockserver.cli import main

from .support import TRANSACTIONS, Tab, wait_until


def client(tab: Tab, query: str = "page_size=1") -> requests.Response:
    return requests.get(
        f"{tab.served.api}{TRANSACTIONS}?{query}",
        headers={"Authorization": "Bearer bsk_test_docs"},
        timeout=30,
    )


def active_faults(tab: Tab) -> list[dict[str, object]]:
    response = tab.served.control("GET", "faults")
    assert response.status_code == 200, response.text
    faults: list[dict[str, object]] = response.json()["faults"]
    return faults


def inject(tab: Tab, kind: str, **fields: str) -> None:
    """Pick ``kind``, fill the form (count and share empty unless given) and press inject."""
    tab.testid("fault-kind").select_option(kind)
    for name in ("count", "share"):
        tab.testid(f"fault-{name}").fill(fields.get(name, ""))
    for name in ("retry-after", "latency-ms"):
        if name.replace("-", "_") in fields:
            tab.testid(f"fault-{name}").fill(fields[name.replace("-", "_")])
    tab.testid("fault-inject").click()


def shown_faults(tab: Tab) -> list[str]:
    kinds: list[str] = tab.page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=faults-active] [data-fault-kind]')]
              .map(e => e.dataset.faultKind)"""
    )
    return kinds


def test_a_rate_limit_injected_from_the_page_hits_the_next_client_request(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    inject(tab, "rate_limit", count="1", retry_after="7")
    assert wait_until(lambda: shown_faults(tab) == ["rate_limit"]), shown_faults(tab)
    (fault,) = active_faults(tab)
    assert fault["kind"] == "rate_limit" and fault["retry_after"] == 7, fault
    assert tab.text("control-status"), "the last control action's result is shown"

    limited = client(tab)
    assert limited.status_code == 429, "the page's own requests must not use up the fault"
    assert limited.headers["Retry-After"] == "7"
    assert limited.json()["error"]["type"] == "rate_limit_error"
    assert client(tab).status_code == 200, "only the next 1 request"
    tab.screenshot("faults", around="faults-active")


def test_a_share_of_server_errors_then_clear(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    inject(tab, "server_error", share="1")
    assert wait_until(lambda: shown_faults(tab) == ["server_error"]), shown_faults(tab)
    assert [f["kind"] for f in active_faults(tab)] == ["server_error"]
    assert [client(tab).status_code for _ in range(3)] == [500, 500, 500]

    tab.testid("faults-clear").click()
    assert wait_until(lambda: shown_faults(tab) == []), shown_faults(tab)
    assert active_faults(tab) == []
    assert client(tab).status_code == 200


def test_a_latency_fault_from_the_page_delays_the_client(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    inject(tab, "latency", count="1", latency_ms="400")
    assert wait_until(lambda: shown_faults(tab) == ["latency"]), shown_faults(tab)
    (fault,) = active_faults(tab)
    assert fault["delay"] == 0.4, fault
    started = time.monotonic()
    assert client(tab).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_a_bad_fault_setting_shows_the_control_apis_error(tab: Tab) -> None:
    tab.allow_status(400)
    tab.open("key=bsk_test_docs")
    inject(tab, "rate_limit", share="7")  # a share is 0..1
    assert wait_until(lambda: "fraction" in tab.text("control-status")), tab.text("control-status")
    assert active_faults(tab) == []


def test_drift_starts_and_stops_from_the_page(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    before = tab.text("drift-status")
    tab.testid("drift-start").click()
    assert wait_until(lambda: tab.served.control("GET", "drift").json()["active"] is True)
    assert wait_until(lambda: tab.text("drift-status") != before), tab.text("drift-status")
    during = tab.text("drift-status")
    tab.testid("drift-stop").click()
    assert wait_until(lambda: tab.served.control("GET", "drift").json() == {"active": False})
    assert wait_until(lambda: tab.text("drift-status") != during), tab.text("drift-status")


EXPORTS = [
    # (deep link, CLI options, format, extension)
    (
        "key=bsk_test_docs&kind=topup&since=2025-01-01&until=2026-03-01T00:00:00%2B01:00",
        ["--kind", "topup", "--since", "2025-01-01", "--until", "2026-03-01T00:00:00+01:00"],
        "csv",
    ),
    ("key=bsk_test_docs", [], "json"),
    ("key=bsk_test_docs&until=2025-06-01&page=2&page_size=5", ["--until", "2025-06-01"], "ndjson"),
]


def cli_export(options: list[str], output: Path) -> bytes:
    """What ``ledger-mock export --key bsk_test_docs OPTIONS --output FILE`` writes (in-process)."""
    with pytest.raises(SystemExit) as done:
        main(["export", "--key", "bsk_test_docs", *options, "--output", str(output)])
    assert done.value.code == 0
    return output.read_bytes()


def test_export_downloads_the_same_bytes_as_the_cli(tab: Tab, tmp_path: Path) -> None:
    for index, (link, options, fmt) in enumerate(EXPORTS):
        wanted = cli_export([*options, "--format", fmt], tmp_path / f"{index}.{fmt}")
        tab.open(link)
        tab.testid("export-format").select_option(fmt)
        with tab.page.expect_download() as info:
            tab.testid("export-download").click()
        download = info.value
        path = download.path()
        assert path is not None
        assert path.read_bytes() == wanted, f"{fmt} export differs from ledger-mock export"
        assert download.suggested_filename == f"ledger-docs.{fmt}"
