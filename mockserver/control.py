"""Wiring of the test layers (journal, faults, drift) and the ``/__mock/`` control API.

``install`` wraps an app's WSGI callable in the journal and fault middlewares and,
when asked, registers the control API under the reserved prefix ``/__mock/``.
Without ``install`` (the default of ``create_app``) none of it exists: the
prefix is an ordinary unknown path (404) and requests pay nothing. With it, a
last-resort guard outside the middlewares answers any exception they raise with
the contract's JSON ``500`` (Flask's own handlers cannot see them).

Control API (JSON in, JSON out, errors in the contract's envelope; a bad setting
is a ``400`` whose ``param`` names it; no automatic ``OPTIONS``):

- ``GET /__mock/journal`` → ``{"requests": [...], "dropped": n}``; ``DELETE`` clears it.
- ``GET /__mock/faults`` → ``{"faults": [...], "request_count": n}``;
  ``POST`` one fault (``{"kind": "rate_limit", "nth": [1], "retry_after": 2}``);
  ``DELETE`` removes them all.
- ``GET /__mock/drift``; ``POST`` ``{"hold_back": 5, "per_request": 1}``; ``DELETE`` stops it.
- ``POST /__mock/reset`` clears journal, faults and drift.
- ``GET /__mock/keys`` → the configuration's keys, accounts and scenarios.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import BadRequest

from .config import key_table
from .drift import Drift, DriftError, check_accounts
from .errors import error_body
from .faults import (
    DEFER_CLOSE_KEY,
    ConnectionDropped,
    Fault,
    FaultError,
    FaultMiddleware,
    Faults,
    close_socket,
)
from .journal import Journal, JournalMiddleware
from .store import LedgerStore

__all__ = ["CONTROLS", "CONTROL_PREFIX", "MockControls", "controls", "install", "layers"]

CONTROL_PREFIX = "/__mock/"
CONTROLS = "ledger_mock.controls"
_JSON = "application/json"
_log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class MockControls:
    """The test layers of one app; any of them may be absent."""

    journal: Journal | None
    faults: Faults | None
    drift: Drift | None
    control_api: bool = False

    def reset(self) -> None:
        """Forget the journal, remove every fault, stop drift."""
        if self.journal is not None:
            self.journal.clear()
        if self.faults is not None:
            self.faults.clear()
        if self.drift is not None:
            self.drift.stop()


def controls(app: Flask) -> MockControls:
    """The test layers installed in ``app`` (``LookupError`` if none are)."""
    try:
        found: MockControls = app.extensions[CONTROLS]
    except KeyError:
        raise LookupError(
            "this app has no test layers: create_app(..., journal=..., faults=...)"
        ) from None
    return found


def _json(data: Any, status: int = 200) -> Response:
    import orjson

    return Response(orjson.dumps(data), status=status, content_type=_JSON)


def _bad(error: FaultError | DriftError) -> Response:
    return Response(
        error_body("invalid_request_error", str(error), error.param), status=400, content_type=_JSON
    )


def _body() -> dict[str, Any]:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")  # the app's JSON 400
    return data


class _LastResort:
    """WSGI guard outside the middlewares: an exception they raise becomes the JSON ``500``.

    A dropped connection (``ConnectionError``) passes through: the server must see it.
    A ``drop`` fault's socket is closed here, once the journal inside has recorded it.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started: list[bool] = []

        def tracking_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            started.append(True)
            return start_response(status, headers, exc_info)

        environ[DEFER_CLOSE_KEY] = True
        try:
            return self.app(environ, tracking_start_response)
        except ConnectionDropped:
            close_socket(environ)
            raise
        except ConnectionError:
            raise
        except Exception:
            _log.exception("unexpected error in the mock's test layers")
            body = error_body("api_error", "internal error in the mock (please report it)")
            headers = [("Content-Type", _JSON), ("Content-Length", str(len(body)))]
            # exc_info only to replace a status already set (the server re-raises if sent).
            start_response(
                "500 INTERNAL SERVER ERROR", headers, sys.exc_info() if started else None
            )
            return [body]


