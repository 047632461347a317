"""With ``--control-token`` the console asks for the token once, then every control call works."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from .support import TRANSACTIONS, Served, Tab, expected, serving, wait_until

TOKEN = "console-test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(workdir=Path(tmp_path_factory.mktemp("guarded")), token=TOKEN) as served:
        yield served


def dialog_visible(tab: Tab) -> bool:
    return bool(tab.testid("token-dialog").is_visible())


def test_the_console_asks_for_the_token_once_and_then_works(
    new_tab: Callable[[Served], Tab], guarded: Served
) -> None:
    assert requests.get(guarded.console, timeout=30).status_code == 200, "the shell is public"
    assert requests.get(f"{guarded.base}/__mock/console/api/journal", timeout=30).status_code == 401
    tab = new_tab(guarded)
    tab.allow_status(401)
    tab.open("key=bsk_test_docs", wait=False)
    tab.testid("token-dialog").wait_for(state="visible", timeout=10_000)
    tab.screenshot("token")

    tab.testid("control-token").fill("wrong-token-wrong-token-wrong")
    tab.testid("control-token-save").click()
    assert wait_until(lambda: dialog_visible(tab)), "a wrong token is asked again"

    tab.testid("control-token").fill(TOKEN)
    tab.testid("control-token-save").click()
    ids, total = expected(guarded, "bsk_test_docs", "")
    tab.wait_table(ids, total)
    assert not dialog_visible(tab)
    assert tab.page.evaluate("() => JSON.stringify(sessionStorage)").count(TOKEN) == 1
    assert tab.testid("control-token").input_value() == "", "the token is not left in the page"

    client = requests.get(
        f"{guarded.api}{TRANSACTIONS}?page=555001",
        headers={"Authorization": "Bearer bsk_test_docs"},
        timeout=30,
    )
    assert client.status_code == 200
    tab.page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=journal] [data-journal-id]')]
              .some(e => e.textContent.includes('page=555001'))""",
        timeout=5_000,
    )
    tab.testid("drift-start").click()
    assert wait_until(lambda: guarded.control("GET", "drift").json().get("active") is True), (
        "a control call with the token"
    )
    tab.testid("drift-stop").click()
    assert wait_until(lambda: guarded.control("GET", "drift").json() == {"active": False})

    tab.open("key=bsk_test_docs&kind=topup")  # a reload in the same tab: not asked again
    ids, total = expected(guarded, "bsk_test_docs", "kind=topup")
    tab.wait_table(ids, total)
    assert not dialog_visible(tab)
