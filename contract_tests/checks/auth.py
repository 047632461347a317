"""§2: who may read, how the header is parsed, and who sees which wallet."""

from __future__ import annotations

import base64
from functools import partial

from contract_tests.checks._expect import expect_401, expect_ok
from contract_tests.checks._registry import check
from contract_tests.checks._views import OTHER, SECOND, Missing, View, key_view, prepare
from contract_tests.client import Exchange, bearer
from contract_tests.context import Context, describe
from contract_tests.entries import page_items

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
    basic = base64.b64encode(f"{key}:".encode()).decode()
    expect_401(ctx, "AUTH-401-MISSING", None)
    for value in ("", "Bearer", "Bearer "):
        expect_401(ctx, "AUTH-401-EMPTY", value)
    for value in (f"Basic {basic}", f"Token {key}", key, f"Bearer{key}"):
        expect_401(ctx, "AUTH-401-SCHEME", value)
    for value in (bearer(UNKNOWN_KEY), bearer(key + "x"), bearer(key[:-1])):
        expect_401(ctx, "AUTH-401-UNKNOWN", value)
    # A key is an opaque string: the same letters in another case are another,
    # unknown key (a case-insensitive collation or a `lower()` lookup lets it in).
    other_case = key.swapcase()
    given = {ctx.keys.second_key, ctx.keys.other_account_key, ctx.keys.revoked_key}
    if other_case != key and other_case not in given:
        expect_401(ctx, "AUTH-401-UNKNOWN", bearer(other_case))
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
    for exchange in ctx.client.exchanges:
        if exchange.authorization == view.authorization and any(
            e.id == entry_id for e in page_items(exchange.body) or []
        ):
            return exchange
    return prepare(ctx, view.history.base, view.authorization)


def _missing(ctx: Context, rule_id: str, missing: Missing, expected: str) -> None:
    """A key not given is not checked; a key whose history could not be read is violated."""
    if not missing.given:
        ctx.record.skip(rule_id, missing.reason)
    elif missing.exchange is not None:
        ctx.record.violate(rule_id, missing.exchange, expected, describe(missing.exchange))
    else:
        ctx.record.skip(rule_id, missing.reason)


@check("AUTH-ISOLATION")
def isolation(ctx: Context) -> None:
    """Another account's key is valid and sees none of our entries (ids are global)."""
    other = key_view(ctx, OTHER)
    if isinstance(other, Missing):
        _missing(ctx, "AUTH-ISOLATION", other, "200 with the other account's key")
        return
    history = ctx.require_history("AUTH-ISOLATION")
    if history is None:
        return
    if not history.entries:
        ctx.record.skip("AUTH-ISOLATION", "the main account has no entries to be seen")
        return
    ours = history.ids
    shared = sorted(e.id for e in other.history.entries if e.id in ours)
    ctx.record.expect(
        "AUTH-ISOLATION",
        not shared,
        partial(_where, ctx, other, shared[0] if shared else None),
        "no entry of the main account",
        f"{len(shared)} shared ids, e.g. {shared[:5]}",
    )
    if not other.history.complete:
        ctx.record.note(
            "AUTH-ISOLATION",
            f"read the newest {len(other.history.entries)} entries of the other account",
        )
