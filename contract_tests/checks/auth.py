"""§2: who may read, how the header is parsed, and who sees which wallet."""

from __future__ import annotations

import base64

from contract_tests.checks._expect import expect_401, expect_ok
from contract_tests.checks._registry import check
from contract_tests.client import bearer
from contract_tests.context import Context, describe
from contract_tests.entries import page_items
from contract_tests.history import fetch_pages

__all__ = ["accepted_headers", "isolation", "refused_headers", "second_key"]

UNKNOWN_KEY = "bsk_contract_suite_unknown_0000"
ISOLATION_MAX_PAGES = 5


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
    """A second key of the account sees the same pinned entries and totals."""
    if not ctx.keys.second_key:
        ctx.record.skip("AUTH-SECOND-KEY", "no second key of the account was given (--second-key)")
        return
    history = ctx.require_history("AUTH-SECOND-KEY")
    if history is None:
        return
    authorization = bearer(ctx.keys.second_key)
    for extra in ({}, {"kind": "topup"}):
        query = {**history.base, **extra, "page_size": "200"}
        mine = ctx.client.get(query)
        theirs = ctx.client.get(query, authorization=authorization)
        same = theirs.status == mine.status == 200 and theirs.body == mine.body
        ctx.record.expect(
            "AUTH-SECOND-KEY",
            same,
            theirs,
            f"the main key's answer: {describe(mine)}",
            describe(theirs),
        )


@check("AUTH-ISOLATION")
def isolation(ctx: Context) -> None:
    """Another account's key is valid and sees none of our entries (ids are global)."""
    if not ctx.keys.other_account_key:
        ctx.record.skip("AUTH-ISOLATION", "no other account's key was given (--other-account-key)")
        return
    history = ctx.require_history("AUTH-ISOLATION")
    if history is None:
        return
    if not history.entries:
        ctx.record.skip("AUTH-ISOLATION", "the main account has no entries to be seen")
        return
    authorization = bearer(ctx.keys.other_account_key)
    paged = fetch_pages(ctx.client, {}, max_pages=ISOLATION_MAX_PAGES, authorization=authorization)
    if paged.failure is not None:
        ctx.record.violate(
            "AUTH-ISOLATION",
            paged.failure,
            "200 with the other account's key",
            describe(paged.failure),
        )
        return
    ours = history.ids
    shared = sorted(e.id for e in paged.entries if e.id in ours)
    where = next(
        (ex for ex in paged.exchanges if any(e.id in ours for e in page_items(ex.body) or [])),
        paged.exchanges[0],
    )
    ctx.record.expect(
        "AUTH-ISOLATION",
        not shared,
        where,
        "no entry of the main account",
        f"{len(shared)} shared ids, e.g. {shared[:5]}",
    )
    if not paged.complete:
        ctx.record.note("AUTH-ISOLATION", f"read {ISOLATION_MAX_PAGES} pages of the other account")
