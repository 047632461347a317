"""The request journal: what a client asked of the mock, and helpers to assert on it.

``JournalMiddleware`` wraps the WSGI app and appends one ``JournalEntry`` per
request (method, path, raw query, headers with secrets redacted, status, the
injected fault if any, the injected latency in seconds, the ``type`` and
``param`` of an error answer, and how long the mock took to answer). It is
installed only when asked for (``create_app(journal=...)``), so the served hot
path pays nothing otherwise.

An error answer's ``type`` and ``param`` are read back from its body (the
contract's envelope, at most ``_MAX_ERROR_BODY`` bytes; the layers below know
nothing of the journal), and only for a status of 400 or more: a ``200`` is
never read. ``elapsed`` is the mock's own time to answer, measured with a
monotonic clock: a diagnostic for people, never part of any served data.

The journal keeps the newest ``max_entries`` requests (100 000 by default) and
counts the older ones it let go in ``dropped``: a long-running ``serve
--enable-control`` stays within bounded memory.

Redacted headers: ``Authorization`` (to ``Bearer [REDACTED]``, the token kept
only as a fingerprint), ``Proxy-Authorization``, ``Cookie``, and every header
whose name contains ``token``, ``secret``, ``key``, ``auth``, ``cookie`` or
``password`` (any case: ``X-Api-Key``, ``X-Auth-Token``, ``X-Client-Secret``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import orjson

from ..core.errors import SettingError
from ..http.auth import bearer_token
from ..http.paths import TRANSACTIONS_PATH
from ..http.wsgi import Environ, StartResponse, WSGIApp, read_result

__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "DEFER_LATENCY_KEY",
    "FAULT_ENVIRON_KEY",
    "LATENCY_ENVIRON_KEY",
    "Journal",
    "JournalEntry",
    "JournalMiddleware",
    "error_of",
    "is_console_request",
    "is_secret_header",
    "key_fingerprint",
]

FAULT_ENVIRON_KEY = "ledger_mock.fault"
# Seconds of injected latency (float), set by the fault middleware whether it slept
# them or left them to the server to wait out (see mockserver.testing.faults.DEFER_LATENCY_KEY).
LATENCY_ENVIRON_KEY = "ledger_mock.latency"
# Set by a server that waits out latency faults itself after the app answered (the
# fault middleware then only records the delay): it adds to the measured time
# instead of being part of it. mockserver.testing.faults re-exports it.
DEFER_LATENCY_KEY = "ledger_mock.defer_latency"
# What the middleware learnt about the answer, handed to ``Journal.record`` in the
# environ (its signature stays (environ, status, fault)).
# The console page marks its own calls with ``X-Ledger-Console`` (any value): the
# journal flags them, and with the control API faults and drift let them through.
CONSOLE_HEADER = "X-Ledger-Console"
_CONSOLE_ENVIRON_KEY = "HTTP_X_LEDGER_CONSOLE"
_ERROR_KEY = "ledger_mock.journal.error"
_ELAPSED_KEY = "ledger_mock.journal.elapsed"
_MAX_ERROR_BODY = 4096  # an envelope is ~100-300 bytes; anything longer is not read
_JSON_CONTENT_TYPES = ("application/json",)
DEFAULT_MAX_ENTRIES = 100_000
_REDACTED = "[REDACTED]"
_SECRET_WORDS = ("token", "secret", "key", "auth", "cookie", "password")


@lru_cache(maxsize=256)
def key_fingerprint(key: str) -> str:
    """A short, stable, one-way name for a key (what the journal keeps instead of it)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


_PLAIN, _CONTENT, _AUTHORIZATION, _SECRET = range(4)


_UNSEEN: Any = object()
_MAX_KNOWN_KEYS = 512


def _journal_header(environ_key: str) -> tuple[str, int] | None:
    """``HTTP_ACCEPT_ENCODING`` → (``Accept-Encoding``, how it is kept); ``None``: not a header."""
    if environ_key.startswith("HTTP_"):
        header = environ_key[5:].replace("_", "-").title()
    elif environ_key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return environ_key.replace("_", "-").title(), _CONTENT
    else:
        return None
    if header == "Authorization":
        return header, _AUTHORIZATION
    return header, _SECRET if is_secret_header(header) else _PLAIN


# index, method, path, query string, headers, status, fault, key id, latency,
# error (type, param), elapsed seconds, seconds since the journal started, the
# request target as sent
_Row = tuple[
    int,
    str,
    str,
    str,
    tuple[tuple[str, str], ...],
    int | None,
    str | None,
    str | None,
    float,
    tuple[str, str | None] | None,
    float,
    float,
    str,
]


