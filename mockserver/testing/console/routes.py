"""The console's routes: its page and static files, and the JSON the page reads.

Under ``/__mock/console``:

- ``GET /`` the page (a static shell: the data come from JSON), ``GET /static/<file>``.
- ``GET /api/balance?key=K[&points=N]`` → ``{"account", "count", "first",
  "last", "points": [[epoch_seconds, min_usd, max_usd], ...]}``: ``first`` and
  ``last`` the oldest and newest entries' epoch seconds (``null`` when empty),
  the points the account's whole history cut down on the server to at most
  ``N`` points (``DEFAULT_POINTS``, at most ``MAX_POINTS``), the lowest and
  highest balance per time span, so a spike in 10^6 entries still shows.
- ``GET /api/journal?after=<id>&limit=<n>&key=<key>&order=desc|asc`` →
  ``{"generation", "dropped", "latest", "entries": [...]}``, newest first (or
  with ``order=asc`` oldest first, what a poller that must not skip a burst
  reads page by page): what the journal holds past request ``after``, with
  the key redacted, the error's ``type`` and ``param``, and the near-miss
  ``hint`` (``mockserver.testing.hints``; one string or ``null``, worked out
  once per entry).
- ``GET /api/export?key=K&kind=&since=&until=&format=csv|json|ndjson`` → the
  bytes ``ledger-mock export`` writes with the same options (the same code,
  ``mockserver.core.export``), as the attachment ``ledger-<account>.<ext>``.

The page itself reads the keys (``GET /__mock/keys``), faults and drift from the
control API, and the ledger from the endpoint. A parameter here is given at
most once; an empty one counts as absent (the page's empty inputs); a bad one
is a ``400 invalid_request_error`` naming it in ``param``, never a ``500``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Response, abort, render_template, request
from werkzeug.http import parse_range_header
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response as WerkzeugResponse

from ...core.config import key_table
from ...core.downsample import min_max_buckets
from ...core.errors import LedgerMockError
from ...core.export import EXPORT_FORMATS, export_entries, export_text
from ...core.kinds import KINDS
from ...core.query import Query
from ...core.store import KeyStatus, LedgerStore
from ...core.timestamps import TimestampError, parse_instant
from ...http.envelope import JSON, error_body
from ..hints import auth_seen, hints
from ..journal import Journal, JournalEntry, key_fingerprint
from .security import CONSOLE_PREFIX, is_public_path

__all__ = [
    "DEFAULT_JOURNAL_LIMIT",
    "DEFAULT_POINTS",
    "MAX_JOURNAL_LIMIT",
    "MAX_POINTS",
    "console_blueprint",
]

DEFAULT_POINTS = 2000
MAX_POINTS = 10_000
DEFAULT_JOURNAL_LIMIT = 200
MAX_JOURNAL_LIMIT = 1000
# The faults a person injects from the page, commonest first (``unavailable`` stays the API's).
PAGE_FAULT_KINDS = ("rate_limit", "server_error", "latency", "drop", "truncate")
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
}
_MAX_INT_DIGITS = 12
_STATIC_DIR = Path(__file__).resolve().parent / "static"
_HINT_MEMO = 4 * MAX_JOURNAL_LIMIT  # hints remembered (short strings: bounded by hints.py)


class _BadParameter(LedgerMockError):
    """A console parameter that cannot be used; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _json(data: Any, status: int = 200) -> Response:
    response = Response(orjson.dumps(data), status=status, content_type=JSON)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(error: _BadParameter) -> Response:
    response = Response(
        error_body("invalid_request_error", error.message, error.param),
        status=400,
        content_type=JSON,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _one(name: str) -> str | None:
    """The parameter's single value; ``None`` when absent or empty; given twice is refused."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise _BadParameter(name, f"{name} is given {len(values)} times: give it once")
    return values[0] if values and values[0] != "" else None


def _integer(name: str, *, default: int, low: int, high: int) -> int:
    text = _one(name)
    if text is None:
        return default
    body = text[1:] if text.startswith("-") else text
    if not (body.isascii() and body.isdigit()) or len(body) > _MAX_INT_DIGITS:
        raise _BadParameter(name, f"{name} must be an integer from {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise _BadParameter(name, f"{name} must be an integer from {low} to {high}")
    return value


def _account(store: LedgerStore, *, allow_revoked: bool = False) -> tuple[str, str]:
    """(key, account) of the ``key`` parameter: a key of the configuration."""
    key = _one("key")
    if key is None:
        raise _BadParameter("key", "key is required: one of the configuration's keys")
    status, account = store.key_status(key)
    if account is None:
        raise _BadParameter("key", "unknown key: not one of the configuration's keys")
    if status is KeyStatus.REVOKED and not allow_revoked:
        raise _BadParameter("key", "revoked key: the endpoint refuses it; choose an active key")
    return key, account


def _instant(name: str) -> Fraction | None:
    text = _one(name)
    if text is None:
        return None
    try:
        return parse_instant(text)
    except TimestampError as error:
        raise _BadParameter(name, str(error)) from None


def _redacted(key: str) -> str:
    """What the console shows of a key: its ``bsk_test_``-style prefix, never the rest."""
    parts = key.split("_")
    prefix = "_".join(parts[:2]) + "_" if len(parts) > 2 else ""
    if not prefix or len(key) - len(prefix) < 3:
        prefix = key[: min(4, len(key) // 3)]
    return prefix + "…"


class _Keys:
    """The configuration's keys by fingerprint (what the journal keeps instead of a key)."""

    def __init__(self, store: LedgerStore) -> None:
        rows = key_table(store.config)
        self.by_fingerprint: Mapping[str, tuple[str, str, str]] = {
            key_fingerprint(r.key): (r.key, r.account, r.status) for r in rows
        }
        self.statuses: Mapping[str, str] = {
            fp: status for fp, (_, _, status) in self.by_fingerprint.items()
        }

    def describe(self, key_id: str | None) -> dict[str, Any] | None:
        if key_id is None:
            return None
        found = self.by_fingerprint.get(key_id)
        if found is None:
            return {"fingerprint": key_id, "account": None, "status": "unknown", "redacted": None}
        key, account, status = found
        return {
            "fingerprint": key_id,
            "account": account,
            "status": status,
            "redacted": _redacted(key),
        }


class _Hints:
    """Each journal entry's hint, worked out once (polls ask for the same entries again).

    Keyed by (journal generation, entry id); bounded, oldest forgotten first.
    """

    def __init__(self, keys: _Keys, *, size: int = _HINT_MEMO) -> None:
        self.keys = keys
        self.size = size
        self._memo: OrderedDict[tuple[int, int], str | None] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, generation: int, entry: JournalEntry, path: str, query: str) -> str | None:
        memo_key = (generation, entry.index)
        with self._lock:
            if memo_key in self._memo:
                return self._memo[memo_key]
        auth = auth_seen(entry.headers.get("Authorization"), entry.key_id, self.keys.statuses)
        found = hints(path=path, query_string=query, status=entry.status, auth=auth)
        hint = "; ".join(found) if found else None
        with self._lock:
            self._memo[memo_key] = hint
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)
        return hint


