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

import threading
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from .ledger import Ledger
from .store import KeyStatus

__all__ = ["Drift", "DriftError", "DriftingSource", "LedgerSource", "visible_prefix"]


class DriftError(ValueError):
    """Drift settings that cannot be applied."""


class LedgerSource(Protocol):
    """What the listing view needs of a store."""

    def key_status(self, key: str) -> tuple[KeyStatus, str | None]: ...

    def ledger(self, account: str) -> Ledger: ...


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
    if keep == size:
        return ledger
    return replace(
        ledger,
        ids=ledger.ids[:keep],
        created=ledger.created[:keep],
        variants=ledger.variants[:keep],
        amounts=ledger.amounts[:keep],
        balances=ledger.balances[:keep],
        kind_positions=tuple(
            index[: int(np.searchsorted(index, keep, side="left"))]
            for index in ledger.kind_positions
        ),
        pinned={p: detail for p, detail in ledger.pinned.items() if p < keep},
    )


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
        """Hide the newest ``hold_back`` entries, then reveal ``per_request`` per request served."""
        if isinstance(hold_back, bool) or not isinstance(hold_back, int) or hold_back < 1:
            raise DriftError("hold_back must be an integer >= 1")
        if isinstance(per_request, bool) or not isinstance(per_request, int) or per_request < 1:
            raise DriftError("per_request must be an integer >= 1")
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
        """The ledger as of this request (counts the request)."""
        with self._lock:
            settings = self._settings
            if settings is None or (
                settings.accounts is not None and ledger.account not in settings.accounts
            ):
                return ledger
            hidden = max(0, settings.hold_back - self._served * settings.per_request)
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
