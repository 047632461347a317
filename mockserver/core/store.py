"""Keys to accounts, accounts to ledgers: generated on first use, then kept.

Large histories are built lazily so that ``serve`` is ready at once; a lock per
account makes concurrent first requests build a ledger once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from .config import AccountSpec, MockConfig
from .generation import generate_ledger
from .ledger import Ledger
from .rendering import ITEM_CACHE_SIZE, CacheInfo, ItemCache, cache_info, item_cache
from .scenarios import DOCS_EXAMPLE_ITEMS
from .seeding import derive_seed

__all__ = ["KeyStatus", "LedgerSource", "LedgerStore"]

_MIN_STRIDE = 64


class KeyStatus(Enum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    ACTIVE = "active"


class LedgerSource(Protocol):
    """What the listing needs of a store (a store, or a view of one such as drift's)."""

    def key_status(self, key: str) -> tuple[KeyStatus, str | None]: ...

    def ledger(self, account: str) -> Ledger: ...


@dataclass(frozen=True)
class _Slot:
    spec: AccountSpec
    shard: int


class LedgerStore:
    """The served data of one configuration; safe to share between threads.

    It also holds the LRU of rendered items (``render_item``), so the rendered
    bytes of an app die with it.
    """

    def __init__(self, config: MockConfig, *, item_cache_size: int = ITEM_CACHE_SIZE) -> None:
        self.config = config
        self.render_item: ItemCache = item_cache(item_cache_size)
        names = sorted(account.name for account in config.accounts)
        self._stride = max(_MIN_STRIDE, 1 << (len(names) - 1).bit_length())
        shards = {name: shard for shard, name in enumerate(names)}
        self._slots = {a.name: _Slot(a, shards[a.name]) for a in config.accounts}
        self._keys: dict[str, tuple[KeyStatus, str]] = {}
        for account in config.accounts:
            self._keys.update({k: (KeyStatus.ACTIVE, account.name) for k in account.keys})
            self._keys.update({k: (KeyStatus.REVOKED, account.name) for k in account.revoked_keys})
        self._reserved = frozenset(
            int(str(item["id"]))
            for account in config.accounts
            if account.scenario.docs_example
            for item in DOCS_EXAMPLE_ITEMS
        )
        self._ledgers: dict[str, Ledger] = {}
        self._locks = {name: threading.Lock() for name in self._slots}

    def key_status(self, key: str) -> tuple[KeyStatus, str | None]:
        """Whether ``key`` opens an account, and which."""
        status, account = self._keys.get(key, (KeyStatus.UNKNOWN, None))
        return status, account

    def unbuilt_account(self, key: str, *, include_revoked: bool = False) -> str | None:
        """The account ``key`` opens if its ledger is not generated yet (else ``None``).

        A server asks before answering on its event loop, and generates that
        ledger on a thread, so no other client waits for it. A revoked key opens
        nothing at the endpoint, but the console charts a revoked key's account
        too (``include_revoked``).
        """
        found = self._keys.get(key)
        if found is None or found[1] in self._ledgers:
            return None
        if found[0] is not KeyStatus.ACTIVE and not include_revoked:
            return None
        return found[1]

    def ledger(self, account: str) -> Ledger:
        """The account's ledger, generated on first use."""
        cached = self._ledgers.get(account)
        if cached is not None:
            return cached
        with self._locks[account]:
            if account not in self._ledgers:
                slot = self._slots[account]
                self._ledgers[account] = generate_ledger(
                    slot.spec.scenario,
                    seed=derive_seed(self.config.seed, account),
                    account=account,
                    now=self.config.now,
                    shard=slot.shard,
                    stride=self._stride,
                    reserved_ids=self._reserved,
                )
        return self._ledgers[account]

    def item_cache_info(self) -> CacheInfo:
        """How often ``render_item`` found the entry already rendered."""
        return cache_info(self.render_item)

    def warm(self, *, max_size: int | None = None) -> None:
        """Generate every ledger up front (those up to ``max_size`` entries if given)."""
        for name, slot in self._slots.items():
            if max_size is None or slot.spec.scenario.size <= max_size:
                self.ledger(name)