def _blueprint(mock: MockControls, store: LedgerStore) -> Blueprint:
    journal, faults, drift = mock.journal, mock.faults, mock.drift
    assert journal is not None and faults is not None and drift is not None
    api = Blueprint("ledger_mock_control", __name__, url_prefix=CONTROL_PREFIX.rstrip("/"))
    api.register_error_handler(FaultError, _bad)
    api.register_error_handler(DriftError, _bad)
    only = {"provide_automatic_options": False}  # OPTIONS is a 405 like any other method

    @api.get("/journal", **only)
    def get_journal() -> Response:
        dropped = journal.dropped
        entries = [entry.to_dict() for entry in journal.entries]
        return _json({"requests": entries, "dropped": dropped})

    @api.delete("/journal", **only)
    def clear_journal() -> Response:
        journal.clear()
        return _json({"cleared": True})

    @api.get("/faults", **only)
    def get_faults() -> Response:
        return _json(
            {"faults": [f.to_dict() for f in faults.active], "request_count": faults.request_count}
        )

    @api.post("/faults", **only)
    def add_fault() -> Response:
        fault = faults.add(Fault.from_dict(_body()))
        return _json({"fault": fault.to_dict()}, status=201)

    @api.delete("/faults", **only)
    def clear_faults() -> Response:
        faults.clear()
        return _json({"cleared": True})

    @api.get("/drift", **only)
    def get_drift() -> Response:
        return _json(drift.state())

    @api.post("/drift", **only)
    def start_drift() -> Response:
        data = _body()
        unknown = set(data) - {"hold_back", "per_request", "accounts"}
        if unknown:
            name = sorted(unknown)[0]
            raise DriftError(f"unknown drift setting {name!r}", param=name)
        if "hold_back" not in data:
            raise DriftError("drift needs hold_back", param="hold_back")
        accounts = data.get("accounts")
        if accounts is not None and not isinstance(accounts, list):
            raise DriftError("accounts must be a list of account names", param="accounts")
        drift.start(
            hold_back=data["hold_back"],
            per_request=data.get("per_request", 1),
            accounts=check_accounts(accounts, [a.name for a in store.config.accounts]),
        )
        return _json(drift.state(), status=201)

    @api.delete("/drift", **only)
    def stop_drift() -> Response:
        drift.stop()
        return _json(drift.state())

    @api.post("/reset", **only)
    def reset() -> Response:
        mock.reset()
        return _json({"reset": True})

    @api.get("/keys", **only)
    def keys() -> Response:
        return _json({"keys": [row._asdict() for row in key_table(store.config)]})

    return api


def layers(
    *,
    journal: Journal | None = None,
    faults: Faults | None = None,
    drift: Drift | None = None,
    control: bool = False,
) -> MockControls | None:
    """The test layers asked for (``control`` adds any missing); ``None`` if none were."""
    if control:
        journal = journal if journal is not None else Journal()
        faults = faults if faults is not None else Faults()
        drift = drift if drift is not None else Drift()
    if journal is None and faults is None and drift is None:
        return None
    return MockControls(journal=journal, faults=faults, drift=drift, control_api=control)


def install(app: Flask, store: LedgerStore, mock: MockControls) -> None:
    """Wrap ``app`` in ``mock``'s middlewares and register the control API if enabled.

    Drift is not a middleware: ``create_app`` serves ``mock.drift.bind(store)``.
    """
    skip = CONTROL_PREFIX if mock.control_api else None
    if mock.faults is not None:
        app.wsgi_app = FaultMiddleware(app.wsgi_app, mock.faults, skip_prefix=skip)  # type: ignore[method-assign]
    if mock.journal is not None:
        app.wsgi_app = JournalMiddleware(app.wsgi_app, mock.journal, skip_prefix=skip)  # type: ignore[method-assign]
    if mock.faults is not None or mock.journal is not None:
        app.wsgi_app = _LastResort(app.wsgi_app)  # type: ignore[method-assign]
    if mock.control_api:
        app.register_blueprint(_blueprint(mock, store))
    app.extensions[CONTROLS] = mock
