"""§2: who may read, how the header is parsed, and who sees which wallet."""

from __future__ import annotations

from functools import partial

from contract_tests.checks._expect import expect_401, expect_ok
from contract_tests.checks._registry import check
from contract_tests.checks._views import OTHER, SECOND, Missing, View, key_view, prepare
from contract_tests.client import Exchange, bearer
from contract_tests.context import Context, describe
from contract_tests.entries import page_items
from contract_tests.redaction import basic_credentials

__all__ = ["accepted_headers", "isolation", "refused_headers", "second_key"]

UNKNOWN_KEY = "bsk_contract_suite_unknown_0000"


@check(
    "AUTH-401-MISSING",
    "AUTH-401-EMPTY",
    "AUTH-401-SCHEME",
    "AUTH-401-UNKNOWN",
    "AUTH-401-REVOKED",
    "AUTH-401-MALFORMED",
    "AUTH-BEFORE-PARAMS",
)
def refused_headers(ctx: Context) -> None:
    """Every way of not presenting a valid key is a 401 authentication_error."""
    key = ctx.keys.api_key
    basic = basic_credentials(key)
    expect_401(ctx, "AUTH-401-MISSING", None)
    for value in ("", "Bearer", "Bearer "):
        expect_401(ctx, "AUTH-401-EMPTY", value)
    for value in (f"Basic {basic}", f"Token {key}", key, f"Bearer{key}"):
        expect_401(ctx, "AUTH-401-SCHEME", value)
    for value in (bearer(UNKNOWN_KEY), bearer(key + "x"), bearer(key[:-1])):
        expect_401(ctx, "AUTH-401-UNKNOWN", value)
    # Not a key in another case: CONTRACT.md does not say keys are case-sensitive.
    if ctx.keys.revoked_key:
        expect_401(ctx, "AUTH-401-REVOKED", bearer(ctx.keys.revoked_key))
    else:
        ctx.record.skip("AUTH-401-REVOKED", "no revoked key was given (--revoked-key)")
    for value in (f"Bearer\t{key}", f"Bearer {key} extra", f"Bearer {key}, Bearer {key}"):
        expect_401(ctx, "AUTH-401-MALFORMED", value)
    bad_params = [("page", "0"), ("page_size", "500"), ("kind", "nope"), ("since", "x")]
    refused: list[str | None] = [None, bearer(UNKNOWN_KEY)]
    if ctx.keys.revoked_key:
        refused.append(bearer(ctx.keys.revoked_key))
    for authorization in refused:
        expect_401(ctx, "AUTH-BEFORE-PARAMS", authorization, bad_params)


@check("AUTH-SCHEME-CASE", "AUTH-SPACES")
def accepted_headers(ctx: Context) -> None:
    """The scheme word in any case, several spaces, trailing spaces: all accepted."""
    key = ctx.keys.api_key
    for scheme in ("bearer", "BEARER", "bEaReR"):
        expect_ok(ctx, "AUTH-SCHEME-CASE", authorization=f"{scheme} {key}")
    for value in (f"Bearer   {key}", f"Bearer {key}   "):
        expect_ok(ctx, "AUTH-SPACES", authorization=value)


@check("AUTH-SECOND-KEY")
def second_key(ctx: Context) -> None:
    """A second key of the account lists the same pinned entries, with the same total.

    Its own answers are also judged by every rule on their own (pagination,
    totals, chain, filters), where those checks read `_views`.
    """
    view = key_view(ctx, SECOND)
    if isinstance(view, Missing):
        _missing(ctx, "AUTH-SECOND-KEY", view, "200 with the second key")
        return
    history = ctx.require_history("AUTH-SECOND-KEY")
    if history is None:
        return
    theirs = view.history
    shown = theirs.first_page or prepare(ctx, history.base, view.authorization)
    mine_ids = [e.id for e in history.entries]
    their_ids = [e.id for e in theirs.entries]
    ctx.record.expect(
        "AUTH-SECOND-KEY",
        their_ids == mine_ids and theirs.total == history.total,
        shown,
        f"the main key's pinned history: total {history.total}, ids {_ids(mine_ids)}",
        f"total {theirs.total}, ids {_ids(their_ids)}",
    )
    if their_ids != mine_ids:
        return
    for mine, their in zip(history.entries, theirs.entries, strict=True):
        if mine.raw != their.raw:
            ctx.record.violate(
                "AUTH-SECOND-KEY",
                partial(_where, ctx, view, their.id),
                f"id {mine.id} as the main key sees it: {mine.raw}",
                str(their.raw),
            )
            return
    ctx.record.passed("AUTH-SECOND-KEY")


def _ids(ids: list[int | None]) -> str:
    return str(ids) if len(ids) <= 6 else f"[{ids[0]}, {ids[1]}, ..., {ids[-1]}] ({len(ids)} ids)"


def _where(ctx: Context, view: View, entry_id: int | None) -> Exchange:
    """The recorded exchange of `view`'s key that listed `entry_id`."""
    found = _listed(ctx, view.authorization, entry_id)
    return found or prepare(ctx, view.history.base, view.authorization)


def _listing(
    ctx: Context, authorization: str | None, base: dict[str, str], entry_id: int | None
) -> Exchange:
    """The recorded exchange of that key that listed `entry_id` (or its query unsent)."""
    return _listed(ctx, authorization, entry_id) or prepare(ctx, base, authorization)


def _listed(ctx: Context, authorization: str | None, entry_id: int | None) -> Exchange | None:
    for exchange in ctx.client.exchanges:
        if exchange.authorization == authorization and any(
            e.id == entry_id for e in page_items(exchange.body) or []
        ):
            return exchange
    return None


def _missing(ctx: Context, rule_id: str, missing: Missing, expected: str) -> None:
    """A key not given is not checked; a key refused (a non-200 answer) is violated.

    A good 200 that still leaves no history (no window can be cut, unreadable
    fields that other rules judge) is not this rule's breach: not checked.
    """
    if not missing.given:
        ctx.record.skip(rule_id, missing.reason)
    elif missing.exchange is not None and missing.exchange.status != 200:
        ctx.record.violate(rule_id, missing.exchange, expected, describe(missing.exchange))
    else:
        ctx.record.skip(rule_id, missing.reason)


@check("AUTH-ISOLATION")
def isolation(ctx: Context) -> None:
    """Another account's key is valid and sees none of our entries (ids are global)."""
    other = key_view(ctx, OTHER)
    if isinstance(other, Missing) and not other.entries:
        _missing(ctx, "AUTH-ISOLATION", other, "200 with the other account's key")
        return
    history = ctx.require_history("AUTH-ISOLATION")
    if history is None:
        return
    if not history.entries:
        ctx.record.skip("AUTH-ISOLATION", "the main account has no entries to be seen")
        return
    # No window could be cut from the other account's newest entries (they share
    # one created_at): the uncut download still proves isolation.
    seen = other.history.entries if isinstance(other, View) else list(other.entries)
    other_key = ctx.keys.other_account_key or ""
    authorization = other.authorization if isinstance(other, View) else bearer(other_key)
    base = other.history.base if isinstance(other, View) else {}
    ours = history.ids
    shared = sorted(e.id for e in seen if e.id in ours)
    ctx.record.expect(
        "AUTH-ISOLATION",
        not shared,
        partial(_listing, ctx, authorization, base, shared[0] if shared else None),
        "no entry of the main account",
        f"{len(shared)} shared ids, e.g. {shared[:5]}",
    )
    if isinstance(other, Missing) or not other.history.complete:
        ctx.record.note(
            "AUTH-ISOLATION",
            f"read the newest {len(seen)} entries of the other account",
        )
