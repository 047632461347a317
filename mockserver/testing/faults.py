"""Fault injection: off unless asked, deterministic when asked.

A ``Fault`` says what goes wrong (``kind``) and on which requests: every one,
the n-th ones (1-based, counted since the last reset), or a seeded fraction of
them (request number and seed decide, never the clock or a global RNG).
``FaultMiddleware`` applies the active faults of a ``Faults`` controller; it is
installed only when asked for, so an app without it pays nothing.

Kinds: ``latency`` (wait ``delay`` seconds, then answer normally),
``rate_limit`` (``429 rate_limit_error`` with ``Retry-After``), ``server_error``
(``500 api_error``), ``unavailable`` (``503 api_error`` with ``Retry-After``),
``drop`` (the connection closes before any response) and ``truncate`` (the real
response, cut short of its ``Content-Length``, then the connection closes).

Bounds: a fault names at most ``MAX_NTH`` request numbers and a ``Faults``
controller holds at most ``MAX_FAULTS`` of them (``FaultLimitError`` beyond), so
a long-running ``serve --enable-control`` and its ``GET /__mock/faults`` stay small
whatever clients send.

Latency is slept on the request's thread, unless the server sets
``DEFER_LATENCY_KEY`` in the environ: then the middleware only adds the delay to
``environ[LATENCY_ENVIRON_KEY]`` (float seconds) and answers at once, and the
server waits that long before sending the answer (an event loop must never sleep
in the app). Either way the journal records the delay in the entry's ``latency``.
"""

from __future__ import annotations

import contextlib
import errno
import math
import reprlib
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any, Literal, get_args

from ..core.errors import SettingError, unknown_setting
from ..core.seeding import mix64
from ..http.envelope import error_body, json_headers
from ..http.wsgi import Environ, StartResponse, WSGIApp, read_result
from .journal import (
    DEFER_LATENCY_KEY,
    FAULT_ENVIRON_KEY,
    LATENCY_ENVIRON_KEY,
    is_console_request,
)

__all__ = [
    "DEFER_CLOSE_KEY",
    "DEFER_LATENCY_KEY",
    "LATENCY_ENVIRON_KEY",
    "MAX_FAULTS",
    "MAX_NTH",
    "ConnectionDropped",
    "Fault",
    "FaultError",
    "FaultKind",
    "FaultLimitError",
    "FaultMiddleware",
    "Faults",
    "close_socket",
]

