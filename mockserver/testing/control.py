"""Wiring of the test layers (journal, faults, drift) and the ``/__mock/`` control API.

``install`` wraps an app's WSGI callable in the journal and fault middlewares and,
when asked, registers the control API under the reserved prefix ``/__mock/``.
Without ``install`` (the default of ``create_app``) none of it exists: the
prefix is an ordinary unknown path (404) and requests pay nothing. With it, a
last-resort guard outside the middlewares answers any exception they raise with
the contract's JSON ``500`` (Flask's own handlers cannot see them).

Control API (JSON in, JSON out, errors in the contract's envelope; a bad setting
is a ``400`` whose ``param`` names it; no automatic ``OPTIONS``):

- ``GET /__mock/journal`` → ``{"requests": [...], "dropped": n}``, oldest first;
  ``?limit=n`` (1..``MAX_JOURNAL_LIMIT``) keeps the newest ``n``; ``DELETE`` clears it.
- ``GET /__mock/faults`` → ``{"faults": [...], "request_count": n}``;
  ``POST`` one fault (``{"kind": "rate_limit", "nth": [1], "retry_after": 2}``);
  ``DELETE`` removes them all.
- ``GET /__mock/drift``; ``POST`` ``{"hold_back": 5, "per_request": 1}``; ``DELETE`` stops it.
- ``POST /__mock/reset`` clears journal, faults and drift.
- ``GET /__mock/keys`` → the configuration's keys, accounts and scenarios.
- ``GET /__mock/console/`` → the browser console (``mockserver.testing.console``):
  its page and static files need no token, its JSON does; every response under
  ``/__mock/console`` carries its Content-Security-Policy.

Control requests are neither journaled nor subject to faults, and no lock is held
while a latency fault waits: ``reset`` and the listings answer at once whatever
requests are in flight.

Bodies. A ``POST`` body must be one JSON object (the ``Content-Type`` is not
looked at). Anything else is a ``400 invalid_request_error`` and nothing is
stored: bytes that are not UTF-8, text that is not strict JSON, a body that is
not an object, an object repeating a key (``param`` names the key: the mock
does not guess which one was meant), values nested more than
``MAX_BODY_DEPTH`` levels or holding lone surrogate escapes (``param`` names
the setting), and every wrong type or out-of-range value (``param`` names the
setting). ``NaN`` and ``Infinity`` parse as floats and integers of any size as
integers, so the setting that cannot take them refuses them by name.

Sizes. A body larger than ``MAX_BODY_BYTES`` (64 KiB) is a ``413
invalid_request_error`` (``param`` null): a declared ``Content-Length`` over the
cap is refused before anything is read, and a body of unknown length (chunked)
is read no further than one byte past the cap. A fault lists at most
``MAX_NTH`` (1 000) request numbers (else ``400``, ``param`` ``"nth"``); at most
``MAX_FAULTS`` (100) faults are active at once, and the next one is a ``409
invalid_request_error`` (``param`` null) until they are removed; drift's
``accounts`` names at most the configured accounts, each once. So ``GET
/__mock/faults`` stays within about 2 MB, and the journal keeps its newest
``max_entries`` requests.

Token. ``install(..., control_token=...)`` (``create_app(control_token=...)``)
makes every request under ``/__mock/`` (any path, any method, before routing)
carry ``Authorization: Bearer <token>``; otherwise it is a ``401
authentication_error`` with ``WWW-Authenticate: Bearer realm="ledger-mock control"``.
The token is compared in constant time, never logged, and never journaled
(control requests are not journaled; any other request's ``Authorization`` is
redacted to a fingerprint). The API under ``/api/v1/`` is unaffected. A token is
16 to 256 characters of an RFC 6750 ``b64token`` (``A-Z a-z 0-9 - . _ ~ + /``,
then optional ``=``), e.g. ``secrets.token_urlsafe(32)``; see ``check_control_token``.
``is_loopback_host`` tells a server whether an address is reachable only from
this machine (the CLI warns when the control API is bound elsewhere).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from flask import Blueprint, Flask, Response, request
from werkzeug.wsgi import get_content_length

from ..core.config import key_table
from ..core.errors import LedgerMockError, NotInstrumentedError, SettingError, unknown_setting
from ..core.store import LedgerStore
from ..http.auth import bearer_token, is_token
from ..http.envelope import JSON, error_body, internal_error_body, json_headers
from ..http.limits import MAX_BODY_BYTES
from ..http.wsgi import Environ, StartResponse, WSGIApp
from .console import CONSOLE_PREFIX, console_blueprint, is_public_path, with_security_headers
from .drift import ConsoleUncounted, Drift, DriftError, check_accounts
from .faults import (
    DEFER_CLOSE_KEY,
    ConnectionDropped,
    Fault,
    FaultLimitError,
    FaultMiddleware,
    Faults,
    close_socket,
)
from .journal import Journal, JournalMiddleware

__all__ = [
    "CONTROLS",
    "CONTROL_PREFIX",
    "CONTROL_TOKEN_LENGTH",
    "MAX_BODY_BYTES",
    "MAX_BODY_DEPTH",
    "MAX_JOURNAL_LIMIT",
    "MockControls",
    "check_control_token",
    "controls",
    "install",
    "is_loopback_host",
    "layers",
]

CONTROL_PREFIX = "/__mock/"
CONTROLS = "ledger_mock.controls"
MAX_BODY_DEPTH = 8  # containers in a body (the object itself is one): settings are flat
CONTROL_TOKEN_LENGTH = (16, 256)  # enough to resist guessing; short enough for a header
_DRIFT_SETTINGS = frozenset({"hold_back", "per_request", "accounts"})
_WWW_AUTHENTICATE = 'Bearer realm="ledger-mock control"'
_READ_CHUNK = 16 * 1024
MAX_JOURNAL_LIMIT = 100_000  # the journal's default size: ?limit= above it means nothing
_log = logging.getLogger(__name__)


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
    """The test layers installed in ``app`` (``NotInstrumentedError`` if none are)."""
    try:
        found: MockControls = app.extensions[CONTROLS]
    except KeyError:
        raise NotInstrumentedError(
            "this app has no test layers: create_app(..., journal=..., faults=...)"
        ) from None
    return found


def _json(data: Any, status: int = 200) -> Response:
    import orjson

    return Response(orjson.dumps(data), status=status, content_type=JSON)


def check_control_token(token: object) -> str:
    """``token`` if it can guard the control API, else ``SettingError`` (one line, for the CLI).

    16..256 characters of an RFC 6750 ``b64token`` (what ``Authorization: Bearer``
    can carry verbatim: ``A-Z a-z 0-9 - . _ ~ + /``, then optional ``=``), so no
    whitespace or control character can make the header ambiguous and a short,
    guessable word is refused. The message never repeats the token (it is a secret).
    """
    low, high = CONTROL_TOKEN_LENGTH
    if not isinstance(token, str):
        raise SettingError(
            f"the control token must be a string, not {type(token).__name__}",
            param="control_token",
        )
    if not low <= len(token) <= high or not is_token(token):
        if not token:
            found = "it is empty"
        elif is_token(token):
            found = f"it has {len(token)}"
        else:
            found = "it has others (whitespace, punctuation or non-ASCII)"
        raise SettingError(
            f"the control token must be {low} to {high} characters of A-Z a-z 0-9 - . _ ~ + / "
            f"(then optional '=' padding); {found}; "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'",
            param="control_token",
        )
    return token


def is_loopback_host(host: str) -> bool:
    """Whether a server bound to ``host`` is reachable from this machine only.

    ``localhost`` (any case), ``127.0.0.0/8``, ``::1`` (bracketed or not) and an
    IPv4-mapped loopback (``::ffff:127.0.0.1``) are; everything else is not: the
    wildcards ``0.0.0.0`` and ``::`` (every interface), any other address, and any
    other host name (it is not resolved: a name is only as local as DNS says).
    """
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if name.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class _Refused(LedgerMockError):
    """A control request refused before its settings are looked at (body, size)."""

    def __init__(self, message: str, *, status: int = 400, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.param = param


def _error(status: int, error_type: str, message: str, param: str | None) -> Response:
    return Response(error_body(error_type, message, param), status=status, content_type=JSON)


def _bad(error: SettingError) -> Response:
    status = 409 if isinstance(error, FaultLimitError) else 400
    return _error(status, "invalid_request_error", str(error), error.param)


def _refused(error: _Refused) -> Response:
    return _error(error.status, "invalid_request_error", str(error), error.param)


def _too_large() -> _Refused:
    return _Refused(f"the request body is larger than {MAX_BODY_BYTES} bytes", status=413)


def _read_capped(stream: IO[bytes], cap: int) -> bytes:
    """The whole of ``stream``, or ``_Refused`` 413 as soon as it runs past ``cap`` bytes.

    Never reads more than ``cap + 1`` bytes, so a chunked body of unknown length
    (or an endless one) costs at most that much.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = stream.read(min(_READ_CHUNK, cap + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise _too_large()


def _label(name: str) -> str:
    """A client-chosen key in a message, cut short (the body may be 64 KiB of it)."""
    return name if len(name) <= 40 else name[:37] + "..."


def _valid_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate (JSON's ``"\\ud800"``): it has no UTF-8."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: an object, refused if it repeats a key (which one was meant?)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                param = key if _valid_unicode(key) else None
                raise _Refused(f"the body repeats the key {_label(json.dumps(key))}", param=param)
            seen.add(key)
    return data


def _check_nesting(data: dict[str, Any]) -> None:
    """Refuse values nested deeper than ``MAX_BODY_DEPTH`` or holding invalid Unicode.

    Iterative, so it cannot itself recurse too deep; after it, a setting's value
    is small enough to ``repr``, hash and serialise without a ``RecursionError``.
    """
    for key, value in data.items():
        if not _valid_unicode(key):
            raise _Refused("a key of the body is not valid Unicode (a lone surrogate escape)")
        stack: list[tuple[Any, int]] = [(value, 2)]  # the body object is level 1
        while stack:
            item, depth = stack.pop()
            if isinstance(item, str):
                if not _valid_unicode(item):
                    raise _Refused(
                        f"{_label(key)} holds a string that is not valid Unicode (lone surrogate)",
                        param=key,
                    )
            elif isinstance(item, (list, dict)):
                if depth > MAX_BODY_DEPTH:
                    raise _Refused(
                        f"{_label(key)} is nested more than {MAX_BODY_DEPTH} levels deep",
                        param=key,
                    )
                if isinstance(item, dict):
                    stack.extend((name, depth + 1) for name in item)
                    item = item.values()
                stack.extend((child, depth + 1) for child in item)


def _parse_body(raw: bytes) -> dict[str, Any]:
    """A control body as a JSON object, or ``_Refused`` (400) saying what is wrong with it.

    The stdlib parser, not orjson: it keeps ``NaN``/``Infinity`` (floats) and wide
    integers so that the setting given one refuses it by name. Python's recursion
    limit stops a deeply nested body early (``RecursionError``, refused as such).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Refused(f"the body is not valid UTF-8 (byte {error.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _Refused(f"the body is nested more than {MAX_BODY_DEPTH} levels deep") from None
    except json.JSONDecodeError as error:
        raise _Refused(
            f"the body is not JSON: {error.msg} (line {error.lineno} column {error.colno})"
        ) from None
    if not isinstance(data, dict):
        raise _Refused("the body must be a JSON object")
    _check_nesting(data)
    return data


def _body() -> dict[str, Any]:
    """The request's JSON object, read within ``MAX_BODY_BYTES`` (``_Refused`` otherwise)."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:  # the guard says so first; direct use
        raise _too_large()
    # Without a Content-Length the stream is the server's dechunked input when it
    # says it ends (wsgi.input_terminated), else empty: never an unbounded read.
    return _parse_body(_read_capped(request.stream, MAX_BODY_BYTES))


class _LastResort:
    """WSGI guard outside the middlewares: an exception they raise becomes the JSON ``500``.

    A dropped connection (``ConnectionError``) passes through: the server must see it.
    A ``drop`` fault's socket is closed here, once the journal inside has recorded it.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
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
            body = internal_error_body()
            headers = json_headers(body)
            # exc_info only to replace a status already set (the server re-raises if sent).
            start_response(
                "500 INTERNAL SERVER ERROR", headers, sys.exc_info() if started else None
            )
            return [body]


class _ControlGuard:
    """WSGI gate of the ``/__mock/`` prefix: the token (``401``), then the declared size (``413``).

    The console's page and static files pass without the token; every answer
    under the console's prefix, refusals included, gets its security headers.

    A WSGI layer rather than a Flask hook: it answers before routing (an unknown
    control path says nothing without the token) and registers no request hook,
    which would turn the app's fast path off. Other paths pass untouched.
    """

    def __init__(self, app: WSGIApp, *, token: str | None) -> None:
        self.app = app
        self._token = token.encode("ascii") if token is not None else None

    def __repr__(self) -> str:  # never the token
        return f"<{type(self).__name__} token={'set' if self._token else 'none'}>"

    def _unauthorized(self, environ: Environ) -> str | None:
        """Why the request may not use the control API (``None``: it may)."""
        if self._token is None:
            return None
        header = environ.get("HTTP_AUTHORIZATION")
        if header is None or not str(header).strip(" \t"):
            return "missing control token: send 'Authorization: Bearer <control token>'"
        presented = bearer_token(str(header))
        if presented is None:
            return "malformed Authorization header: expected 'Bearer <control token>'"
        if not hmac.compare_digest(presented.encode("ascii"), self._token):
            return "wrong control token"
        return None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(CONTROL_PREFIX):
            return self.app(environ, start_response)
        if path.startswith(CONSOLE_PREFIX):
            start_response = with_security_headers(start_response)
            if is_public_path(path):  # the console's page and static files: no data
                return self.app(environ, start_response)
        problem = self._unauthorized(environ)
        if problem is not None:
            response = _error(401, "authentication_error", problem, None)
            response.headers["WWW-Authenticate"] = _WWW_AUTHENTICATE
            return response(environ, start_response)  # werkzeug: no body for a HEAD
        length = get_content_length(environ)
        if length is not None and length > MAX_BODY_BYTES:  # refused before reading a byte
            too_large = _too_large()
            response = _error(413, "invalid_request_error", str(too_large), None)
            return response(environ, start_response)  # werkzeug: no body for a HEAD
        return self.app(environ, start_response)


def _limit(values: list[str]) -> int | None:
    """``?limit=`` of ``GET /__mock/journal``: absent, or one integer 1..``MAX_JOURNAL_LIMIT``."""
    if not values:
        return None
    text = values[0]
    digits = text.lstrip("0")  # leading zeros accepted, as the endpoint does
    if (
        len(values) > 1
        or not (text.isascii() and text.isdigit())
        or len(digits) > len(str(MAX_JOURNAL_LIMIT))
        or not 1 <= int(digits or "0") <= MAX_JOURNAL_LIMIT
    ):
        raise _Refused(
            f"limit must be given once, an integer from 1 to {MAX_JOURNAL_LIMIT}", param="limit"
        )
    return int(digits)


def _blueprint(mock: MockControls, store: LedgerStore) -> Blueprint:
    journal, faults, drift = mock.journal, mock.faults, mock.drift
    assert journal is not None and faults is not None and drift is not None
    api = Blueprint("ledger_mock_control", __name__, url_prefix=CONTROL_PREFIX.rstrip("/"))
    api.register_error_handler(SettingError, _bad)
    api.register_error_handler(_Refused, _refused)
    only = {"provide_automatic_options": False}  # OPTIONS is a 405 like any other method

    @api.get("/journal", **only)
    def get_journal() -> Response:
        dropped = journal.dropped
        limit = _limit(request.args.getlist("limit"))
        if limit is None:
            entries = [entry.to_dict() for entry in journal.entries]
        else:
            entries = [entry.to_dict() for entry in reversed(journal.newest(limit=limit))]
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
        name = unknown_setting(data, _DRIFT_SETTINGS)
        if name is not None:
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


def install(
    app: Flask, store: LedgerStore, mock: MockControls, *, control_token: str | None = None
) -> None:
    """Wrap ``app`` in ``mock``'s middlewares and register the control API if enabled.

    ``control_token`` (checked by ``check_control_token``; only with the control
    API) is then required on every ``/__mock/`` request. Drift is not a
    middleware: ``create_app`` serves ``mock.drift.bind(store)``.
    """
    if control_token is not None:
        check_control_token(control_token)
        if not mock.control_api:
            raise SettingError(
                "a control token needs the control API (control=True)", param="control_token"
            )
    skip = CONTROL_PREFIX if mock.control_api else None
    if mock.drift is not None and mock.control_api:
        app.wsgi_app = ConsoleUncounted(app.wsgi_app)  # type: ignore[method-assign]
    if mock.faults is not None:
        app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, mock.faults, skip_prefix=skip, pass_console=mock.control_api
        )
    if mock.journal is not None:
        app.wsgi_app = JournalMiddleware(app.wsgi_app, mock.journal, skip_prefix=skip)  # type: ignore[method-assign]
    if mock.control_api:
        app.wsgi_app = _ControlGuard(app.wsgi_app, token=control_token)  # type: ignore[method-assign]
    if mock.faults is not None or mock.journal is not None:
        app.wsgi_app = _LastResort(app.wsgi_app)  # type: ignore[method-assign]
    if mock.control_api:
        app.register_blueprint(_blueprint(mock, store))
        assert mock.journal is not None  # layers() adds every layer with the control API
        app.register_blueprint(console_blueprint(mock.journal, store))
    app.extensions[CONTROLS] = mock
