"""Wiring of the test layers (journal, faults, drift) and the ``/__mock/`` control API.

``install`` wraps an app's WSGI callable in the journal and fault middlewares and,
when asked, registers the control API under the reserved prefix ``/__mock/``.
Without ``install`` (the default of ``create_app``) none of it exists: the
prefix is an ordinary unknown path (404) and requests pay nothing.

Control API (JSON in, JSON out, errors in the contract's envelope):

- ``GET /__mock/journal`` → ``{"requests": [...]}``; ``DELETE`` clears it.
- ``GET /__mock/faults`` → ``{"faults": [...], "request_count": n}``;
  ``POST`` one fault (``{"kind": "rate_limit", "nth": [1], "retry_after": 2}``);
  ``DELETE`` removes them all.
- ``GET /__mock/drift``; ``POST`` ``{"hold_back": 5, "per_request": 1}``; ``DELETE`` stops it.
- ``POST /__mock/reset`` clears journal, faults and drift.
- ``GET /__mock/keys`` → the configuration's keys, accounts and scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, request

from .drift import Drift, DriftError
from .errors import error_body
from .faults import Fault, FaultError, FaultMiddleware, Faults
from .journal import Journal, JournalMiddleware
from .store import LedgerStore

__all__ = ["CONTROLS", "CONTROL_PREFIX", "MockControls", "controls", "install", "layers"]

CONTROL_PREFIX = "/__mock/"
CONTROLS = "ledger_mock.controls"
_JSON = "application/json"


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


def _bad(message: str, param: str | None = None) -> Response:
    return Response(
        error_body("invalid_request_error", message, param), status=400, content_type=_JSON
    )


def _body() -> dict[str, Any]:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise FaultError("the body must be a JSON object")
    return data


def _blueprint(mock: MockControls, store: LedgerStore) -> Blueprint:
    journal, faults, drift = mock.journal, mock.faults, mock.drift
    assert journal is not None and faults is not None and drift is not None
    api = Blueprint("ledger_mock_control", __name__, url_prefix=CONTROL_PREFIX.rstrip("/"))

    @api.get("/journal")
    def get_journal() -> Response:
        return _json({"requests": [entry.to_dict() for entry in journal.entries]})

    @api.delete("/journal")
    def clear_journal() -> Response:
        journal.clear()
        return _json({"cleared": True})

    @api.get("/faults")
    def get_faults() -> Response:
        return _json(
            {"faults": [f.to_dict() for f in faults.active], "request_count": faults.request_count}
        )

    @api.post("/faults")
    def add_fault() -> Response:
        try:
            fault = faults.add(Fault.from_dict(_body()))
        except FaultError as error:
            return _bad(str(error))
        except TypeError as error:  # wrong JSON types reaching the dataclass
            return _bad(f"bad fault: {error}")
        return _json({"fault": fault.to_dict()}, status=201)

    @api.delete("/faults")
    def clear_faults() -> Response:
        faults.clear()
        return _json({"cleared": True})

    @api.get("/drift")
    def get_drift() -> Response:
        return _json(drift.state())

    @api.post("/drift")
    def start_drift() -> Response:
        try:
            data = _body()
            unknown = set(data) - {"hold_back", "per_request", "accounts"}
            if unknown:
                return _bad(f"unknown drift setting {sorted(unknown)[0]!r}")
            accounts = data.get("accounts")
            if accounts is not None and not (
                isinstance(accounts, list) and all(isinstance(a, str) for a in accounts)
            ):
                return _bad("accounts must be a list of account names")
            drift.start(
                hold_back=data.get("hold_back", 0),
                per_request=data.get("per_request", 1),
                accounts=frozenset(accounts) if accounts is not None else None,
            )
        except (DriftError, FaultError) as error:
            return _bad(str(error))
        return _json(drift.state(), status=201)

    @api.delete("/drift")
    def stop_drift() -> Response:
        drift.stop()
        return _json(drift.state())

    @api.post("/reset")
    def reset() -> Response:
        mock.reset()
        return _json({"reset": True})

    @api.get("/keys")
    def keys() -> Response:
        rows = []
        for account in store.config.accounts:
            for key in account.keys:
                rows.append(
                    {
                        "key": key,
                        "account": account.name,
                        "scenario": account.scenario.name,
                        "size": account.scenario.size,
                        "status": "active",
                    }
                )
            for key in account.revoked_keys:
                rows.append(
                    {
                        "key": key,
                        "account": account.name,
                        "scenario": account.scenario.name,
                        "size": account.scenario.size,
                        "status": "revoked",
                    }
                )
        return _json({"keys": rows})

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
    if mock.control_api:
        app.register_blueprint(_blueprint(mock, store))
    app.extensions[CONTROLS] = mock
