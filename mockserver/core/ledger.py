"""The columnar ledger: one numpy array per field, details rendered on demand.

A million entries as dicts cost ~690 MB; as these arrays they cost 33 bytes each.
Everything a response needs beyond the arrays (receipt ids, card brands, notes) is
derived from the account seed and the entry's position when it is served
(``rendering``). The ledger owns its columns: ``from_columns`` builds one (and
its per-kind indexes), ``prefix`` and ``take`` cut one down, consistently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .kinds import KINDS, Variant, kind_code

__all__ = ["AccountProfile", "Ledger", "PinnedDetail"]


@dataclass(frozen=True)
class AccountProfile:
    """Per-account constants that source fields are drawn from."""

    seed: int
    plan: str
    cards: tuple[tuple[str, str], ...]


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

    @classmethod
    def from_columns(
        cls,
        *,
        account: str,
        profile: AccountProfile,
        ids: np.ndarray[Any, Any],
        created: np.ndarray[Any, Any],
        variants: np.ndarray[Any, Any],
        amounts: np.ndarray[Any, Any],
        balances: np.ndarray[Any, Any] | None = None,
        pinned: Mapping[int, PinnedDetail] | None = None,
    ) -> Ledger:
        """A ledger of these columns, oldest first; ``balances`` default to the running sum."""
        variants = np.asarray(variants).astype(np.uint8)
        return cls(
            account=account,
            profile=profile,
            ids=np.asarray(ids).astype(np.int64),
            created=np.asarray(created).astype(np.int64),
            variants=variants,
            amounts=np.asarray(amounts).astype(np.int32),
            balances=(
                np.cumsum(amounts, dtype=np.int64)
                if balances is None
                else np.asarray(balances).astype(np.int64)
            ),
            kind_positions=_kind_positions(variants),
            pinned=dict(pinned or {}),
        )

    def prefix(self, keep: int) -> Ledger:
        """The oldest ``keep`` entries (what the ledger was before the newer ones posted)."""
        if keep >= len(self):
            return self
        return replace(
            self,
            ids=self.ids[:keep],
            created=self.created[:keep],
            variants=self.variants[:keep],
            amounts=self.amounts[:keep],
            balances=self.balances[:keep],
            kind_positions=tuple(
                index[: int(np.searchsorted(index, keep, side="left"))]
                for index in self.kind_positions
            ),
            pinned={p: detail for p, detail in self.pinned.items() if p < keep},
        )

    def take(self, positions: np.ndarray[Any, Any], *, balances: np.ndarray[Any, Any]) -> Ledger:
        """The entries at ``positions`` (increasing), with the balance chain ``balances``."""
        index = np.asarray(positions, dtype=np.int64)
        renumbered = {int(old): new for new, old in enumerate(index.tolist())}
        return Ledger.from_columns(
            account=self.account,
            profile=self.profile,
            ids=self.ids[index],
            created=self.created[index],
            variants=self.variants[index],
            amounts=self.amounts[index],
            balances=np.asarray(balances, dtype=self.balances.dtype),
            pinned={renumbered[p]: d for p, d in self.pinned.items() if p in renumbered},
        )


_CODE_OF_VARIANT = np.array([kind_code(v) for v in range(len(Variant))], dtype=np.uint8)


def _kind_positions(
    variants: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, np.dtype[np.int32]], ...]:
    """Per kind (in ``KINDS`` order), the positions of its entries, increasing."""
    codes = _CODE_OF_VARIANT[variants]
    return tuple(np.flatnonzero(codes == code).astype(np.int32) for code in range(len(KINDS)))
