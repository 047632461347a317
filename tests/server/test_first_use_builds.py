"""Which requests have their ledger generated on a thread before the app answers.

The bridge asks ``needs_build`` before answering on the event loop: a request
whose key opens an ungenerated ledger gets it built on a thread, so the other
clients of the worker are not stalled. The endpoint names its key in
``Authorization``; the console's data calls that read a whole ledger (balance,
export) name theirs in ``?key=`` (their ``Authorization`` carries the control
token), and are covered too, revoked keys included (the chart shows them). With
a control token, a console call without it builds nothing: the guard refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver import create_app, ledger_store
from mockserver.server.serving import _builder


@pytest.fixture
def needs_build() -> Callable[[dict[str, Any]], Callable[[], object] | None]:
    return _builder(ledger_store(create_app()))


def _environ(path: str, query: str = "", authorization: str | None = None) -> dict[str, Any]:
    environ: dict[str, Any] = {"PATH_INFO": path, "QUERY_STRING": query}
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    return environ


ENDPOINT = "/api/v1/me/billing/transactions"


def test_the_endpoint_key_in_authorization_is_built_on_a_thread(
    needs_build: Callable[[dict[str, Any]], Callable[[], object] | None],
) -> None:
    assert needs_build(_environ(ENDPOINT, authorization="Bearer bsk_test_huge")) is not None
    assert needs_build(_environ(ENDPOINT, authorization="Bearer bsk_test_revoked")) is None
    assert needs_build(_environ(ENDPOINT, authorization="Basic a b")) is None
    assert needs_build(_environ(ENDPOINT)) is None


@pytest.mark.parametrize("call", ["balance", "export"])
def test_a_console_data_call_names_its_key_in_the_query(
    needs_build: Callable[[dict[str, Any]], Callable[[], object] | None], call: str
) -> None:
    path = f"/__mock/console/api/{call}"
    token = "Bearer control-token-0123456789"
    assert needs_build(_environ(path, "key=bsk_test_huge&points=10", token)) is not None
    assert needs_build(_environ(path, "points=10", token)) is None
    assert needs_build(_environ(path, "key=bsk_test_nope", token)) is None
    assert needs_build(_environ(path, "key=bsk_test_huge&key=bsk_test_huge", token)) is None
    # Elsewhere a ?key= names nothing to build (the endpoint ignores unknown parameters),
    # and the journal's key filter reads no ledger.
    assert needs_build(_environ(ENDPOINT, "key=bsk_test_huge")) is None
    assert needs_build(_environ("/__mock/console/api/journal", "key=bsk_test_huge")) is None
    assert needs_build(_environ("/__mock/console/api/balancex", "key=bsk_test_huge")) is None


def test_a_revoked_key_is_built_for_the_console_only(
    needs_build: Callable[[dict[str, Any]], Callable[[], object] | None],
) -> None:
    console = _environ("/__mock/console/api/balance", "key=bsk_test_revoked")
    build = needs_build(console)
    assert build is not None  # the chart shows a revoked key's account
    assert needs_build(_environ(ENDPOINT, authorization="Bearer bsk_test_revoked")) is None
    build()
    assert needs_build(console) is None


def test_a_malformed_bearer_header_builds_nothing(
    needs_build: Callable[[dict[str, Any]], Callable[[], object] | None],
) -> None:
    for header in ("Bearer\tbsk_test_huge", "Bearer bsk_test_huge,Bearer x"):
        assert needs_build(_environ(ENDPOINT, authorization=header)) is None


CONTROL_TOKEN = "ctl_" + "A1b2-C3d4_E5f6.G7h8~"


@pytest.mark.parametrize("call", ["balance", "export"])
def test_with_a_control_token_only_an_authenticated_console_call_builds(call: str) -> None:
    store = ledger_store(create_app(control=True, control_token=CONTROL_TOKEN))
    needs_build = _builder(store, control_token=CONTROL_TOKEN)
    path = f"/__mock/console/api/{call}"
    assert needs_build(_environ(path, "key=bsk_test_huge")) is None
    assert needs_build(_environ(path, "key=bsk_test_huge", "Bearer wrong-token-0123456")) is None
    assert needs_build(_environ(path, "key=bsk_test_huge", f"Basic {CONTROL_TOKEN}")) is None
    authorised = _environ(path, "key=bsk_test_huge", f"Bearer {CONTROL_TOKEN}")
    assert needs_build(authorised) is not None
    # The endpoint's own key is unaffected by the control token.
    assert needs_build(_environ(ENDPOINT, authorization="Bearer bsk_test_huge")) is not None


def test_once_built_nothing_is_built_again(
    needs_build: Callable[[dict[str, Any]], Callable[[], object] | None],
) -> None:
    build = needs_build(_environ("/__mock/console/api/balance", "key=bsk_test_docs"))
    assert build is not None
    build()
    assert needs_build(_environ("/__mock/console/api/balance", "key=bsk_test_docs")) is None
    assert needs_build(_environ(ENDPOINT, authorization="Bearer bsk_test_docs")) is None