FaultKind = Literal["latency", "rate_limit", "server_error", "unavailable", "drop", "truncate"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
_STATUS = {
    "rate_limit": ("429 Too Many Requests", "rate_limit_error", "rate limit exceeded (injected)"),
    "server_error": ("500 Internal Server Error", "api_error", "internal error (injected)"),
    "unavailable": ("503 Service Unavailable", "api_error", "service unavailable (injected)"),
}
_SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")
# Set in the environ by an outer layer that closes a dropped connection itself, after
# the journal has recorded it: the client never sees the close before the record.
DEFER_CLOSE_KEY = "ledger_mock.defer_close"
# Set (truthy) in the environ by a server that waits out latency faults itself (an
# asyncio loop must not sleep in the app): the middleware then adds the delay to
# environ[LATENCY_ENVIRON_KEY] instead of sleeping, and the server awaits it.
_SCALE = float(1 << 64)
MAX_INT = 2**63 - 1  # nth, seed: what JSON (and orjson) carries as a signed 64-bit integer
MAX_DELAY = 600.0
MAX_RETRY_AFTER = 2**31 - 1
MAX_NTH = 1_000  # request numbers in one fault: a fault is a test's script, not a data set
MAX_FAULTS = 100  # active faults of one controller: every request scans them all
_FAULT_SETTINGS = frozenset({"kind", "nth", "fraction", "seed", "delay", "retry_after"})


def _short_repr() -> reprlib.Repr:
    """A ``repr`` for client-sent values in messages: short, and safe however deep they nest."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = 60
    short.maxlevel = 2
    return short


_shown = _short_repr().repr


class FaultError(SettingError):
    """A fault specification that cannot be applied; ``param`` names the bad setting."""


class FaultLimitError(FaultError):
    """A valid fault refused because the controller already holds ``max_faults`` of them.

    Not the fault's own fault (``param`` is ``None``): the control API answers ``409``.
    """


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    """A real int or a finite float (not a bool, not a numeric string)."""
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


class ConnectionDropped(ConnectionError):
    """Raised out of the WSGI app for a ``drop`` fault (after closing the socket, if any).

    Servers treat it as a client that went away (errno ``EPIPE``); in-process
    callers (a Flask test client, the interceptor) see it as the dropped connection.
    """

    def __init__(self) -> None:
        super().__init__(errno.EPIPE, "connection dropped by an injected fault")


@dataclass(frozen=True, kw_only=True)
class Fault:
    """What goes wrong, and on which requests.

    Give at most one of ``nth`` (1-based numbers of the requests that arrive
    after the fault is added) and ``fraction`` (0..1 of them, chosen by
    ``seed``); with neither the fault hits every request.
    """

    kind: FaultKind
    nth: tuple[int, ...] = ()
    fraction: float | None = None
    seed: int = 0
    delay: float = 0.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in FAULT_KINDS:
            raise FaultError(
                f"unknown fault kind {_shown(self.kind)} (known: {', '.join(FAULT_KINDS)})",
                param="kind",
            )
        if isinstance(self.nth, tuple) and len(self.nth) > MAX_NTH:
            raise FaultError(f"nth lists at most {MAX_NTH} request numbers", param="nth")
        if not isinstance(self.nth, tuple) or not all(
            _is_int(n) and 1 <= n <= MAX_INT for n in self.nth
        ):
            raise FaultError(f"nth must be request numbers between 1 and {MAX_INT}", param="nth")
        object.__setattr__(self, "nth", tuple(sorted(set(self.nth))))
        if self.fraction is not None:
            if self.nth:
                raise FaultError("give nth or fraction, not both", param="fraction")
            if not _is_number(self.fraction) or not 0.0 <= self.fraction <= 1.0:
                raise FaultError(
                    f"fraction must be a number between 0 and 1, got {_shown(self.fraction)}",
                    param="fraction",
                )
        if not _is_int(self.seed) or not 0 <= self.seed <= MAX_INT:
            raise FaultError(f"seed must be an integer between 0 and {MAX_INT}", param="seed")
        if not _is_number(self.delay) or not 0.0 <= self.delay <= MAX_DELAY:
            raise FaultError("delay must be a number of seconds between 0 and 600", param="delay")
        if self.kind == "latency" and self.delay == 0:
            raise FaultError("a latency fault needs delay > 0", param="delay")
        if not _is_int(self.retry_after) or not 0 <= self.retry_after <= MAX_RETRY_AFTER:
            raise FaultError(
                f"retry_after must be an integer between 0 and {MAX_RETRY_AFTER}",
                param="retry_after",
            )

    def hits(self, number: int) -> bool:
        """Whether request ``number`` (1-based) is one this fault applies to."""
        if self.nth:
            return number in self.nth
        if self.fraction is not None:
            return mix64(number, self.seed) / _SCALE < self.fraction
        return True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["nth"] = list(self.nth)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build from JSON (the control API's ``POST /__mock/faults`` body)."""
        name = unknown_setting(data, _FAULT_SETTINGS)
        if name is not None:
            raise FaultError(f"unknown fault setting {_shown(name)}", param=name)
        if "kind" not in data:
            raise FaultError("a fault needs a kind", param="kind")
        nth = data.get("nth", ())
        if _is_int(nth):
            nth = (nth,)
        if not isinstance(nth, (list, tuple)):
            raise FaultError("nth must be a request number or a list of them", param="nth")
        options = {k: data[k] for k in ("fraction", "seed", "delay", "retry_after") if k in data}
        return cls(kind=data["kind"], nth=tuple(nth), **options)


class Faults:
    """The active faults and the request counter they are matched against (thread-safe).

    It holds at most ``max_faults`` faults (``MAX_FAULTS`` by default): every
    request is matched against all of them, and ``GET /__mock/faults`` lists them.
    """

    def __init__(self, *, max_faults: int = MAX_FAULTS) -> None:
        if isinstance(max_faults, bool) or not isinstance(max_faults, int) or max_faults < 1:
            raise SettingError(
                f"max_faults must be an integer >= 1, got {max_faults!r}", param="max_faults"
            )
        self.max_faults = max_faults
        self._lock = threading.Lock()
        self._faults: list[tuple[Fault, int]] = []
        self._count = 0

    @property
    def active(self) -> tuple[Fault, ...]:
        return tuple(fault for fault, _ in self._faults)

    @property
    def request_count(self) -> int:
        """Requests seen since the last reset."""
        return self._count

    def add(self, fault: Fault) -> Fault:
        """Activate ``fault`` (its ``nth`` count from the next request on).

        ``FaultLimitError`` when ``max_faults`` are already active: remove them first
        (``clear``).
        """
        with self._lock:
            if len(self._faults) >= self.max_faults:
                raise FaultLimitError(
                    f"at most {self.max_faults} faults can be active: remove them first "
                    "(DELETE /__mock/faults, POST /__mock/reset, or clear() in Python)"
                )
            self._faults.append((fault, self._count))
        return fault

    def inject(
        self,
        kind: FaultKind,
        *,
        nth: int | Iterable[int] = (),
        fraction: float | None = None,
        seed: int = 0,
        delay: float = 0.0,
        retry_after: int = 1,
    ) -> Fault:
        """Add a fault: ``inject("rate_limit", nth=1)``, ``inject("drop", fraction=0.2)``."""
        if isinstance(nth, int):
            numbers: tuple[int, ...] = (nth,)
        elif isinstance(nth, Iterable) and not isinstance(nth, (str, bytes)):
            numbers = tuple(islice(nth, MAX_NTH + 1))  # Fault refuses more, endless or not
        else:
            raise FaultError("nth must be a request number or a collection of them", param="nth")
        fault = Fault(
            kind=kind,
            nth=numbers,
            fraction=fraction,
            seed=seed,
            delay=delay,
            retry_after=retry_after,
        )
        return self.add(fault)

    def clear(self) -> None:
        """Remove every fault and restart the request count."""
        with self._lock:
            self._faults.clear()
            self._count = 0

    def next_request(self) -> tuple[Fault, ...]:
        """Count one request; the faults that apply to it, in the order they were added."""
        with self._lock:
            self._count += 1
            number = self._count
            if not self._faults:
                return ()
            faults = tuple(self._faults)
        return tuple(fault for fault, base in faults if fault.hits(number - base))


def close_socket(environ: Mapping[str, Any]) -> None:
    """Shut the request's socket down (werkzeug and gunicorn expose it; else nothing)."""
    for key in _SOCKET_KEYS:
        sock = environ.get(key)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            return


class _Truncated:
    """A response body cut short, closing the connection once it is sent."""

    def __init__(self, body: bytes, environ: Mapping[str, Any]) -> None:
        self._body = body
        self._environ = environ

    def __iter__(self) -> Iterator[bytes]:
        if self._body:
            yield self._body

    def close(self) -> None:
        close_socket(self._environ)


class FaultMiddleware:
    """WSGI middleware applying ``faults``; ``skip_prefix`` requests are never touched.

    With ``pass_console`` (the control API's console), a request marked
    ``X-Ledger-Console`` is not touched either and not counted: the page
    reloading its table must not use up a fault injected for the client under
    test, nor shift which request is the n-th.

    Latency faults add up; their total goes into ``environ[LATENCY_ENVIRON_KEY]``
    (for the journal) and is slept here, or left to the server to wait out when it
    set ``environ[DEFER_LATENCY_KEY]`` (so an event loop never blocks). The other
    faults apply after it either way.
    """

    def __init__(
        self,
        app: WSGIApp,
        faults: Faults,
        *,
        skip_prefix: str | None = None,
        pass_console: bool = False,
    ) -> None:
        self.app = app
        self.faults = faults
        self.skip_prefix = skip_prefix
        self.pass_console = pass_console

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.skip_prefix and str(environ.get("PATH_INFO", "")).startswith(self.skip_prefix):
            return self.app(environ, start_response)
        if self.pass_console and is_console_request(environ):
            return self.app(environ, start_response)
        hits = self.faults.next_request()
        if not hits:  # nearly every request: no generator, no sum
            return self.app(environ, start_response)
        delay = sum(f.delay for f in hits if f.kind == "latency")
        if delay:
            environ[LATENCY_ENVIRON_KEY] = float(environ.get(LATENCY_ENVIRON_KEY) or 0.0) + delay
            if not environ.get(DEFER_LATENCY_KEY):
                time.sleep(delay)
        fault = next((f for f in hits if f.kind != "latency"), None)
        if fault is None:
            return self.app(environ, start_response)
        environ[FAULT_ENVIRON_KEY] = fault.kind
        if fault.kind == "drop":
            if not environ.get(DEFER_CLOSE_KEY):
                close_socket(environ)
            raise ConnectionDropped()
        if fault.kind == "truncate":
            return self._truncate(environ, start_response)
        status, error_type, message = _STATUS[fault.kind]
        body = error_body(error_type, message)
        headers = json_headers(body)
        if fault.kind in ("rate_limit", "unavailable"):
            headers.append(("Retry-After", str(fault.retry_after)))
        start_response(status, headers)
        return [body]

    def _truncate(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.append((status, headers))
            return lambda data: None

        body = read_result(self.app(environ, capture))
        status, headers = captured[-1]
        if not any(k.lower() == "content-length" for k, _ in headers):
            # The app's own length stands (a HEAD answer declares the GET body's length).
            headers = [*headers, ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return _Truncated(body[: len(body) // 2], environ)