def _entry(entry: JournalEntry, keys: _Keys, hint_of: _Hints, generation: int) -> dict[str, Any]:
    # What the client sent, not what the server decoded: ``%2F`` stays ``%2F``.
    target = entry.target or entry.path + (f"?{entry.query_string}" if entry.query_string else "")
    path, _, query = target.partition("?")
    if not entry.target:  # no raw target kept: PATH_INFO is all there is
        path, query = entry.path, entry.query_string
    elif not path.startswith("/"):  # absolute-form (http://host/path): the path is judged
        path = urlsplit(path).path
    error = (
        {"type": entry.error_type, "param": entry.error_param}
        if entry.error_type is not None
        else None
    )
    return {
        "id": entry.index,
        "at": round(entry.at, 3),
        "method": entry.method,
        "target": target,
        "key": keys.describe(entry.key_id),
        "status": entry.status,
        "error": error,
        "latency_ms": round(entry.elapsed * 1000, 2),
        "injected_latency_ms": round(entry.latency * 1000, 2),
        "fault": entry.fault,
        "hint": hint_of.of(generation, entry, path, query),
        "console": "X-Ledger-Console" in entry.headers,
    }


def _balance(store: LedgerStore) -> Response:
    _, account = _account(store, allow_revoked=True)
    points = _integer("points", default=DEFAULT_POINTS, low=1, high=MAX_POINTS)
    ledger = store.ledger(account)
    times, lows, highs = min_max_buckets(ledger.created, ledger.balances, max_points=points)
    rows = zip(times.tolist(), (lows / 100).tolist(), (highs / 100).tolist(), strict=True)
    created = ledger.created
    return _json(
        {
            "account": account,
            "count": len(ledger),
            # The first and last entries' own instants: the last point is a bucket's
            # start, which can lie hours before the newest entry.
            "first": int(created[0]) if len(created) else None,
            "last": int(created[-1]) if len(created) else None,
            "points": [list(row) for row in rows],
        }
    )


