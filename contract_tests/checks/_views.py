"""Every key handed to the suite is a first-class key (CONTRACT.md §2, §7).

The second key of the account and the other account's key are optional; when
given, their answers must keep every rule on their own (the unfiltered total
against their own items, pagination, the balance chain, ids and order), not
only agree with the main key on a few queries: an implementation can route a
key through another cache, replica or code path.  Each key gets a `View`: how
to send as it, and its own pinned history.  The second key follows the main
key's pin and window (the same queries, so the two histories can also be
compared entry by entry); the other account's key is discovered and pinned on
its own.  Views are read once, on first use, and shared by the checks after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contract_tests.client import ENDPOINT, Exchange, bearer, encode_query
from contract_tests.context import Context
from contract_tests.entries import Entry
from contract_tests.history import History, discover, follow

__all__ = ["MAIN", "OTHER", "SECOND", "Missing", "View", "key_view", "prepare", "send", "views"]

MAIN, SECOND, OTHER = "main", "second", "other"
# The other account is only read to be judged and to prove isolation: 5 pages.
OTHER_CAP = 1000


@dataclass(frozen=True, slots=True)
class View:
    """One key's view of its account."""

    role: str
    # None: the client's default, the main key.
    authorization: str | None
    history: History

    @property
    def who(self) -> str:
        """How a note or a reason names this key."""
        return _WHO[self.role]


@dataclass(frozen=True, slots=True)
class Missing:
    """Why a key has no view: not given, or its history could not be read.

    `exchange` is the answer that was not a readable 200, if one was: the only
    thing that can break a promise.  `entries` is what a good 200 download held
    when no window could be cut (every entry at one `created_at`).
    """

    reason: str
    given: bool
    exchange: Exchange | None = None
    entries: tuple[Entry, ...] = ()


_WHO = {MAIN: "the main key", SECOND: "the second key", OTHER: "the other account's key"}


def send(
    ctx: Context,
    params: Mapping[str, str] | Iterable[tuple[str, str]] | str,
    authorization: str | None,
) -> Exchange:
    """GET the endpoint as the key of `authorization` (None: the main key)."""
    if authorization is None:
        return ctx.client.get(params)
    return ctx.client.get(params, authorization=authorization)


def prepare(ctx: Context, params: Mapping[str, str], authorization: str | None) -> Exchange:
    """An unsent GET as that key: something to print as a curl line."""
    if authorization is None:
        return ctx.client.prepare(params)
    query = encode_query(params)
    url = ctx.client.base_url + ENDPOINT + (f"?{query}" if query else "")
    return Exchange("GET", url, ENDPOINT, query, authorization)


def key_view(ctx: Context, role: str) -> View | Missing:
    """The view of `role` (main, second, other), read on first use."""
    if role == MAIN:
        if ctx.history is None:
            return Missing(ctx.history_problem, given=True)
        return View(MAIN, None, ctx.history)
    cached = ctx.key_histories.get(role)
    if cached is None:
        cached = _read(ctx, role)
        ctx.key_histories[role] = cached
    assert isinstance(cached, View | Missing)
    return cached


def views(ctx: Context, roles: Iterable[str] = (MAIN, SECOND, OTHER)) -> list[View]:
    """The views of `roles` that could be read, in that order."""
    found = [key_view(ctx, role) for role in roles]
    return [view for view in found if isinstance(view, View)]


def _read(ctx: Context, role: str) -> View | Missing:
    key = ctx.keys.second_key if role == SECOND else ctx.keys.other_account_key
    if not key:
        option = "--second-key" if role == SECOND else "--other-account-key"
        what = "second key of the account" if role == SECOND else "other account's key"
        return Missing(f"no {what} was given ({option})", given=False)
    authorization = bearer(key)
    if role == SECOND:
        if ctx.history is None:
            return Missing(ctx.history_problem, given=True)
        found = follow(ctx.client, ctx.history, authorization)
    else:
        found = discover(ctx.client, cap=OTHER_CAP, authorization=authorization)
    if isinstance(found, History):
        return View(role, authorization, found)
    return Missing(
        f"{_WHO[role]}: {found.reason}",
        given=True,
        exchange=found.failure,
        entries=found.entries,
    )
