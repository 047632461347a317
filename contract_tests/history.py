"""Discover what the account holds, pinned so that it cannot move under us.

§7: the suite assumes nothing about the data.  It reads the newest entry,
pins `until` one second past it, and pages through the pinned history at
`page_size=200`, at most `cap` entries.  Above the cap it keeps a window of
the newest entries, cut at a `created_at` boundary so that a `since` filter
selects exactly the window; every comparison then runs inside that window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from contract_tests.client import Client, Exchange
from contract_tests.entries import Entry, page_items
from contract_tests.timestamps import format_instant

__all__ = [
    "DEFAULT_CAP",
    "History",
    "Paged",
    "Unread",
    "discover",
    "fetch_pages",
    "follow",
    "select",
]

DEFAULT_CAP = 4000
PAGE_SIZE = 200


@dataclass(slots=True)
class Paged:
    """The pages of one query, fetched in order."""

    exchanges: list[Exchange] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    total: int | None = None
    complete: bool = False
    failure: Exchange | None = None


def fetch_pages(
    client: Client,
    params: Mapping[str, str],
    *,
    page_size: int = PAGE_SIZE,
    max_pages: int,
    authorization: str | None = None,
) -> Paged:
    """Page through a query until its last page, a failure, or `max_pages`."""
    paged = Paged()
    page = 1
    while page <= max_pages:
        query = {**params, "page": str(page), "page_size": str(page_size)}
        if authorization is None:
            exchange = client.get(query)
        else:
            exchange = client.get(query, authorization=authorization)
        paged.exchanges.append(exchange)
        items = page_items(exchange.body) if exchange.status == 200 else None
        if items is None:
            paged.failure = exchange
            return paged
        total = exchange.body.get("total")
        if page == 1:
            paged.total = total if isinstance(total, int) and not isinstance(total, bool) else None
        paged.entries.extend(items)
        last = len(items) < page_size if paged.total is None else page * page_size >= paged.total
        if last or not items:
            paged.complete = True
            return paged
        page += 1
    return paged


@dataclass(slots=True)
class History:
    """The reference entries every comparison is made against."""

    entries: list[Entry]
    base: dict[str, str]
    pin: str | None
    complete: bool
    total: int
    window_since: str | None = None
    first_page: Exchange | None = None

    @property
    def ids(self) -> set[int]:
        """The ids of the reference entries."""
        return {e.id for e in self.entries if e.id is not None}


@dataclass(frozen=True, slots=True)
class Unread:
    """Why no history could be pinned, and what was downloaded on the way.

    `failure` is the answer that was not a readable 200, if one was: only such
    an answer can break a promise.  A target whose newest entries all share one
    `created_at` answered well and still leaves no window to cut: `entries` is
    then the uncut download, enough to prove that no entry of ours is in it.
    """

    reason: str
    failure: Exchange | None = None
    entries: tuple[Entry, ...] = ()

    def __str__(self) -> str:
        return self.reason


def select(
    entries: list[Entry],
    *,
    kind: str | None = None,
    since: Fraction | None = None,
    until: Fraction | None = None,
) -> list[Entry]:
    """Client-side filtering with the contract's semantics (since inclusive, until exclusive)."""
    return [
        e
        for e in entries
        if (kind is None or e.kind == kind)
        and (since is None or (e.instant is not None and e.instant >= since))
        and (until is None or (e.instant is not None and e.instant < until))
    ]


def discover(
    client: Client, *, cap: int = DEFAULT_CAP, authorization: str | None = None
) -> History | Unread:
    """Read and pin the account's history, or say why it could not be read.

    `authorization` reads it as another key (None: the client's main key).
    """
    query = {"page_size": str(PAGE_SIZE)}
    first = (
        client.get(query)
        if authorization is None
        else client.get(query, authorization=authorization)
    )
    items = page_items(first.body) if first.status == 200 else None
    if items is None:
        return Unread(
            f"GET ?page_size=200 answered {first.status} without an items list",
            failure=first if first.status != 200 else None,
        )
    if not items:
        return History(entries=[], base={}, pin=None, complete=True, total=0, first_page=first)
    instants = [e.instant for e in items if e.instant is not None]
    if len(instants) != len(items) or any(e.id is None for e in items):
        return Unread("some created_at or id values on the first page could not be read")
    newest = max(instants)
    pin = format_instant(Fraction(math.floor(newest) + 1))
    base = {"until": pin}
    paged = fetch_pages(
        client, base, max_pages=max(1, cap // PAGE_SIZE), authorization=authorization
    )
    read = _read(paged)
    if isinstance(read, Unread):
        return read
    entries, total = read
    if paged.complete:
        return History(entries, base, pin, complete=True, total=total, first_page=first)
    return _window(entries, base, pin, total, first)


def _read(paged: Paged) -> tuple[list[Entry], int] | Unread:
    """The entries of a paged read and its total, or why they cannot be used."""
    if paged.failure is not None:
        return _failed(paged.failure)
    entries = paged.entries
    if any(e.instant is None or e.id is None for e in entries):
        return Unread("some created_at or id values in the history could not be read")
    return entries, paged.total if paged.total is not None else len(entries)


def _failed(failure: Exchange) -> Unread:
    return Unread(
        f"paging the pinned history failed with {failure.status}",
        failure=failure if failure.status != 200 else None,
    )


def _window(
    entries: list[Entry], base: dict[str, str], pin: str, total: int, first: Exchange
) -> History | Unread:
    """Keep the newest entries strictly after the oldest downloaded `created_at`."""
    oldest = entries[-1].instant
    assert oldest is not None
    kept = [e for e in entries if e.instant is not None and e.instant > oldest]
    if not kept:
        return Unread(
            "every downloaded entry shares one created_at: no window can be cut",
            entries=tuple(entries),
        )
    since = kept[-1].created_at
    assert since is not None
    return History(
        entries=kept,
        base={**base, "since": since},
        pin=pin,
        complete=False,
        total=total,
        window_since=since,
        first_page=first,
    )


def follow(client: Client, template: History, authorization: str) -> History | Unread:
    """The same pinned query as `template`, read with another key of the same account.

    The pin and the window are `template`'s, so the two histories can be compared
    entry by entry, and the second key's is still judged by every rule on its own.
    """
    # One page more than the template needed: a key that lists more must show it.
    max_pages = math.ceil(len(template.entries) / PAGE_SIZE) + 1
    if template.base:
        paged = fetch_pages(client, template.base, max_pages=max_pages, authorization=authorization)
    else:  # an empty account has no pin: its one (empty) first page
        paged = fetch_pages(client, {}, max_pages=1, authorization=authorization)
    read = _read(paged)
    if isinstance(read, Unread):
        return read
    entries, total = read
    return History(
        entries=entries,
        base=dict(template.base),
        pin=template.pin,
        complete=paged.complete and template.complete,
        total=total,
        window_since=template.window_since,
        first_page=paged.exchanges[0],
    )
