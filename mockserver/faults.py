"""Fault injection: off unless asked, deterministic when asked.

A ``Fault`` says what goes wrong (``kind``) and on which requests: every one,
the n-th ones (1-based, counted since the last reset), or a seeded fraction of
them (request number and seed decide, never the clock or a global RNG).
``FaultMiddleware`` applies the active faults of a ``Faults`` controller; it is
installed only when asked for, so an app without it pays nothing.

Kinds: ``latency`` (sleep ``delay`` seconds, then answer normally),
``rate_limit`` (``429 rate_limit_error`` with ``Retry-After``), ``server_error``
(``500 api_error``), ``unavailable`` (``503 api_error`` with ``Retry-After``),
``drop`` (the connection closes before any response) and ``truncate`` (the real
response, cut short of its ``Content-Length``, then the connection closes).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from .errors import LedgerMockError, error_body
from .journal import FAULT_ENVIRON_KEY
from .seeding import mix64

__all__ = ["ConnectionDropped", "Fault", "FaultError", "FaultKind", "FaultMiddleware", "Faults"]

FaultKind = Literal["latency", "rate_limit", "server_error", "unavailable", "drop", "truncate"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
_STATUS = {
    "rate_limit": ("429 Too Many Requests", "rate_limit_error", "rate limit exceeded (injected)"),
    "server_error": ("500 Internal Server Error", "api_error", "internal error (injected)"),
    "unavailable": ("503 Service Unavailable", "api_error", "service unavailable (injected)"),
}
_SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")
_SCALE = float(1 << 64)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FaultError(LedgerMockError, ValueError):
    """A fault specification that cannot be applied."""


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
        if self.kind not in FAULT_KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r} (known: {', '.join(FAULT_KINDS)})")
        if isinstance(self.nth, int) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in self.nth
        ):
            raise FaultError("nth must be a tuple of request numbers >= 1")
        object.__setattr__(self, "nth", tuple(sorted(set(self.nth))))
        if self.fraction is not None:
            if self.nth:
                raise FaultError("give nth or fraction, not both")
            if isinstance(self.fraction, bool) or not 0.0 <= float(self.fraction) <= 1.0:
                raise FaultError(f"fraction must be between 0 and 1, got {self.fraction!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise FaultError("seed must be an integer")
        if isinstance(self.delay, bool) or not 0.0 <= float(self.delay) <= 600.0:
            raise FaultError("delay must be between 0 and 600 seconds")
        if self.kind == "latency" and self.delay == 0:
            raise FaultError("a latency fault needs delay > 0")
        if (
            isinstance(self.retry_after, bool)
            or not isinstance(self.retry_after, int)
            or self.retry_after < 0
        ):
            raise FaultError("retry_after must be an integer >= 0")

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
        unknown = set(data) - {"kind", "nth", "fraction", "seed", "delay", "retry_after"}
        if unknown:
            raise FaultError(f"unknown fault setting {sorted(unknown)[0]!r}")
        if "kind" not in data:
            raise FaultError("a fault needs a kind")
        nth = data.get("nth", ())
        if isinstance(nth, int) and not isinstance(nth, bool):
            nth = (nth,)
        if not isinstance(nth, (list, tuple)):
            raise FaultError("nth must be a request number or a list of them")
        options = {k: data[k] for k in ("fraction", "seed", "delay", "retry_after") if k in data}
        return cls(kind=data["kind"], nth=tuple(nth), **options)


class Faults:
    """The active faults and the request counter they are matched against (thread-safe)."""

    def __init__(self) -> None:
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
        with self._lock:
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
        numbers = (nth,) if isinstance(nth, int) else tuple(nth)
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
            faults = tuple(self._faults)
        return tuple(fault for fault, base in faults if fault.hits(number - base))


def _close_socket(environ: Mapping[str, Any]) -> None:
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
        _close_socket(self._environ)


class FaultMiddleware:
    """WSGI middleware applying ``faults``; ``skip_prefix`` requests are never touched."""

    def __init__(self, app: WSGIApp, faults: Faults, *, skip_prefix: str | None = None) -> None:
        self.app = app
        self.faults = faults
        self.skip_prefix = skip_prefix

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.skip_prefix and str(environ.get("PATH_INFO", "")).startswith(self.skip_prefix):
            return self.app(environ, start_response)
        hits = self.faults.next_request()
        for latency in hits:
            if latency.kind == "latency":
                time.sleep(latency.delay)
        fault = next((f for f in hits if f.kind != "latency"), None)
        if fault is None:
            return self.app(environ, start_response)
        environ[FAULT_ENVIRON_KEY] = fault.kind
        if fault.kind == "drop":
            _close_socket(environ)
            raise ConnectionDropped()
        if fault.kind == "truncate":
            return self._truncate(environ, start_response)
        status, error_type, message = _STATUS[fault.kind]
        body = error_body(error_type, message)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if fault.kind in ("rate_limit", "unavailable"):
            headers.append(("Retry-After", str(fault.retry_after)))
        start_response(status, headers)
        return [body]

    def _truncate(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.append((status, headers))
            return lambda data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = captured[-1]
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return _Truncated(body[: len(body) // 2], environ)
