"""The serve-time speed-ups change nothing a client can see.

The fast path (the hot endpoint answered below Flask), the page cache and the
rendered-item cache must give the same status line, headers and bytes as the
plain Flask route with every cache off.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from typing import Any

import orjson
import pytest
from flask import Flask

from mockserver import controls, create_app, ledger_store, read_result
from mockserver.core.query import Query, select
from mockserver.core.rendering import render_entry, render_page
from mockserver.core.store import LedgerStore
from mockserver.http.app import PAGE_CACHE
from mockserver.http.pagecache import ResponseCache
from mockserver.http.paths import TRANSACTIONS_PATH

KEYS = ("bsk_test_default", "bsk_test_docs", "bsk_test_empty", "bsk_test_ties")
REQUESTS: list[tuple[str, str, str, str | None]] = [
    ("GET", TRANSACTIONS_PATH, "", "Bearer bsk_test_default"),
    ("HEAD", TRANSACTIONS_PATH, "page=2", "Bearer bsk_test_default"),
    ("GET", TRANSACTIONS_PATH, "page=2&page_size=7&kind=refund", "bearer   bsk_test_default_2"),
    (
        "GET",
        TRANSACTIONS_PATH,
        "since=2025-01-01&until=2025-06-01T00:00:00Z",
        "Bearer bsk_test_ties",
    ),
    ("GET", TRANSACTIONS_PATH, "page=99999", "Bearer bsk_test_docs"),
    ("GET", TRANSACTIONS_PATH, "page_size=200", "Bearer bsk_test_empty"),
    ("GET", TRANSACTIONS_PATH, "page=0", "Bearer bsk_test_default"),
    ("HEAD", TRANSACTIONS_PATH, "page=x", "Bearer bsk_test_default"),
    ("GET", TRANSACTIONS_PATH, "page=1&page=1", "Bearer bsk_test_default"),
    ("GET", TRANSACTIONS_PATH, "kind=topup,refund", "Bearer bsk_test_default"),
    ("GET", TRANSACTIONS_PATH, "page=0", None),
    ("GET", TRANSACTIONS_PATH, "", ""),
    ("GET", TRANSACTIONS_PATH, "", "Basic abc"),
    ("GET", TRANSACTIONS_PATH, "", "Bearer\tbsk_test_default"),
    ("GET", TRANSACTIONS_PATH, "", "Bearer bsk_test_default, Bearer bsk_test_default"),
    ("GET", TRANSACTIONS_PATH, "page=x", "Bearer bsk_test_revoked"),
    ("GET", TRANSACTIONS_PATH, "", "Bearer nope"),
    ("POST", TRANSACTIONS_PATH, "", "Bearer bsk_test_default"),
    ("OPTIONS", TRANSACTIONS_PATH, "", None),
    ("GET", TRANSACTIONS_PATH + "/", "", "Bearer bsk_test_default"),
    ("GET", "/api/v1/me/billing", "", "Bearer bsk_test_default"),
    ("GET", "/", "", None),
    ("GET", TRANSACTIONS_PATH, "x=" + "a" * 10_000 + "&page=2", "Bearer bsk_test_default"),
]


def _call(app: Flask, method: str, path: str, query: str, auth: str | None) -> tuple[Any, ...]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if auth is not None:
        environ["HTTP_AUTHORIZATION"] = auth
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, list(headers)

    result: Iterable[bytes] = app(environ, start_response)  # type: ignore[arg-type]
    body = read_result(result)
    return seen["status"], seen["headers"], body


def _flask_only() -> Flask:
    """The same app forced onto the Flask route: a request hook disables the fast path."""
    app = create_app(page_cache_bytes=0)

    @app.before_request
    def _hook() -> None:
        return None

    return app


@pytest.fixture(scope="module")
def reference() -> Flask:
    return _flask_only()


@pytest.mark.parametrize(("method", "path", "query", "auth"), REQUESTS)
def test_fast_path_answers_as_flask_does(
    reference: Flask, method: str, path: str, query: str, auth: str | None
) -> None:
    fast = create_app()
    expected = _call(reference, method, path, query, auth)
    first = _call(fast, method, path, query, auth)
    again = _call(fast, method, path, query, auth)  # now from the page cache when cacheable
    assert first == expected
    assert again == expected
    if method == "HEAD":
        assert expected[2] == b""


def test_page_cache_counts_hits_and_stays_bounded() -> None:
    app = create_app(page_cache_bytes=64 * 1024)
    cache: ResponseCache[Any, Any] = app.extensions[PAGE_CACHE]
    for page in range(1, 40):
        for _ in range(2):
            _call(app, "GET", TRANSACTIONS_PATH, f"page={page}", "Bearer bsk_test_default")
    stats = cache.stats()
    assert stats.hits == 39
    assert stats.misses == 39
    assert stats.bytes <= 64 * 1024
    assert 0 < stats.entries < 39
    assert stats.hit_rate == 0.5


def test_unauthenticated_answers_never_fill_the_cache() -> None:
    app = create_app()
    cache: ResponseCache[Any, Any] = app.extensions[PAGE_CACHE]
    _call(app, "GET", TRANSACTIONS_PATH, "page=1", "Bearer nope")
    _call(app, "GET", TRANSACTIONS_PATH, "page=1", None)
    assert cache.stats().entries == 0


def test_the_page_cache_pauses_while_pages_drift() -> None:
    """With the control layers but no drift, answers are kept; drifting ones never are."""
    app = create_app(control=True)
    cache: ResponseCache[Any, Any] = app.extensions[PAGE_CACHE]
    drift = controls(app).drift
    assert drift is not None
    steady = _call(app, "GET", TRANSACTIONS_PATH, "page_size=5", "Bearer bsk_test_docs")
    assert cache.active and cache.stats().entries == 1
    drift.start(hold_back=3)
    assert not cache.active
    drifting = _call(app, "GET", TRANSACTIONS_PATH, "page_size=5", "Bearer bsk_test_docs")
    assert drifting != steady  # the newest entries are held back, not the kept answer
    assert cache.stats().entries == 1
    drift.stop()
    assert _call(app, "GET", TRANSACTIONS_PATH, "page_size=5", "Bearer bsk_test_docs") == steady
    assert cache.stats().hits == 1


def test_response_cache_rejects_a_negative_bound() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        ResponseCache(max_bytes=-1)


@pytest.mark.parametrize("key", KEYS)
def test_render_page_is_orjson_of_the_page_object(key: str) -> None:
    store = LedgerStore(ledger_store(create_app()).config)
    _, account = store.key_status(key)
    assert account is not None
    ledger = store.ledger(account)
    for page, page_size, kind in [(1, 50, None), (2, 7, "refund"), (1, 200, None), (9, 1, "topup")]:
        selection = select(ledger, Query(page=page, page_size=page_size, kind=kind))
        items = [render_entry(ledger, int(p)) for p in selection.positions]
        expected = orjson.dumps(
            {"items": items, "total": selection.total, "page": page, "page_size": page_size}
        )
        assert render_page(ledger, selection, page=page, page_size=page_size) == expected
        for _ in range(2):
            cached = render_page(
                ledger, selection, page=page, page_size=page_size, items=store.render_item
            )
            assert cached == expected
    info = store.item_cache_info()
    assert info.hits >= info.misses or len(ledger) == 0


def test_rendered_items_die_with_their_app() -> None:
    """The item cache is the store's: apps built and dropped leave nothing alive."""
    import gc
    import weakref

    stores = []
    for _ in range(3):
        app = create_app(page_cache_bytes=0)
        client = app.test_client()
        response = client.get(TRANSACTIONS_PATH, headers={"Authorization": "Bearer bsk_test_docs"})
        assert response.status_code == 200
        store = ledger_store(app)
        assert store.item_cache_info().size > 0
        stores.append(weakref.ref(store))
        del app, client, response, store
    gc.collect()
    assert [ref() for ref in stores] == [None, None, None]
