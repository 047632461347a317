"""The query engine: a filter and a page → positions, in O(log n + page_size).

``since``/``until`` become a position range by bisection on the time column,
``kind`` by bisection in that kind's position index; ``total`` is index
arithmetic and the page is a slice read backwards. Nothing scans the history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .kinds import KINDS
from .ledger import Ledger

__all__ = ["Query", "Selection", "select"]


@dataclass(frozen=True, kw_only=True)
class Query:
    """A validated request: what the endpoint's query string means."""

    page: int = 1
    page_size: int = 50
    kind: str | None = None
    since: Fraction | None = None
    until: Fraction | None = None


@dataclass(frozen=True)
class Selection:
    """The positions of one page, in listing order, and the filter's total."""

    positions: np.ndarray[Any, np.dtype[np.int64]]
    total: int


def _bound(ledger: Ledger, instant: Fraction | None, default: int) -> int:
    """First position whose whole-second ``created`` is >= ``instant``.

    Entries have whole seconds, so ``created >= t`` ⇔ ``created >= ceil(t)`` and
    ``created < t`` ⇔ ``created < ceil(t)``: one bisection serves both ends.
    """
    if instant is None:
        return default
    return int(np.searchsorted(ledger.created, math.ceil(instant), side="left"))


def select(ledger: Ledger, query: Query) -> Selection:
    """Apply ``query`` to ``ledger`` exactly as the contract orders and pages it."""
    low = _bound(ledger, query.since, 0)
    high = max(low, _bound(ledger, query.until, len(ledger)))
    if query.kind is None:
        index = None
        total = high - low
    else:
        index = ledger.kind_positions[KINDS.index(query.kind)]
        # Search with the index's own dtype: a Python int would make numpy cast the
        # whole int32 index to int64 first, an O(n) copy on every request.
        as_index = index.dtype.type
        low = int(np.searchsorted(index, as_index(low), side="left"))
        high = int(np.searchsorted(index, as_index(high), side="left"))
        total = high - low
    skip = (query.page - 1) * query.page_size
    count = max(0, min(query.page_size, total - skip))
    if count == 0:
        return Selection(np.empty(0, dtype=np.int64), total)
    first = high - 1 - skip  # listing is newest first: walk the range backwards
    ranks = np.arange(first, first - count, -1, dtype=np.int64)
    positions = ranks if index is None else index[ranks].astype(np.int64)
    return Selection(positions, total)
