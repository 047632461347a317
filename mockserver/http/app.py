"""The plain HTTP app: routing, auth, validation, then the pure query engine.

Order matters and is the contract's: routing (404/405) before authentication
(401) before the query string (400). Nothing here knows of the test layers
(``mockserver.testing``): they wrap this app from outside, and may serve the
store through a view of it (``source``, what drift does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from ..core.config import MockConfig, builtin_config
from ..core.errors import NotInstrumentedError
from ..core.store import LedgerSource, LedgerStore
from .envelope import JSON, error_body, internal_error_body
from .fastpath import FastPath, PageCache, answer
from .pagecache import DEFAULT_PAGE_CACHE_BYTES, ResponseCache
from .paths import API_PREFIX, TRANSACTIONS_PATH

__all__ = [
    "API_PREFIX",
    "EXTENSION",
    "PAGE_CACHE",
    "TRANSACTIONS_PATH",
    "create_app",
    "ledger_store",
    "page_cache",
]

EXTENSION = "ledger_mock"
PAGE_CACHE = "ledger_mock.page_cache"
_ERROR_TYPES = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
_log = logging.getLogger(__name__)


def ledger_store(app: Flask) -> LedgerStore:
    """The store an app built by ``create_app`` serves (``NotInstrumentedError`` otherwise)."""
    try:
        store: LedgerStore = app.extensions[EXTENSION]
    except KeyError:
        raise NotInstrumentedError("this app was not built by mockserver.create_app") from None
    return store


def page_cache(app: Flask) -> PageCache:
    """The cache of whole answers of an app built by ``create_app``."""
    cache: PageCache = app.extensions[PAGE_CACHE]
    return cache


def _list_transactions(source: LedgerSource, cache: PageCache, store: LedgerStore) -> Response:
    code, body, headers = answer(
        source,
        cache,
        request.headers.get("Authorization"),
        request.environ.get("QUERY_STRING", ""),
        store.render_item,
    )
    response = Response(body, status=code, content_type=JSON)
    response.headers.extend(headers)
    return response


def _http_error(error: HTTPException) -> WerkzeugResponse:
    """Keep Werkzeug's response (and its headers) but give it the contract's body."""
    response = error.get_response()
    status = error.code or 500
    error_type = _ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")
    message = {404: "no such endpoint", 405: "method not allowed"}.get(
        status, error.description or error.name
    )
    if status == 405 and request.path == TRANSACTIONS_PATH:  # elsewhere Werkzeug's Allow stands
        message = "method not allowed: use GET or HEAD"
        response.headers["Allow"] = "GET, HEAD"
    response.set_data(error_body(error_type, message))
    response.content_type = JSON
    response.headers.pop("WWW-Authenticate", None)
    return response


def _unexpected(error: Exception) -> Response:
    _log.exception("unexpected error", exc_info=error)
    return Response(internal_error_body(), status=500, content_type=JSON)


def create_app(
    config: MockConfig | None = None,
    *,
    page_cache_bytes: int = DEFAULT_PAGE_CACHE_BYTES,
    source: Callable[[LedgerStore], LedgerSource] | None = None,
    cache_paused: Callable[[], bool] | None = None,
) -> Flask:
    """A Flask app serving ``config`` (the built-in test keys when ``None``), nothing else.

    ``page_cache_bytes`` bounds the cache of whole answers (0 turns it off).
    ``source(store)`` serves the store through a view of it (drift's); while
    ``cache_paused()`` is true answers are not a function of the query alone,
    and the page cache neither keeps nor gives them.
    """
    app = Flask(__name__)
    app.url_map.merge_slashes = False  # '/a//b' is an unknown path (404), not a redirect
    store = LedgerStore(config if config is not None else builtin_config())
    app.extensions[EXTENSION] = store
    served: LedgerSource = store if source is None else source(store)
    cache: PageCache = ResponseCache(max_bytes=page_cache_bytes, paused=cache_paused)
    app.extensions[PAGE_CACHE] = cache
    app.wsgi_app = FastPath(app, served, cache, app.wsgi_app, store.render_item)  # type: ignore[method-assign]
    app.add_url_rule(
        TRANSACTIONS_PATH,
        endpoint="transactions",
        view_func=lambda: _list_transactions(served, cache, store),
        methods=["GET"],
        provide_automatic_options=False,
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app
