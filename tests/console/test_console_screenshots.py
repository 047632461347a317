"""Regenerates the screenshots of docs/console.md (``-m slow``; it writes into docs/img/).

    python -m pytest -p no:xdist -m slow tests/console/test_console_screenshots.py

Each picture is taken by the browser tests' own fixtures (a 1200x800 Chromium
page on a live ``serve --enable-control``) and must stay under 150 KB.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import requests

from .support import TRANSACTIONS, Tab, expected

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
MAX_BYTES = 150_000

pytestmark = pytest.mark.slow


def save(tab: Tab, name: str, element: str | None = None) -> Path:
    """The viewport (or one element) as docs/img/console-<name>.png; checks size and format."""
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    path = DOCS_IMG / f"console-{name}.png"
    tab.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    if element is None:
        tab.page.screenshot(path=str(path))
    else:
        # A clip of the whole page, unscrolled: no sticky header can cover the element.
        tab.page.evaluate("() => window.scrollTo(0, 0)")
        box = tab.page.locator(element).bounding_box()
        assert box is not None, element
        clip = {
            "x": box["x"],
            "y": box["y"],
            "width": box["width"],
            "height": min(box["height"], 800),
        }
        tab.page.screenshot(path=str(path), clip=clip, full_page=True)  # type: ignore[arg-type]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width <= 1200 and height <= 800, (name, width, height)
    assert len(data) < MAX_BYTES, f"{path.name} is {len(data)} bytes"
    return path


def test_regenerate_the_docs_screenshots(tab: Tab) -> None:
    served = tab.served
    link = "key=bsk_test_default&kind=refund&since=2025-09-01T00:00:00%2B02:00&page_size=10"
    for query in ("page=2&pageSize=20", "kind=refund&page_size=3"):
        served.transactions("bsk_test_default", query)
    tab.open(link)
    tab.page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=journal] [data-journal-id]').length >= 2",
        timeout=10_000,
    )
    tab.wait_table(*expected(served, "bsk_test_default", link.split("&", 1)[1]))
    save(tab, "ledger")

    tab.open("key=bsk_test_docs")
    client = {
        "": "Bearer bsk_test_docs",
        "?pageSize=5": "Bearer bsk_test_docs",
        "?kinds=topup": "Bearer bsk_test_docs",
        "?from=2025-01-01": "Bearer bsk_test_docs",
        "?since=2025-01-01T00:00:00+02:00": "Bearer bsk_test_docs",
        "/?page=2": "Bearer bsk_test_docs",
        "?page=1": "Bearer bsk_test_revoked",
    }
    for suffix, authorization in client.items():
        requests.get(
            f"{served.api}{TRANSACTIONS}{suffix}",
            headers={"Authorization": authorization},
            timeout=30,
        )
    tab.page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=journal] [data-journal-id]').length >= 7",
        timeout=10_000,
    )
    save(tab, "journal", "section:has([data-testid=journal])")

    tab.testid("fault-kind").select_option("rate_limit")
    tab.testid("fault-count").fill("2")
    tab.testid("fault-retry-after").fill("5")
    tab.testid("fault-inject").click()
    tab.page.wait_for_selector("[data-testid=faults-active] [data-fault-kind=rate_limit]")
    tab.testid("fault-kind").select_option("latency")
    tab.testid("fault-count").fill("")
    tab.testid("fault-share").fill("0.25")
    tab.testid("fault-latency-ms").fill("300")
    tab.testid("fault-inject").click()
    tab.page.wait_for_selector("[data-testid=faults-active] [data-fault-kind=latency]")
    tab.testid("drift-start").click()
    tab.page.wait_for_function(
        "() => !/off|unknown/.test(document.querySelector('[data-testid=drift-status]')"
        ".textContent)",
        timeout=10_000,
    )
    save(tab, "faults", "section:has([data-testid=fault-inject])")
