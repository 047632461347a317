"""Page drift: new entries post while a client paginates, deterministically.

The newest ``hold_back`` entries of every ledger start hidden; each listing
request served reveals the next ``per_request`` of them (oldest hidden first), as
if they had just been posted. A client paging by offset then sees an entry twice
(or misses one, with a filter); a client that pins ``until`` just past the
newest entry of its first page sees stable pages.

The cut-off always falls between two distinct ``created_at`` seconds, so an
entry revealed later is strictly newer than every entry visible before it:
``until = newest_seen + 1s`` excludes all of them. The clock is the request
count, never the wall clock.
"""

from __future__ import annotations

import reprlib
import threading
from collections.abc import Collection, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import islice

import numpy as np

from ..core.errors import SettingError
from ..core.ledger import Ledger
from ..core.store import KeyStatus, LedgerSource
from ..http.wsgi import Environ, StartResponse, WSGIApp
from .journal import is_console_request

__all__ = [
    "MAX_HOLD_BACK",
    "ConsoleUncounted",
    "Drift",
    "DriftError",
    "DriftingSource",
    "check_accounts",
    "visible_prefix",
]

MAX_HOLD_BACK = 2**63 - 1  # hold_back, per_request: what JSON carries as a signed 64-bit integer
# Set while a request that must not advance drift is answered (``ConsoleUncounted``).
_UNCOUNTED: ContextVar[bool] = ContextVar("ledger_mock_drift_uncounted", default=False)


class DriftError(SettingError):
    """Drift settings that cannot be applied; ``param`` names the bad setting."""


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HOLD_BACK:
        raise DriftError(f"{name} must be an integer between 1 and {MAX_HOLD_BACK}", param=name)
    return value


def _shown(name: str) -> str:
    """A client-sent name in a message: its repr, cut short (a body may be 64 KiB of it)."""
    short = reprlib.Repr()
    short.maxstring = 60
    return short.repr(name)


def check_accounts(accounts: Iterable[str] | None, known: Collection[str]) -> frozenset[str] | None:
    """``accounts`` as a set, every one of them an account of ``known`` (else ``DriftError``).

    At most ``len(known)`` names are read (each account once is all a list needs),
    and each must be a string *before* any is hashed: a list of lists or of objects
    from a JSON body is a ``DriftError``, never a ``TypeError``.
    """
    if accounts is None:
        return None
    if isinstance(accounts, (str, bytes)) or not isinstance(accounts, Iterable):
        raise DriftError("accounts must be a list of account names", param="accounts")
    limit = max(len(known), 1)
    names = list(islice(accounts, limit + 1))  # endless iterables stop here too
    if not all(isinstance(name, str) for name in names):
        raise DriftError("accounts must be a list of account names", param="accounts")
    if len(names) > limit:
        raise DriftError(
            f"accounts may name at most {limit} accounts (the configured ones, each once)",
            param="accounts",
        )
    chosen = frozenset(names)
    unknown = sorted(chosen - set(known))
    if unknown:
        raise DriftError(
            f"no account named {_shown(unknown[0])} (known: {', '.join(sorted(known))})",
            param="accounts",
        )
    return chosen


@dataclass(frozen=True)
class _Settings:
    hold_back: int
    per_request: int
    accounts: frozenset[str] | None


def visible_prefix(ledger: Ledger, hidden: int) -> Ledger:
    """``ledger`` without its newest ``hidden`` entries (and any sharing their second)."""
    size = len(ledger)
    if hidden <= 0 or size == 0:
        return ledger
    if hidden >= size:
        keep = 0
    else:
        # Never split a second: hide every entry that shares the cut-off's created_at.
        keep = int(np.searchsorted(ledger.created, ledger.created[size - hidden], side="left"))
    return ledger.prefix(keep)


class Drift:
    """Controller of the drift mode (off until ``start``); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: _Settings | None = None
        self._served = 0
        self._views: dict[tuple[int, int], Ledger] = {}  # one object per cut: caches stay warm

    @property
    def active(self) -> bool:
        return self._settings is not None

    @property
    def served(self) -> int:
        """Listing requests served since drift started."""
        return self._served

    def start(
        self, *, hold_back: int, per_request: int = 1, accounts: frozenset[str] | None = None
    ) -> None:
        """Hide the newest ``hold_back`` entries, then reveal ``per_request`` per request served.

        ``accounts`` limits drift to those accounts (``check_accounts`` checks names
        against a configuration; ``Drift`` itself does not know one).
        """
        _count(hold_back, "hold_back")
        _count(per_request, "per_request")
        if accounts is not None:
            accounts = check_accounts(accounts, accounts)
        with self._lock:
            self._settings = _Settings(
                hold_back, per_request, frozenset(accounts) if accounts is not None else None
            )
            self._served = 0
            self._views.clear()

    def stop(self) -> None:
        with self._lock:
            self._settings = None
            self._served = 0
            self._views.clear()

    def state(self) -> dict[str, object]:
        settings = self._settings
        if settings is None:
            return {"active": False}
        return {
            "active": True,
            "hold_back": settings.hold_back,
            "per_request": settings.per_request,
            "accounts": sorted(settings.accounts) if settings.accounts is not None else None,
            "served": self._served,
        }

    def hidden_now(self) -> int:
        """How many of the newest entries the next request would not see."""
        settings = self._settings
        if settings is None:
            return 0
        return max(0, settings.hold_back - self._served * settings.per_request)

    def view(self, ledger: Ledger) -> Ledger:
        """The ledger as of this request (counted, unless ``ConsoleUncounted`` says not)."""
        with self._lock:
            settings = self._settings
            if settings is None or (
                settings.accounts is not None and ledger.account not in settings.accounts
            ):
                return ledger
            hidden = max(0, settings.hold_back - self._served * settings.per_request)
            if not _UNCOUNTED.get():
                self._served += 1
            key = (id(ledger), hidden)
            view = self._views.get(key)
            if view is None:
                view = self._views[key] = visible_prefix(ledger, hidden)
        return view

    def bind(self, store: LedgerSource) -> DriftingSource:
        return DriftingSource(store, self)


class DriftingSource:
    """A store whose ledgers drift under ``drift``; pass-through while drift is off."""

    def __init__(self, store: LedgerSource, drift: Drift) -> None:
        self._store = store
        self._drift = drift

    def key_status(self, key: str) -> tuple[KeyStatus, str | None]:
        return self._store.key_status(key)

    def ledger(self, account: str) -> Ledger:
        return self._drift.view(self._store.ledger(account))


class ConsoleUncounted:
    """WSGI middleware: a request marked ``X-Ledger-Console`` sees drift without advancing it.

    The console page reads the ledger as the client under test would, but its
    reads are not the client's requests: they must not reveal entries the
    client was about to be shown. Installed with the control API only.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not is_console_request(environ):
            return self.app(environ, start_response)
        token = _UNCOUNTED.set(True)
        try:  # the ledger is looked up while the app is called, not while its body is read
            return self.app(environ, start_response)
        finally:
            _UNCOUNTED.reset(token)