def _journal(journal: Journal, store: LedgerStore, keys: _Keys, hint_of: _Hints) -> Response:
    after = _integer("after", default=-1, low=-1, high=2**53)
    limit = _integer("limit", default=DEFAULT_JOURNAL_LIMIT, low=1, high=MAX_JOURNAL_LIMIT)
    key_id = None
    if _one("key") is not None:
        key, _ = _account(store, allow_revoked=True)
        key_id = key_fingerprint(key)
    order = _one("order") or "desc"
    if order not in ("asc", "desc"):
        raise _BadParameter("order", "order must be asc or desc")
    generation = journal.generation
    read = journal.oldest if order == "asc" else journal.newest
    entries = read(after=after, limit=limit, key_id=key_id)
    latest = journal.newest(limit=1)
    return _json(
        {
            "generation": generation,
            "dropped": journal.dropped,
            "latest": latest[0].index if latest else -1,
            "entries": [_entry(entry, keys, hint_of, generation) for entry in entries],
        }
    )


def _export(store: LedgerStore) -> Response:
    _, account = _account(store)
    kind = _one("kind")
    if kind is not None and kind not in KINDS:
        raise _BadParameter("kind", f"kind must be one of {', '.join(KINDS)}")
    query = Query(kind=kind, since=_instant("since"), until=_instant("until"))
    fmt = _one("format") or "csv"
    if fmt not in EXPORT_FORMATS:
        raise _BadParameter("format", f"format must be one of {', '.join(EXPORT_FORMATS)}")
    if request.method == "HEAD":  # the headers a GET would send; nothing rendered
        response = Response(iter(()), content_type=_MEDIA[fmt])  # a GET streams: no length
    else:
        pieces = export_text(export_entries(store.ledger(account), query), fmt)

        def body() -> Iterator[bytes]:
            for piece in pieces:
                yield piece.encode("utf-8")

        response = Response(body(), content_type=_MEDIA[fmt])
    response.headers.set("Content-Disposition", "attachment", filename=f"ledger-{account}.{fmt}")
    response.headers["Cache-Control"] = "no-store"
    return response


def _static(name: str) -> WerkzeugResponse:
    """One of the page's files: a flat name of the folder, as ``is_public_path`` allows.

    A ``Range`` that does not parse is ignored (the whole file, as RFC 9110
    says), not a ``416``; the server adds the one ``Date`` header.
    """
    if not is_public_path(f"{CONSOLE_PREFIX}/static/{name}"):
        abort(404)
    environ = request.environ
    if "HTTP_RANGE" in environ and parse_range_header(environ["HTTP_RANGE"]) is None:
        environ = {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
    response = send_from_directory(_STATIC_DIR, name, environ)
    response.headers.pop("Date", None)
    return response


def console_blueprint(journal: Journal, store: LedgerStore) -> Blueprint:
    """The console's routes, reading ``journal`` and ``store``."""
    console = Blueprint(
        "ledger_mock_console",
        __name__,
        url_prefix=CONSOLE_PREFIX,
        template_folder="templates",
    )
    console.register_error_handler(_BadParameter, _refuse)
    only = {"provide_automatic_options": False}
    keys = _Keys(store)
    hint_of = _Hints(keys)

    @console.get("", **only)
    def bare() -> Response:
        location = CONSOLE_PREFIX + "/"
        return Response(
            orjson.dumps({"location": location}),
            status=308,
            content_type=JSON,
            headers={"Location": location},
        )

    @console.get("/", **only)
    def page() -> Response:
        html = render_template(
            "ledger_console/console.html",
            kinds=KINDS,
            fault_kinds=PAGE_FAULT_KINDS,
            formats=EXPORT_FORMATS,
        )
        response = Response(html, content_type="text/html; charset=utf-8")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @console.get("/static/<name>", **only)
    def static(name: str) -> WerkzeugResponse:
        return _static(name)

    @console.get("/api/balance", **only)
    def balance() -> Response:
        return _balance(store)

    @console.get("/api/journal", **only)
    def journal_view() -> Response:
        return _journal(journal, store, keys, hint_of)

    @console.get("/api/export", **only)
    def export() -> Response:
        return _export(store)

    return console
