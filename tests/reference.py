"""A naive reference of the endpoint's semantics: filter a list, sort, slice.

Deliberately the slowest obvious implementation, so the real engine can be
checked against something too simple to be wrong.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from mockserver.core.timestamps import parse_instant


def reference_page(
    entries: list[dict[str, Any]],
    *,
    page: int = 1,
    page_size: int = 50,
    kind: str | None = None,
    since: Fraction | None = None,
    until: Fraction | None = None,
) -> tuple[list[int], int]:
    """Ids of one page and the total, from every entry of an account."""
    matching = [
        entry
        for entry in entries
        if (kind is None or entry["kind"] == kind)
        and (since is None or parse_instant(entry["created_at"]) >= since)
        and (until is None or parse_instant(entry["created_at"]) < until)
    ]
    matching.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
    start = (page - 1) * page_size
    return [entry["id"] for entry in matching[start : start + page_size]], len(matching)
