"""The thin HTTP layer: routing, auth, validation, then the pure query engine.

Order matters and is the contract's: routing (404/405) before authentication
(401) before the query string (400).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from .auth import bearer_token
from .config import MockConfig, builtin_config
from .control import install, layers
from .drift import Drift, LedgerSource
from .errors import error_body
from .faults import Faults
from .journal import Journal
from .params import ParamError, parse_query
from .query import select
from .rendering import render_page
from .store import KeyStatus, LedgerStore

__all__ = ["API_PREFIX", "EXTENSION", "TRANSACTIONS_PATH", "create_app"]

API_PREFIX = "/api/v1"
TRANSACTIONS_PATH = f"{API_PREFIX}/me/billing/transactions"
EXTENSION = "ledger_mock"
JSON = "application/json"
_WWW_AUTHENTICATE = 'Bearer realm="bytespike"'
_ERROR_TYPES = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
_log = logging.getLogger(__name__)


def _error(status: int, error_type: str, message: str, param: str | None = None) -> Response:
    return Response(error_body(error_type, message, param), status=status, content_type=JSON)


def _unauthorized(message: str) -> Response:
    response = _error(401, "authentication_error", message)
    response.headers["WWW-Authenticate"] = _WWW_AUTHENTICATE
    return response


def _list_transactions(store: LedgerSource) -> Response:
    header = request.headers.get("Authorization")
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
    try:
        query = parse_query(request.environ.get("QUERY_STRING", ""))
    except ParamError as error:
        return _error(400, "invalid_request_error", error.message, error.param)
    ledger = store.ledger(account)
    body = render_page(ledger, select(ledger, query), page=query.page, page_size=query.page_size)
    return Response(body, status=200, content_type=JSON)


def _http_error(error: HTTPException) -> WerkzeugResponse:
    """Keep Werkzeug's response (and its headers) but give it the contract's body."""
    response = error.get_response()
    status = error.code or 500
    error_type = _ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")
    message = {404: "no such endpoint", 405: "method not allowed: use GET or HEAD"}.get(
        status, error.description or error.name
    )
    response.set_data(error_body(error_type, message))
    response.content_type = JSON
    if status == 405:
        response.headers["Allow"] = "GET, HEAD"
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
) -> Flask:
    """A Flask app serving ``config`` (the built-in test keys when ``None``).

    The test layers are off unless given: a request ``journal``, fault injection
    (``faults``), page ``drift``; ``control=True`` adds all three and the
    ``/__mock/`` control API (see ``mockserver.control``).
    """
    app = Flask(__name__)
    store = LedgerStore(config if config is not None else builtin_config())
    app.extensions[EXTENSION] = store
    mock = layers(journal=journal, faults=faults, drift=drift, control=control)
    source: LedgerSource = store if mock is None or mock.drift is None else mock.drift.bind(store)
    app.add_url_rule(
        TRANSACTIONS_PATH,
        endpoint="transactions",
        view_func=lambda: _list_transactions(source),
        methods=["GET"],
        provide_automatic_options=False,
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    if mock is not None:
        install(app, store, mock)
    return app
