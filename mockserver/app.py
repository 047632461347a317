"""The thin HTTP layer: routing, auth, validation, then the pure query engine.

Order matters and is the contract's: routing (404/405) before authentication
(401) before the query string (400).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from .auth import bearer_token
from .config import MockConfig, builtin_config
from .control import check_control_token, install, layers
from .drift import Drift, LedgerSource
from .errors import error_body
from .faults import Faults
from .journal import Journal
from .pagecache import DEFAULT_PAGE_CACHE_BYTES, MAX_KEY_LENGTH, ResponseCache
from .params import ParamError, parse_query
from .paths import API_PREFIX, TRANSACTIONS_PATH
from .query import select
from .rendering import render_page
from .store import KeyStatus, LedgerStore

__all__ = ["API_PREFIX", "EXTENSION", "PAGE_CACHE", "TRANSACTIONS_PATH", "create_app"]

EXTENSION = "ledger_mock"
PAGE_CACHE = "ledger_mock.page_cache"
JSON = "application/json"
_WWW_AUTHENTICATE = 'Bearer realm="bytespike"'
_ERROR_TYPES = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
_log = logging.getLogger(__name__)


def _error(status: int, error_type: str, message: str, param: str | None = None) -> Response:
    return Response(error_body(error_type, message, param), status=status, content_type=JSON)


# An answer of the endpoint: status, body, and the headers beyond Content-Type/Length.
_Answer = tuple[int, bytes, tuple[tuple[str, str], ...]]
_Cache = ResponseCache[tuple[str, str], tuple[int, bytes]]
_UNAUTHORIZED_HEADERS = (("WWW-Authenticate", _WWW_AUTHENTICATE),)


def _unauthorized(message: str) -> _Answer:
    return 401, error_body("authentication_error", message), _UNAUTHORIZED_HEADERS


def _answer(store: LedgerSource, cache: _Cache, header: str | None, raw_query: str) -> _Answer:
    """The endpoint itself, shared by the fast path and the Flask view.

    Past authentication the answer is a pure function of (account, query string),
    which is what the page cache keeps (it is off while pages drift).
    """
    if header is None or not header.strip(" \t"):
        return _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    token = bearer_token(header)
    if token is None:
        return _unauthorized("malformed Authorization header: expected 'Bearer <key>'")
    status, account = store.key_status(token)
    if status is KeyStatus.REVOKED:
        return _unauthorized("this API key has been revoked")
    if account is None:
        return _unauthorized("unknown API key")
    key = (account, raw_query)
    cacheable = cache.active and len(raw_query) <= MAX_KEY_LENGTH
    if cacheable:
        kept = cache.get(key)
        if kept is not None:
            return kept[0], kept[1], ()
    try:
        query = parse_query(raw_query)
    except ParamError as error:
        code, body = 400, error_body("invalid_request_error", error.message, error.param)
    else:
        ledger = store.ledger(account)
        selection = select(ledger, query)
        code, body = 200, render_page(ledger, selection, page=query.page, page_size=query.page_size)
    if cacheable:
        cache.put(key, (code, body), len(body) + len(raw_query))
    return code, body, ()


def _list_transactions(store: LedgerSource, cache: _Cache) -> Response:
    code, body, headers = _answer(
        store, cache, request.headers.get("Authorization"), request.environ.get("QUERY_STRING", "")
    )
    response = Response(body, status=code, content_type=JSON)
    response.headers.extend(headers)
    return response


_STATUS_LINES = {200: "200 OK", 400: "400 BAD REQUEST", 401: "401 UNAUTHORIZED"}
_NO_BODY: tuple[bytes, ...] = ()
_StartResponse = Callable[..., Any]
_WsgiApp = Callable[[dict[str, Any], _StartResponse], Iterable[bytes]]


def _canonical_target(environ: dict[str, Any]) -> bool:
    """Whether the path as sent (before the server decoded it) names a route at all.

    Servers hand the app a decoded, sometimes slash-merged ``PATH_INFO``; the
    contract's paths are exact, so ``//`` or an encoded ``/`` (``%2F``) anywhere
    in the raw target is an unknown path, not a spelling of a known one.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return True
    path = raw.split("?", 1)[0]
    if "://" in path:  # absolute-form request target
        path = urlsplit(path).path
    return "//" not in path and "%2f" not in path.lower()