def _entry(row: _Row) -> JournalEntry:
    index, method, path, query, headers, status, fault, key_id, latency, error = row[:10]
    elapsed, at, target = row[10:]
    return JournalEntry(
        index=index,
        method=method,
        path=path,
        query_string=query,
        headers=dict(headers),
        status=status,
        fault=fault,
        key_id=key_id,
        latency=latency,
        error_type=error[0] if error else None,
        error_param=error[1] if error else None,
        elapsed=elapsed,
        at=at,
        target=target,
    )


def error_of(body: bytes) -> tuple[str, str | None] | None:
    """``(type, param)`` of an error envelope, or ``None`` if ``body`` is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("type"), str):
        return None
    param = error.get("param")
    return error["type"], param if isinstance(param, str) else None


def is_console_request(environ: Mapping[str, Any]) -> bool:
    """Whether the request carries the console page's ``X-Ledger-Console`` mark."""
    return _CONSOLE_ENVIRON_KEY in environ


@lru_cache(maxsize=256)
def is_secret_header(name: str) -> bool:
    """Whether the journal redacts a header (``Authorization``, ``Cookie``, ``X-Api-Key``, ...)."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _redact(value: str) -> tuple[str, str | None]:
    """``Authorization`` value → (redacted value, fingerprint of the token or None).

    Only a value the endpoint itself accepts as ``Bearer <key>`` is fingerprinted:
    ``Bearer\tkey`` or ``Bearer a,Bearer b`` never reach a key lookup, so they
    must not read as that key (the scheme stays visible to say what was sent).
    """
    parts = value.strip(" \t").split(None, 1)
    if len(parts) == 2 and parts[0].lower() == "bearer":
        token = bearer_token(value)
        return f"{parts[0]} {_REDACTED}", key_fingerprint(token) if token is not None else None
    return _REDACTED if value else value, None


@dataclass(frozen=True)
class JournalEntry:
    """One request as the mock saw it. ``status`` is ``None`` when the connection was dropped.

    ``latency`` is the injected delay in seconds (0 without a latency fault), the
    same whether the mock slept it or the server waited it out after the app answered:
    the journal records what was injected, never a wall-clock measure. ``elapsed``
    is what the client waited for the answer (the mock's time, plus a delay the
    server waited out), and ``at`` when the request was recorded, in seconds since
    the journal started or was last cleared: both measured on a monotonic clock,
    for people to read, never part of a served ledger. ``error_type`` and
    ``error_param`` come from the body of an error answer (else ``None``).
    """

    index: int
    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    status: int | None
    fault: str | None = None
    key_id: str | None = field(default=None, repr=False)
    latency: float = 0.0
    error_type: str | None = None
    error_param: str | None = None
    elapsed: float = field(default=0.0, compare=False)
    at: float = field(default=0.0, compare=False)
    # The request target exactly as sent (``RAW_URI``/``REQUEST_URI`` when the
    # server gives one): ``path`` is ``PATH_INFO``, already percent-decoded.
    target: str = field(default="", compare=False, repr=False)

    @property
    def params(self) -> dict[str, list[str]]:
        """The query parameters, each with every value given (in order)."""
        out: dict[str, list[str]] = {}
        for name, value in parse_qsl(self.query_string, keep_blank_values=True):
            out.setdefault(name, []).append(value)
        return out

    def param(self, name: str) -> str | None:
        """The first value of ``name`` in the query string, or ``None``."""
        values = self.params.get(name)
        return values[0] if values else None

    @property
    def page(self) -> int | None:
        """The requested page (1 when absent); ``None`` if it is not a plain integer."""
        return _int_param(self.param("page"), 1)

    @property
    def page_size(self) -> int | None:
        """The requested page size (50 when absent); ``None`` if it is not a plain integer."""
        return _int_param(self.param("page_size"), 50)

    @property
    def authenticated(self) -> bool:
        """Whether the request carried a Bearer token (right or wrong)."""
        return self.key_id is not None

    def sent_key(self, key: str) -> bool:
        """Whether the request carried exactly ``key`` as its Bearer token."""
        return self.key_id == key_fingerprint(key)

    @property
    def line(self) -> str:
        """``GET /path?query -> 200`` (for assertion messages)."""
        target = self.path + (f"?{self.query_string}" if self.query_string else "")
        outcome = "dropped" if self.status is None else str(self.status)
        fault = f" [fault: {self.fault}]" if self.fault else ""
        latency = f" [latency: {self.latency:g}s]" if self.latency else ""
        return f"#{self.index} {self.method} {target} -> {outcome}{fault}{latency}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (what ``GET /__mock/journal`` returns)."""
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "query_string": self.query_string,
            "headers": dict(self.headers),
            "status": self.status,
            "fault": self.fault,
            "latency": self.latency,
            "key_id": self.key_id,
            "error_type": self.error_type,
            "error_param": self.error_param,
            "elapsed_ms": round(self.elapsed * 1000, 3),
        }


