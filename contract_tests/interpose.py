"""Schemathesis' requests through the run's `Governor` (pushback, pace, deadline).

Schemathesis 4 sends from several sessions of its own making: the engine's
per-thread session, its capability probes, a fresh session for auth
inference, a throw-away one when a case is called without any.  The one
funnel they all share is `requests.adapters.HTTPAdapter.send`, so while
`governed(...)` is active that method is replaced by one that hands requests
to the target's origin to the governor (every other URL passes untouched),
and what was there before is put back when the last governed block ends
(if nothing else has replaced it meanwhile: then that is left alone).  The
method in place when the first block starts is the one the replacement
calls on, so a patch active around the run (a test's `responses`) keeps
working.  Origins are compared the way requests prepares URLs: scheme and
host lower-cased, an internationalised host in its punycode (IDNA) form,
default ports dropped.

Below Schemathesis, a waited-out `429` never reaches it: its checks see the
retried answer only.  A request still pushed back after the bound reaches it
as it is, and `fuzzing` makes the rules it fed "could not check"; a request
that never got an answer reaches it as the last `requests` error, as it
would have without the governor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from contract_tests.deadline import read_body
from contract_tests.pushback import Governor, Unanswered

__all__ = ["governed"]

_LOCK = threading.Lock()
_ACTIVE: list[tuple[tuple[str, str], Governor]] = []
# `HTTPAdapter.send` as it was when the latest first governed block began (kept
# after it ends, for a call that picked up the replacement just before).
_SAVED: list[Callable[..., requests.Response]] = []
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str]:
    """(scheme, host[:port]) of `url` as requests sends it (punycode host, no default port)."""
    try:
        prepared = requests.Request("GET", url).prepare().url or url
    except (requests.RequestException, ValueError, UnicodeError):
        prepared = url
    parts = urlsplit(prepared)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return scheme, parts.netloc.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return scheme, host


def _governor_for(url: str | None) -> Governor | None:
    origin = _origin(url or "")
    with _LOCK:
        for active_origin, governor in reversed(_ACTIVE):
            if active_origin == origin:
                return governor
    return None


def _bounded(timeout: Any, governor: Governor) -> Any:
    """The request's timeout, shortened so that no attempt outlasts `--max-duration`."""
    left = governor.remaining()
    if left is None or isinstance(timeout, tuple):
        return timeout
    left = max(0.001, left)
    return left if timeout is None else min(float(timeout), left)


def _governed_send(
    self: HTTPAdapter,
    request: requests.PreparedRequest,
    stream: bool = False,
    timeout: Any = None,
    verify: bool | str = True,
    cert: Any = None,
    proxies: Mapping[str, str] | None = None,
) -> requests.Response:
    with _LOCK:
        saved = _SAVED[0]
    governor = _governor_for(request.url)
    if governor is None:
        return saved(self, request, stream, timeout, verify, cert, proxies)

    def attempt() -> requests.Response:
        # Streamed and read against the deadline (`deadline`), whatever `stream`
        # the caller asked for: the body is then the response's `content`.
        response = saved(self, request, True, _bounded(timeout, governor), verify, cert, proxies)
        return read_body(response, governor)

    try:
        return governor.send(attempt).response
    except Unanswered as error:
        raise error.cause from None


@contextmanager
def governed(base_url: str, governor: Governor) -> Iterator[None]:
    """Route every `requests` call to `base_url`'s origin through `governor` meanwhile."""
    entry = (_origin(base_url), governor)
    with _LOCK:
        if not _ACTIVE:
            # The one funnel of Schemathesis' sessions (see the module docstring).
            _SAVED[:] = [HTTPAdapter.send]
            HTTPAdapter.send = _governed_send  # type: ignore[method-assign]
        _ACTIVE.append(entry)
    try:
        yield
    finally:
        with _LOCK:
            _ACTIVE.remove(entry)
            # Put back what was there, unless something replaced us since.
            if not _ACTIVE and HTTPAdapter.send is _governed_send:
                HTTPAdapter.send = _SAVED[0]  # type: ignore[method-assign]