class _FastPath:
    """The hot endpoint answered straight from WSGI; everything else goes to Flask.

    Sends exactly what the Flask view sends (status line, headers, body; HEAD
    without the body). Any other path or method, any request while a Flask
    request hook is registered, and any error in here take the Flask route, so
    routing (404/405), hooks and the JSON error handlers behave as before. The
    journal and fault middlewares wrap this callable, so they see every request.
    """

    def __init__(
        self, app: Flask, store: LedgerSource, cache: _Cache, flask_wsgi: _WsgiApp
    ) -> None:
        self._app = app
        self._store = store
        self._cache = cache
        self._flask = flask_wsgi

    def _hooked(self) -> bool:
        app = self._app
        return bool(
            app.before_request_funcs
            or app.after_request_funcs
            or app.teardown_request_funcs
            or app.url_value_preprocessors
            or app.teardown_appcontext_funcs
        )

    def __call__(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if not _canonical_target(environ):
            body = error_body("not_found_error", "no such endpoint")
            start_response(
                "404 NOT FOUND", [("Content-Type", JSON), ("Content-Length", str(len(body)))]
            )
            return _NO_BODY if method == "HEAD" else (body,)
        if (
            environ.get("PATH_INFO") != TRANSACTIONS_PATH
            or method not in ("GET", "HEAD")
            or self._hooked()
        ):
            return self._flask(environ, start_response)
        try:
            code, body, extra = _answer(
                self._store,
                self._cache,
                environ.get("HTTP_AUTHORIZATION"),
                environ.get("QUERY_STRING", ""),
            )
        except Exception:  # the Flask route answers again, with its error handlers
            return self._flask(environ, start_response)
        headers = [("Content-Type", JSON), ("Content-Length", str(len(body))), *extra]
        start_response(_STATUS_LINES[code], headers)
        return _NO_BODY if method == "HEAD" else (body,)


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
    return _error(500, "api_error", "internal error in the mock (please report it)")


def create_app(
    config: MockConfig | None = None,
    *,
    journal: Journal | None = None,
    faults: Faults | None = None,
    drift: Drift | None = None,
    control: bool = False,
    control_token: str | None = None,
    page_cache_bytes: int = DEFAULT_PAGE_CACHE_BYTES,
) -> Flask:
    """A Flask app serving ``config`` (the built-in test keys when ``None``).

    The test layers are off unless given: a request ``journal``, fault injection
    (``faults``), page ``drift``; ``control=True`` adds all three and the
    ``/__mock/`` control API (see ``mockserver.control``); ``control_token`` makes
    that API require ``Authorization: Bearer <control_token>`` (``ValueError``, in
    one line, for a token ``check_control_token`` refuses or without ``control``).
    ``page_cache_bytes`` bounds the cache of whole answers (0 turns it off; it is
    paused while pages drift).
    """
    if control_token is not None:  # before the store is built: a bad flag fails at once
        check_control_token(control_token)
        if not control:
            raise ValueError("a control token needs the control API (control=True)")
    app = Flask(__name__)
    app.url_map.merge_slashes = False  # '/a//b' is an unknown path (404), not a redirect
    store = LedgerStore(config if config is not None else builtin_config())
    app.extensions[EXTENSION] = store
    mock = layers(journal=journal, faults=faults, drift=drift, control=control)
    source: LedgerSource = store if mock is None or mock.drift is None else mock.drift.bind(store)
    drifting = None if mock is None or mock.drift is None else mock.drift
    # Drift pauses the cache while it is on; with drift off the control server keeps it.
    cache: _Cache = ResponseCache(
        max_bytes=page_cache_bytes, paused=None if drifting is None else lambda: drifting.active
    )
    app.extensions[PAGE_CACHE] = cache
    app.wsgi_app = _FastPath(app, source, cache, app.wsgi_app)  # type: ignore[method-assign]
    app.add_url_rule(
        TRANSACTIONS_PATH,
        endpoint="transactions",
        view_func=lambda: _list_transactions(source, cache),
        methods=["GET"],
        provide_automatic_options=False,
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    if mock is not None:
        install(app, store, mock, control_token=control_token)
    return app
