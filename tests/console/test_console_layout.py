"""Small things a person sees: the key picker's text shown whole, no empty gaps, keys told apart."""

from __future__ import annotations

import requests

from .support import TRANSACTIONS, Tab, wait_until


def test_the_key_pickers_options_are_shown_whole(tab: Tab) -> None:
    tab.page.set_viewport_size({"width": 1400, "height": 900})
    try:
        tab.open("key=bsk_test_huge")
        overflow = tab.page.evaluate(
            """() => {
                const select = document.querySelector('[data-testid=key-picker]');
                const context = document.createElement('canvas').getContext('2d');
                context.font = getComputedStyle(select).font;
                const widest = Math.max(...[...select.options]
                    .map(o => context.measureText(o.textContent).width));
                return widest - (select.clientWidth - 28);  // the arrow and padding
            }"""
        )
        assert overflow <= 0, f"the widest key label is cut by {overflow:.0f} px"
        titles = tab.page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=key-picker] option')]"
            ".map(o => o.title)"
        )
        assert any("account huge" in title for title in titles), titles
    finally:
        tab.page.set_viewport_size({"width": 1200, "height": 800})


def test_an_empty_control_status_takes_no_room(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    status = tab.testid("control-status")
    assert (status.text_content() or "") == ""
    box = status.bounding_box()
    assert box is None or box["height"] == 0, box


def test_the_journal_tells_two_keys_of_one_account_apart(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    marks = {}
    for key, page in (("bsk_test_default", 771001), ("bsk_test_default_2", 771002)):
        response = requests.get(
            f"{tab.served.api}{TRANSACTIONS}?page={page}",
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert response.status_code == 200
        marks[key] = f"page={page}"

    def meta(mark: str) -> str:
        text: str = tab.page.evaluate(
            """(m) => {
                const entries = document.querySelectorAll(
                    '[data-testid=journal] [data-journal-id]');
                const hit = [...entries].find(e => e.textContent.includes(m));
                return hit ? hit.querySelector('.entry-meta').textContent : '';
            }""",
            mark,
        )
        return text

    assert wait_until(lambda: all(meta(mark) for mark in marks.values()))
    first, second = (meta(marks[key]) for key in ("bsk_test_default", "bsk_test_default_2"))
    strip = [part for part in first.split(" · ") if not part.startswith(("#", "+"))]
    other = [part for part in second.split(" · ") if not part.startswith(("#", "+"))]
    key_parts = [p for p in strip if "account" in p], [p for p in other if "account" in p]
    assert key_parts[0] != key_parts[1], (first, second)
    assert "bsk_test_default" not in first.replace("bsk_test_…", "")