def _int_param(text: str | None, default: int) -> int | None:
    if text is None:
        return default
    return int(text) if text.isascii() and text.isdigit() else None


class Journal:
    """Thread-safe, bounded record of ``JournalEntry`` with assertion helpers.

    It keeps the newest ``max_entries`` requests; ``dropped`` counts the older
    ones let go since the last ``clear`` (an entry's ``index`` still counts them).
    """

    def __init__(self, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise SettingError(
                f"max_entries must be an integer >= 1, got {max_entries!r}", param="max_entries"
            )
        self.max_entries = max_entries
        self._lock = threading.Lock()
        # Rows are plain tuples of strings and numbers: the cyclic GC stops tracking
        # them, so a full journal (10^5 requests) costs no collection time; entries
        # are built when read (a JournalEntry is a tracked object, and a dict each).
        self._entries: deque[_Row] = deque(maxlen=max_entries)
        # environ key -> what is kept of it: the same few keys come on every request,
        # and every key of every request's environ is looked up (a dict beats a call).
        self._known: dict[str, tuple[str, int] | None] = {}
        self._recorded = 0
        self._generation = 0
        self._started = time.monotonic()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def dropped(self) -> int:
        """Requests recorded since the last ``clear`` that no longer fit (oldest first)."""
        with self._lock:
            return self._recorded - len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of every request so far, in the order they completed."""
        with self._lock:
            rows = list(self._entries)
        return [_entry(row) for row in rows]

    @property
    def generation(self) -> int:
        """How many times the journal was cleared: a reader polling ``after`` an index
        learns from a new generation that the indexes started again from 0."""
        return self._generation

    def newest(
        self, *, after: int = -1, limit: int | None = None, key_id: str | None = None
    ) -> list[JournalEntry]:
        """Requests with an ``index`` above ``after``, newest first, at most ``limit``.

        ``key_id`` keeps those that sent that key (its ``key_fingerprint``). The scan
        starts at the newest and stops at ``after``, so polling for what is new costs
        what is new, not the journal's length.
        """
        rows: list[_Row] = []
        with self._lock:
            for row in reversed(self._entries):
                if row[0] <= after or (limit is not None and len(rows) >= limit):
                    break
                if key_id is None or row[7] == key_id:
                    rows.append(row)
        return [_entry(row) for row in rows]

    def oldest(
        self, *, after: int = -1, limit: int | None = None, key_id: str | None = None
    ) -> list[JournalEntry]:
        """Requests with an ``index`` above ``after``, oldest first, at most ``limit``.

        What a poller that must not skip reads: a burst larger than ``limit`` comes
        in order, page by page. Indexes are consecutive, so the rows past
        ``after`` are the last ``newest index - after`` ones: the walk costs the
        backlog, not the journal's length.
        """
        with self._lock:
            if not self._entries:
                return []
            backlog = max(0, self._entries[-1][0] - after)
            newer = list(itertools.islice(reversed(self._entries), backlog))
        rows: list[_Row] = []
        for row in reversed(newer):
            if limit is not None and len(rows) >= limit:
                break
            if key_id is None or row[7] == key_id:
                rows.append(row)
        return [_entry(row) for row in rows]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._recorded = 0
            self._generation += 1
            self._started = time.monotonic()

    def record(self, environ: Mapping[str, Any], status: int | None, fault: str | None) -> None:
        """Append the request of ``environ`` (its injected latency read from the environ).

        The middleware leaves what it learnt of the answer (error, time taken) in
        the environ too.
        """
        now = time.monotonic()
        latency = environ.get(LATENCY_ENVIRON_KEY)
        error = environ.get(_ERROR_KEY)
        elapsed = environ.get(_ELAPSED_KEY)
        headers: list[tuple[str, str]] = []
        key_id = None
        known = self._known
        for name, value in environ.items():
            spec = known.get(name, _UNSEEN)
            if spec is _UNSEEN:
                spec = _journal_header(name)
                if len(known) < _MAX_KNOWN_KEYS:  # a client's odd header names: bounded
                    known[name] = spec
            if spec is None or (spec[1] == _CONTENT and not value):
                continue
            header, treatment = spec
            if treatment == _AUTHORIZATION:
                value, key_id = _redact(str(value))
            elif treatment == _SECRET:
                value = _REDACTED if value else value
            headers.append((header, str(value)))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", ""))
        query = str(environ.get("QUERY_STRING", ""))
        sent = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        target = str(sent) if sent else path + (f"?{query}" if query else "")
        injected = float(latency) if isinstance(latency, (int, float)) else 0.0
        took = float(elapsed) if isinstance(elapsed, float) else 0.0
        if environ.get(DEFER_LATENCY_KEY):  # waited out by the server after the app answered
            took += injected
        with self._lock:
            row: _Row = (
                self._recorded,
                method,
                path,
                query,
                tuple(headers),
                status,
                fault,
                key_id,
                injected,
                error if isinstance(error, tuple) else None,
                took,
                now - self._started,
                target,
            )
            self._entries.append(row)
            self._recorded += 1

    # -- selections --------------------------------------------------------------

    def listing_requests(self) -> list[JournalEntry]:
        """Requests to ``/api/v1/me/billing/transactions``."""
        return [entry for entry in self.entries if entry.path == TRANSACTIONS_PATH]

    def pages(self) -> list[int | None]:
        """The page numbers requested from the listing, in order."""
        return [entry.page for entry in self.listing_requests()]

    def describe(self) -> str:
        lines = [entry.line for entry in self.entries]
        dropped = self.dropped
        if dropped:
            lines.insert(0, f"({dropped} earlier requests dropped: the journal keeps the newest)")
        return "\n".join(lines) or "(no requests)"

    # -- assertions --------------------------------------------------------------

    def _fail(self, message: str) -> None:
        raise AssertionError(f"{message}\nrequests received:\n{self.describe()}")

    def assert_paginated(self, *, total: int, page_size: int) -> None:
        """The client fetched pages 1..last at ``page_size``, each once, in order, and stopped.

        ``last`` is ``ceil(total / page_size)`` (page 1 when ``total`` is 0).
        """
        if total < 0 or page_size < 1:
            raise SettingError("total must be >= 0 and page_size >= 1")
        requests = self.listing_requests()
        sizes = {entry.page_size for entry in requests}
        if sizes - {page_size}:
            self._fail(
                f"expected every request at page_size={page_size}, saw {sorted(map(str, sizes))}"
            )
        expected = list(range(1, max(1, math.ceil(total / page_size)) + 1))
        pages = [entry.page for entry in requests]
        if pages != expected:
            self._fail(f"expected pages {expected} exactly once each, in order; got {pages}")

    def assert_always_authenticated(self, key: str | None = None) -> None:
        """Every request carried a Bearer token (``key`` itself, when given)."""
        for entry in self.entries:
            if not entry.authenticated:
                self._fail(f"request #{entry.index} carried no Bearer token")
            if key is not None and not entry.sent_key(key):
                self._fail(f"request #{entry.index} carried a different key than expected")

    def assert_max_page_size(self, limit: int = 200) -> None:
        """No listing request asked for more than ``limit`` entries per page."""
        for entry in self.listing_requests():
            size = entry.page_size
            if size is None or size > limit:
                self._fail(
                    f"request #{entry.index} asked for page_size={entry.param('page_size')!r}"
                )


class JournalMiddleware:
    """WSGI middleware recording every request into ``journal``.

    ``skip_prefix`` (the control API's, when enabled) is passed through unrecorded.
    """

    def __init__(self, app: WSGIApp, journal: Journal, *, skip_prefix: str | None = None) -> None:
        self.app = app
        self.journal = journal
        self.skip_prefix = skip_prefix

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.skip_prefix and str(environ.get("PATH_INFO", "")).startswith(self.skip_prefix):
            return self.app(environ, start_response)
        seen: list[int] = []
        readable: list[bool] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            code = int(status.split(" ", 1)[0])
            seen.append(code)
            if code >= 400:
                readable.append(_small_json(headers))
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        started = time.perf_counter()
        try:
            result = self.app(environ, recording_start_response)
        except ConnectionError:
            environ[_ELAPSED_KEY] = time.perf_counter() - started
            self.journal.record(environ, None, environ.get(FAULT_ENVIRON_KEY))
            raise
        except Exception:  # answered with a 500 by the last-resort guard (see control.py)
            environ[_ELAPSED_KEY] = time.perf_counter() - started
            environ[_ERROR_KEY] = ("api_error", None)
            self.journal.record(environ, 500, environ.get(FAULT_ENVIRON_KEY))
            raise
        fault = environ.get(FAULT_ENVIRON_KEY)
        if readable and readable[-1] and fault != "truncate":  # truncate closes as it ends
            body = read_result(result)
            result = [body]
            environ[_ERROR_KEY] = error_of(body) if body else None
        environ[_ELAPSED_KEY] = time.perf_counter() - started
        self.journal.record(environ, seen[-1] if seen else None, fault)
        return result


def _small_json(headers: Iterable[tuple[str, str]]) -> bool:
    """Whether an answer's body is JSON of a declared length small enough to read back."""
    json = small = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-type":
            json = value.split(";", 1)[0].strip().lower() in _JSON_CONTENT_TYPES
        elif lowered == "content-length":
            small = value.isdigit() and int(value) <= _MAX_ERROR_BODY
    return json and small
