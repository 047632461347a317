"""The columnar ledger: one numpy array per field, details rendered on demand.

A million entries as dicts cost ~690 MB; as these arrays they cost 33 bytes each.
Everything a response needs beyond the arrays (receipt ids, card brands, notes) is
derived from the account seed and the entry's position when it is served.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .notes import staff_emails

__all__ = ["AccountProfile", "Ledger", "PinnedDetail"]


@dataclass(frozen=True)
class AccountProfile:
    """Per-account constants that source fields are drawn from."""

    seed: int
    plan: str
    cards: tuple[tuple[str, str], ...]

    @cached_property
    def actors(self) -> tuple[str, ...]:
        """Who may adjust the account; written by Faker, so derived only when served."""
        return ("ops@bytespike.ai", "billing@bytespike.ai", *staff_emails(self.seed, count=2))


@dataclass(frozen=True)
class PinnedDetail:
    """An entry whose source and note are given verbatim (the docs example)."""

    source: Mapping[str, str]
    note: str | None


@dataclass(frozen=True, eq=False)
class Ledger:
    """An account's whole history, oldest first (the listing is its reverse).

    ``ids`` strictly increase and ``created`` never decreases with position, so a
    position range is a time range and the listing order (created desc, id desc) is
    exactly descending position.
    """

    account: str
    profile: AccountProfile
    ids: np.ndarray[Any, np.dtype[np.int64]]
    created: np.ndarray[Any, np.dtype[np.int64]]
    variants: np.ndarray[Any, np.dtype[np.uint8]]
    amounts: np.ndarray[Any, np.dtype[np.int32]]
    balances: np.ndarray[Any, np.dtype[np.int64]]
    kind_positions: tuple[np.ndarray[Any, np.dtype[np.int32]], ...]
    pinned: Mapping[int, PinnedDetail] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns and indexes (what scales with the history)."""
        columns = (self.ids, self.created, self.variants, self.amounts, self.balances)
        return sum(a.nbytes for a in columns) + sum(a.nbytes for a in self.kind_positions)
