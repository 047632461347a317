"""A long series cut down to a few points that still show its extremes.

A chart of 10^6 balances cannot draw them all, and a plain stride would skip
the spikes a developer looks for. ``min_max_buckets`` splits the time axis into
at most ``max_points`` equal spans and keeps, per non-empty span, its first
instant and the lowest and highest value in it: every value of the series lies
within some point's [min, max], so the global extremes are always drawn.
Integer arithmetic throughout: the same input gives the same points everywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SettingError

__all__ = ["Buckets", "min_max_buckets"]

Buckets = tuple[
    np.ndarray[Any, np.dtype[np.int64]],  # first instant of each bucket
    np.ndarray[Any, np.dtype[np.int64]],  # lowest value in it
    np.ndarray[Any, np.dtype[np.int64]],  # highest value in it
]


def min_max_buckets(
    times: np.ndarray[Any, Any], values: np.ndarray[Any, Any], *, max_points: int
) -> Buckets:
    """Per equal time span (at most ``max_points``, empty ones left out): first time, min, max.

    ``times`` must not decrease (a ledger's ``created`` column). A series no
    longer than ``max_points`` comes back point for point. ``SettingError`` (a
    ``ValueError``) when ``max_points < 1`` or the two arrays differ in length.
    """
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1:
        raise SettingError(
            f"max_points must be an integer >= 1, got {max_points!r}", param="max_points"
        )
    t = np.asarray(times, dtype=np.int64)
    v = np.asarray(values, dtype=np.int64)
    if t.shape != v.shape or t.ndim != 1:
        raise SettingError("times and values must be 1-d arrays of the same length")
    if len(t) <= max_points:
        return t.copy(), v.copy(), v.copy()
    first, last = int(t[0]), int(t[-1])
    span = last - first + 1
    # Edge k of max_points spans; Python ints, so a wide span cannot overflow int64.
    edges = np.array([first + (span * k) // max_points for k in range(max_points)], dtype=np.int64)
    starts = np.unique(np.searchsorted(t, edges, side="left"))
    starts = starts[starts < len(t)]
    return t[starts], np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts)
