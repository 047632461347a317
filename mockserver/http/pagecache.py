"""A bounded LRU of whole responses, keyed by what determines them.

A response of the endpoint is a pure function of the configuration, the account
and the raw query string, so once an account is authenticated its answer to a
query string can be kept and served again byte for byte. The cache is bounded
by the bytes it holds, safe to share between threads, and counts its hits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from ..core.errors import SettingError

__all__ = ["DEFAULT_PAGE_CACHE_BYTES", "MAX_KEY_LENGTH", "CacheStats", "ResponseCache"]

DEFAULT_PAGE_CACHE_BYTES = 32 * 1024 * 1024
MAX_KEY_LENGTH = 512  # longer query strings are answered but not kept
_ENTRY_OVERHEAD = 256  # rough bytes of bookkeeping per entry (key tuple, node, ints)

K = TypeVar("K")
V = TypeVar("V")


class CacheStats(NamedTuple):
    """Counters of one process's cache."""

    hits: int
    misses: int
    entries: int
    bytes: int
    max_bytes: int

    @property
    def hit_rate(self) -> float:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


class ResponseCache(Generic[K, V]):
    """Least recently used first out, once more than ``max_bytes`` are held."""

    def __init__(self, *, max_bytes: int, paused: Callable[[], bool] | None = None) -> None:
        if max_bytes < 0:
            raise SettingError(f"max_bytes must be >= 0, got {max_bytes}", param="max_bytes")
        self.max_bytes = max_bytes
        self._paused = paused
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether answers are kept now: a size to keep them in, and not ``paused()``.

        ``paused`` is drift's ``active``: while pages drift, answers are not a pure
        function of the query; before and after, they are, and are kept.
        """
        return self.max_bytes > 0 and not (self._paused is not None and self._paused())

    def get(self, key: K) -> V | None:
        """The kept value, or ``None`` (counted as a miss)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep ``value`` (``size`` bytes), dropping the least recently used to fit."""
        cost = size + _ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, cost)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self._hits, self._misses, len(self._entries), self._bytes, self.max_bytes
            )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = self._hits = self._misses = 0
