"""Broken for one key only: the second key of an account gets a view of its own (§2, §4).

A service may route a key through another cache, replica or code path (a CI
key behind another gateway, a key created after a migration).  Each defect
here serves the second key (`bsk_test_default_2`) a subtly different answer
while the main key's stay right, and none shows on page 1 of the pinned
history at `page_size=200` (all that was once compared between the keys):
only judging the second key's answers by every rule on their own finds them.
"""

from __future__ import annotations

from typing import Any

from tests.broken.pagination import page_offset_off_by_one
from tests.broken.registry import BUILTIN_KEYS, defect
from tests.broken.wsgi import (
    Environ,
    ItemRewrite,
    Middleware,
    Reply,
    WSGIApp,
    call,
    is_listing,
    query_pairs,
)

_SECOND = BUILTIN_KEYS.second_key
_FILTERS = ("kind", "since", "until")


class _SecondKeyOnly(Middleware):
    """Requests with the second key go to `broken`, every other one to the mock."""

    def __init__(self, app: WSGIApp, broken: WSGIApp) -> None:
        super().__init__(app)
        self.broken = broken

    def handle(self, environ: Environ) -> Reply:
        header = (environ.get("HTTP_AUTHORIZATION") or "").strip()
        if header.split(" ")[-1] == _SECOND:
            return call(self.broken, environ)
        return self.forward(environ)


class _StaleCount(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if not is_listing(environ, reply) or any(k in _FILTERS for k, _ in query_pairs(environ)):
            return reply
        body: dict[str, Any] = reply.json()
        return reply.with_json({**body, "total": body["total"] - 1})


@defect("TOTAL-INDEPENDENT")
def second_key_stale_count(mock: WSGIApp) -> WSGIApp:
    """The second key's unfiltered `total` comes from a per-key counter one entry behind.

    Filtered queries (the pinned `until` included) count live and are right;
    only the plain listing, the first thing a client asks, is one short.
    """
    return _SecondKeyOnly(mock, _StaleCount(mock))


@defect("PAGE-CONCAT")
def second_key_offset_off_by_one(mock: WSGIApp) -> WSGIApp:
    """The second key goes through an older gateway whose page n > 1 starts one entry early."""
    return _SecondKeyOnly(mock, page_offset_off_by_one(mock))


# Before the replica's backfill: the newest 200 entries of the default account are later.
_BACKFILL = "2025-01-01T00:00:00Z"


def _unbackfilled(item: dict[str, Any]) -> dict[str, Any]:
    if item["kind"] == "refund" and item["created_at"] < _BACKFILL:
        item["balance_after_usd"] = round(item["balance_after_usd"] + 0.01, 2)
    return item


@defect("BALANCE-CHAIN")
def second_key_stale_replica(mock: WSGIApp) -> WSGIApp:
    """The second key reads a replica that missed a backfill: refunds before 2025 show
    balances a cent high (only entries past the first 200 of the history)."""
    return _SecondKeyOnly(mock, ItemRewrite(mock, _unbackfilled))
