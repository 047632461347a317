"""Keyboard only: Tab from the top reaches every control in DOM order, with a visible focus,
and Enter / Space operate them."""

from __future__ import annotations

from typing import Any

from .support import Tab, expected, query_of, wait_until

CONTROLS = [
    "key-picker",
    "kind-filter",
    "since",
    "until",
    "page",
    "page-size",
    "page-prev",
    "page-next",
    "reload",
    "raw-json-toggle",
    "journal-key-filter",
    "journal-show-console",
    "journal-clear",
    "fault-kind",
    "fault-count",
    "fault-share",
    "fault-retry-after",
    "fault-latency-ms",
    "fault-inject",
    "faults-clear",
    "drift-hold-back",
    "drift-per-request",
    "drift-start",
    "drift-stop",
    "export-format",
    "export-download",
]
MAX_TABS = 80
POSITIVE_TABINDEX = '[tabindex]:not([tabindex="-1"]):not([tabindex="0"])'
# Fields the fault form may show only for their kind (the interface: "rate_limit", "latency").
KIND_FIELDS = {"fault-retry-after": "rate_limit", "fault-latency-ms": "latency"}

_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        id: el.dataset.testid || el.closest('[data-testid]')?.dataset.testid || el.tagName,
        tag: el.tagName,
        visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
            || style.boxShadow !== 'none',
    };
}"""


def traverse(tab: Tab) -> list[dict[str, Any]]:
    """What Tab focuses, press after press, from a freshly loaded page."""
    seen: list[dict[str, Any]] = []
    for _ in range(MAX_TABS):
        tab.page.keyboard.press("Tab")
        focused = tab.page.evaluate(_FOCUSED)
        if focused is None:
            continue
        if seen and focused["id"] == seen[0]["id"]:
            break  # wrapped around
        seen.append(focused)
    return seen


def dom_order(tab: Tab, ids: list[str]) -> list[str]:
    ordered: list[str] = tab.page.evaluate(
        """(ids) => ids.map(id => document.querySelector(`[data-testid="${id}"]`))
              .filter(Boolean)
              .sort((a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING
                  ? -1 : 1)
              .map(el => el.dataset.testid)""",
        ids,
    )
    return ordered


def test_tab_from_the_top_reaches_every_control_in_order(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    focused = traverse(tab)
    reached = [f["id"] for f in focused]
    unseen = [c for c in CONTROLS if c not in reached]
    for control in [c for c in unseen if c in KIND_FIELDS]:  # shown for their kind only
        tab.open("key=bsk_test_docs")
        tab.testid("fault-kind").select_option(KIND_FIELDS[control])
        tab.page.evaluate("() => document.activeElement.blur()")
        again = [f["id"] for f in traverse(tab)]
        if control in again:
            unseen.remove(control)
    assert unseen == [], f"Tab never reaches {unseen}; it reached {reached}"
    listed = [r for r in dict.fromkeys(reached) if r in CONTROLS]
    assert listed == dom_order(tab, listed), "Tab order is not reading (DOM) order"
    no_ring = [f["id"] for f in focused if not f["visible"]]
    assert no_ring == [], f"no visible focus on {no_ring}"
    buttons = ["page-prev", "page-next", "reload", "raw-json-toggle", "journal-clear"]
    buttons += ["fault-inject", "faults-clear", "drift-start", "drift-stop", "export-download"]
    tags = {f["id"]: f["tag"] for f in focused}
    assert {b: tags.get(b) for b in buttons} == dict.fromkeys(buttons, "BUTTON")
    assert tab.page.locator(POSITIVE_TABINDEX).count() == 0, "no tabindex > 0"


def focus(tab: Tab, control: str) -> None:
    """Press Tab until ``control`` has the focus (never clicking)."""
    for _ in range(MAX_TABS):
        focused = tab.page.evaluate(_FOCUSED)
        if focused is not None and focused["id"] == control:
            return
        tab.page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {control}")


def test_enter_and_space_operate_the_controls(tab: Tab) -> None:
    served = tab.served
    tab.open("key=bsk_test_docs")
    keyboard = tab.page.keyboard

    focus(tab, "kind-filter")
    keyboard.press("ArrowDown")  # closed <select>: the next option, and a change
    kind = tab.testid("kind-filter").input_value()
    assert kind != ""
    tab.wait_table(*expected(served, "bsk_test_docs", f"kind={kind}"))

    focus(tab, "page-size")
    keyboard.type("5")
    keyboard.press("Enter")
    tab.wait_table(*expected(served, "bsk_test_docs", f"kind={kind}&page_size=5"))
    keyboard.press("Shift+Tab")
    keyboard.type("2")
    keyboard.press("Enter")
    tab.wait_table(*expected(served, "bsk_test_docs", f"kind={kind}&page_size=5&page=2"))
    assert query_of(tab.page.url) == {
        "key": "bsk_test_docs",
        "kind": kind,
        "page_size": "5",
        "page": "2",
    }

    focus(tab, "raw-json-toggle")
    keyboard.press("Enter")
    assert wait_until(lambda: tab.testid("raw-json").is_visible())
    keyboard.press("Space")
    assert wait_until(lambda: not tab.testid("raw-json").is_visible())

    focus(tab, "journal-show-console")
    keyboard.press("Space")
    assert tab.testid("journal-show-console").is_checked()

    focus(tab, "fault-count")
    keyboard.press("Control+A")
    keyboard.type("1")
    focus(tab, "fault-inject")
    keyboard.press("Enter")
    assert wait_until(lambda: len(served.control("GET", "faults").json()["faults"]) == 1)
    focus(tab, "faults-clear")
    keyboard.press("Space")
    assert wait_until(lambda: served.control("GET", "faults").json()["faults"] == [])

    focus(tab, "drift-start")
    keyboard.press("Enter")
    assert wait_until(lambda: served.control("GET", "drift").json()["active"] is True)
    focus(tab, "drift-stop")
    keyboard.press("Space")
    assert wait_until(lambda: served.control("GET", "drift").json() == {"active": False})

    focus(tab, "export-download")
    with tab.page.expect_download() as info:
        keyboard.press("Enter")
    assert info.value.suggested_filename.startswith("ledger-docs.")
