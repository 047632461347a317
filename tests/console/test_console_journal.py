"""The live journal: a client's request shows within 1 s, near misses with their hint."""

from __future__ import annotations

import itertools
import time

import requests

from .support import TRANSACTIONS, Tab, wait_until

JOURNAL_PROMISE_S = 1.0  # the issue: "a request made by a client appears ... within 1 s"
_markers = itertools.count(900_001)

# (name, path suffix after the API base, query before the marker, key header, hint words)
# The hint must contain one of the words (lower case): it names what was meant.
NEAR_MISSES = [
    ("pageSize", TRANSACTIONS, "pageSize=5&", "Bearer bsk_test_docs", ("page_size",)),
    ("page-size", TRANSACTIONS, "page-size=5&", "Bearer bsk_test_docs", ("page_size",)),
    ("kinds", TRANSACTIONS, "kinds=topup&", "Bearer bsk_test_docs", ("kind",)),
    ("from", TRANSACTIONS, "from=2025-01-01&", "Bearer bsk_test_docs", ("since",)),
    ("to", TRANSACTIONS, "to=2025-01-01&", "Bearer bsk_test_docs", ("until",)),
    ("trailing-slash", TRANSACTIONS + "/", "", "Bearer bsk_test_docs", ("slash",)),
    (
        "unencoded-plus",
        TRANSACTIONS,
        "since=2025-01-01T00:00:00+02:00&",
        "Bearer bsk_test_docs",
        ("%2b",),
    ),
    ("revoked-key", TRANSACTIONS, "", "Bearer bsk_test_revoked", ("revoked",)),
    ("unknown-key", TRANSACTIONS, "", "Bearer bsk_test_nope", ("unknown", "not one of")),
    ("auth-scheme", TRANSACTIONS, "", "Token bsk_test_docs", ("bearer",)),
]


def client_request(tab: Tab, path: str, query: str, authorization: str) -> tuple[str, int]:
    """A request as a client makes it (``+`` left as sent); its target and status."""
    target = f"/api/v1{path}?{query}"
    response = requests.get(
        tab.served.base + target, headers={"Authorization": authorization}, timeout=30
    )
    return target, response.status_code


def entry_for(tab: Tab, target: str) -> str:
    """A selector of the journal entry whose text holds ``target``; waits for it (timed)."""
    started = time.monotonic()
    handle = tab.page.wait_for_function(
        """(target) => {
            const hit = [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
                .find(e => e.textContent.includes(target));
            return hit ? hit.dataset.journalId : null;
        }""",
        arg=target,
        polling=25,
        timeout=10_000,
    )
    waited = time.monotonic() - started
    assert waited <= JOURNAL_PROMISE_S, f"{target} took {waited:.2f} s to reach the journal"
    return f"[data-testid=journal] [data-journal-id='{handle.json_value()}']"


def test_near_misses_show_in_the_journal_within_a_second_with_their_hint(tab: Tab) -> None:
    """Every near miss at once (one page load): each entry within 1 s of its answer."""
    tab.open("key=bsk_test_docs")
    sent = []
    for name, path, query, authorization, words in NEAR_MISSES:
        target, status = client_request(tab, path, f"{query}page={next(_markers)}", authorization)
        sent.append((name, target, status, words, time.monotonic()))
    seen: dict[str, tuple[str, float]] = {}
    deadline = time.monotonic() + 10
    while len(seen) < len(sent) and time.monotonic() < deadline:
        found = tab.page.evaluate(
            """(targets) => {
                const entries = [...document.querySelectorAll(
                    '[data-testid=journal] [data-journal-id]')];
                return targets.map(t => entries.find(e => e.textContent.includes(t)))
                    .map(e => e ? e.dataset.journalId : null);
            }""",
            [target for _, target, _, _, _ in sent],
        )
        now = time.monotonic()
        for (_, target, _, _, _), journal_id in zip(sent, found, strict=True):
            if journal_id is not None and target not in seen:
                seen[target] = (journal_id, now)
        time.sleep(0.025)
    failures = []
    for name, target, status, words, answered in sent:
        if target not in seen:
            failures.append(f"{name}: {target} never reached the journal")
            continue
        journal_id, shown_at = seen[target]
        if shown_at - answered > JOURNAL_PROMISE_S:
            failures.append(f"{name}: took {shown_at - answered:.2f} s to reach the journal")
        entry = tab.page.locator(f"[data-testid=journal] [data-journal-id='{journal_id}']")
        if entry.get_attribute("data-status") != str(status):
            failures.append(f"{name}: data-status {entry.get_attribute('data-status')} != {status}")
        hint = entry.locator("[data-testid=journal-hint]")
        if hint.count() != 1 or not hint.is_visible():
            failures.append(f"{name}: no visible hint")
            continue
        text = (hint.text_content() or "").lower()
        if not any(word in text for word in words):
            failures.append(f"{name}: hint {text!r} names none of {words}")
    assert failures == [], "\n".join(failures)
    tab.screenshot("journal-near-misses", around="journal")


