"""The hot endpoint straight from WSGI, and the endpoint itself (shared with the Flask view).

Order matters and is the contract's: routing (404/405) before authentication
(401) before the query string (400).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..core.query import select
from ..core.rendering import render_page
from ..core.store import KeyStatus, LedgerSource
from .auth import bearer_token
from .envelope import error_body, json_headers
from .pagecache import MAX_KEY_LENGTH, ResponseCache
from .params import ParamError, parse_query
from .paths import TRANSACTIONS_PATH
from .wsgi import Environ, StartResponse, WSGIApp

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from flask import Flask

    from ..core.ledger import Ledger

__all__ = ["Answer", "FastPath", "PageCache", "answer"]

_WWW_AUTHENTICATE = 'Bearer realm="bytespike"'

# An answer of the endpoint: status, body, and the headers beyond Content-Type/Length.
Answer = tuple[int, bytes, tuple[tuple[str, str], ...]]
PageCache = ResponseCache[tuple[str, str], tuple[int, bytes]]
_UNAUTHORIZED_HEADERS = (("WWW-Authenticate", _WWW_AUTHENTICATE),)


def _unauthorized(message: str) -> Answer:
    return 401, error_body("authentication_error", message), _UNAUTHORIZED_HEADERS


def answer(
    store: LedgerSource,
    cache: PageCache,
    header: str | None,
    raw_query: str,
    items: Callable[[Ledger, int], bytes],
) -> Answer:
    """The endpoint itself, shared by the fast path and the Flask view.

    Past authentication the answer is a pure function of (account, query string),
    which is what the page cache keeps (it is paused while pages drift).
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
        code, body = (
            200,
            render_page(ledger, selection, page=query.page, page_size=query.page_size, items=items),
        )
    if cacheable:
        cache.put(key, (code, body), len(body) + len(raw_query))
    return code, body, ()


_STATUS_LINES = {200: "200 OK", 400: "400 BAD REQUEST", 401: "401 UNAUTHORIZED"}
_NO_BODY: tuple[bytes, ...] = ()


def _canonical_target(environ: Environ) -> bool:
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


class FastPath:
    """The hot endpoint answered straight from WSGI; everything else goes to Flask.

    Sends exactly what the Flask view sends (status line, headers, body; HEAD
    without the body). Any other path or method, any request while a Flask
    request hook is registered, and any error in here take the Flask route, so
    routing (404/405), hooks and the JSON error handlers behave as before. The
    journal and fault middlewares wrap this callable, so they see every request.
    """

    def __init__(
        self,
        app: Flask,
        store: LedgerSource,
        cache: PageCache,
        flask_wsgi: WSGIApp,
        items: Callable[[Ledger, int], bytes],
    ) -> None:
        self._app = app
        self._store = store
        self._cache = cache
        self._flask = flask_wsgi
        self._items = items

    def _hooked(self) -> bool:
        app = self._app
        return bool(
            app.before_request_funcs
            or app.after_request_funcs
            or app.teardown_request_funcs
            or app.url_value_preprocessors
            or app.teardown_appcontext_funcs
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if not _canonical_target(environ):
            body = error_body("not_found_error", "no such endpoint")
            start_response("404 NOT FOUND", json_headers(body))
            return _NO_BODY if method == "HEAD" else (body,)
        if (
            environ.get("PATH_INFO") != TRANSACTIONS_PATH
            or method not in ("GET", "HEAD")
            or self._hooked()
        ):
            return self._flask(environ, start_response)
        try:
            code, body, extra = answer(
                self._store,
                self._cache,
                environ.get("HTTP_AUTHORIZATION"),
                environ.get("QUERY_STRING", ""),
                self._items,
            )
        except Exception:  # the Flask route answers again, with its error handlers
            return self._flask(environ, start_response)
        headers = [*json_headers(body), *extra]
        start_response(_STATUS_LINES[code], headers)
        return _NO_BODY if method == "HEAD" else (body,)