def test_a_clean_request_shows_its_details_and_no_hint(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    target, status = client_request(
        tab, TRANSACTIONS, f"kind=topup&page_size=3&page={next(_markers)}", "Bearer bsk_test_docs"
    )
    assert status == 200
    entry = tab.page.locator(entry_for(tab, target))
    assert entry.get_attribute("data-status") == "200"
    assert entry.locator("[data-testid=journal-hint]").count() == 0
    text = entry.text_content() or ""
    assert "bsk_test_docs" not in text.replace("bsk_test_…", ""), "the key must be redacted"

    bad, status = client_request(
        tab, TRANSACTIONS, f"page_size=0&page={next(_markers)}", "Bearer bsk_test_docs"
    )
    assert status == 400
    text = tab.page.locator(entry_for(tab, bad)).text_content() or ""
    assert "invalid_request_error" in text and "page_size" in text, text
    tab.screenshot("journal", around="journal")


def test_the_journal_is_newest_first_and_filters_by_key(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    docs, _ = client_request(tab, TRANSACTIONS, f"page={next(_markers)}", "Bearer bsk_test_docs")
    other, _ = client_request(
        tab, TRANSACTIONS, f"page={next(_markers)}", "Bearer bsk_test_default"
    )
    entry_for(tab, other)
    order = tab.page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
              .map(e => e.textContent)"""
    )
    positions = [next(i for i, text in enumerate(order) if t in text) for t in (other, docs)]
    assert positions == sorted(positions), "newest first"

    picker = tab.testid("journal-key-filter")
    options = picker.evaluate("(s) => [...s.options].map(o => [o.value, o.textContent])")
    assert options[0][0] == "", "the first option is every key"
    (docs_value,) = [v for v, label in options if "docs" in v or "docs" in label]
    picker.select_option(docs_value)

    def shown(target: str) -> bool:
        return bool(
            tab.page.evaluate(
                """(t) => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
                      .some(e => e.textContent.includes(t) && e.checkVisibility())""",
                target,
            )
        )

    assert wait_until(lambda: shown(docs) and not shown(other)), "the filter keeps docs only"
    picker.select_option("")
    assert wait_until(lambda: shown(docs) and shown(other)), "every key again"


def test_the_consoles_own_requests_show_only_when_asked(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")  # the page's own API call is journaled, marked console

    def entries() -> int:
        return int(
            tab.page.evaluate(
                """() => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
                      .filter(e => e.checkVisibility()).length"""
            )
        )

    tab.page.wait_for_timeout(700)  # more than one polling period
    assert entries() == 0, "the console's own requests are hidden by default"
    box = tab.testid("journal-show-console")
    box.check()
    tab.page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
              .some(e => e.checkVisibility() && e.dataset.status === '200')""",
        timeout=5_000,
    )
    box.uncheck()
    tab.page.wait_for_function(
        """() => ![...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
              .some(e => e.checkVisibility())""",
        timeout=5_000,
    )


def test_clear_empties_the_journal(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    target, _ = client_request(tab, TRANSACTIONS, f"page={next(_markers)}", "Bearer bsk_test_docs")
    entry_for(tab, target)
    tab.testid("journal-clear").click()
    assert wait_until(lambda: tab.served.control("GET", "journal").json()["requests"] == [])
    assert wait_until(
        lambda: tab.page.locator("[data-testid=journal] [data-journal-id]").count() == 0
    )
    assert tab.testid("journal-empty").is_visible()
    again, _ = client_request(tab, TRANSACTIONS, f"page={next(_markers)}", "Bearer bsk_test_docs")
    entry_for(tab, again)  # the journal goes on after a clear


def _burst(tab: Tab, count: int) -> list[int]:
    """``count`` client requests while the page cannot read the journal; their ids.

    The page's journal reads are routed through this (sync) Playwright client,
    which answers none of them while the burst is sent: the page's next read
    sees the whole burst at once, as a slow tab would.
    """
    before = tab.served.control("GET", "console/api/journal?limit=1").json()["latest"]
    tab.page.route("**/__mock/console/api/journal*", lambda route: route.continue_())
    try:
        with requests.Session() as session:
            for _ in range(count):
                response = session.get(
                    f"{tab.served.api}{TRANSACTIONS}?page_size=1&page={next(_markers)}",
                    headers={"Authorization": "Bearer bsk_test_docs"},
                    timeout=30,
                )
                assert response.status_code == 200
        listing = tab.served.control(
            "GET", f"console/api/journal?after={before}&limit=1000&order=asc"
        ).json()
        ids = [entry["id"] for entry in listing["entries"] if not entry["console"]]
        assert len(ids) == count
        tab.page.wait_for_timeout(50)  # let the held reads go
    finally:
        tab.page.unroute("**/__mock/console/api/journal*")
    return ids


def _shown(tab: Tab, ids: list[int]) -> list[int]:
    shown: list[str] = tab.page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
              .map(e => e.dataset.journalId)"""
    )
    wanted = set(ids)
    return [int(i) for i in shown if int(i) in wanted]


def test_a_burst_larger_than_one_read_is_shown_whole(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    tab.page.wait_for_timeout(700)  # the first read (the newest) is done
    ids = _burst(tab, 450)  # more than one read (200), fewer than the page keeps (500)
    assert wait_until(lambda: len(_shown(tab, ids)) == len(ids), timeout=10), (
        f"{len(_shown(tab, ids))} of {len(ids)} burst requests shown"
    )
    assert _shown(tab, ids) == sorted(ids, reverse=True)  # newest first, none skipped
    assert tab.testid("journal-gap").count() == 0


def test_a_burst_larger_than_the_page_keeps_says_what_it_skipped(tab: Tab) -> None:
    tab.open("key=bsk_test_docs")
    tab.page.wait_for_timeout(700)
    ids = _burst(tab, 650)
    assert wait_until(lambda: max(ids) in _shown(tab, ids), timeout=10)
    gap = tab.testid("journal-gap")
    assert gap.count() == 1 and gap.is_visible()
    skipped = int(gap.get_attribute("data-skipped") or "0")
    assert skipped == len(ids) - len(_shown(tab, ids))  # the rest of the burst, counted
    assert "not shown" in (gap.text_content() or "")
