"""Rules that hold for every response: one pass over all recorded exchanges.

Runs last, after every other check has sent its requests, so each rule about
"every response" (JSON everywhere, the error envelope, `WWW-Authenticate`,
keys never echoed, the page body shape and the per-item invariants) is judged
on everything the run saw, at no extra cost in requests.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl

from contract_tests.checks._encoding import charset_of, charset_problem, utf8_problem
from contract_tests.checks._items import PAGE_KEYS, item_problems, kind_rules
from contract_tests.checks._registry import check
from contract_tests.client import ENDPOINT, Exchange
from contract_tests.context import Context, describe
from contract_tests.entries import KINDS, Entry

__all__ = ["every_response"]

ERROR_KEYS = frozenset({"type", "message", "param"})
WWW_AUTHENTICATE = 'Bearer realm="bytespike"'
SCHEME_WORDS = frozenset({"bearer", "basic", "token"})
ITEM_RULES = (
    "BODY-SHAPE",
    "BODY-KEYS-EXACT",
    "ITEM-CREATED-AT-FORMAT",
    "ITEM-AMOUNT-SIGN",
    "ITEM-MONEY-DECIMALS",
)
KIND_RULES = (
    "SOURCE-TOPUP-DOCUMENTED",
    "SOURCE-ADMIN-DOCUMENTED",
    "SOURCE-TOPUP-EXACT",
    "SOURCE-REFUND-EXACT",
    "SOURCE-ADMIN-EXACT",
    "SOURCE-SUBSCRIPTION-EXACT",
)


@check(
    "HTTP-RESPONDS",
    "JSON-ENDPOINT",
    "JSON-EVERYWHERE",
    "JSON-UTF8",
    "JSON-CHARSET",
    "BODY-SHAPE",
    "BODY-KEYS-EXACT",
    "RESP-ECHO",
    "ORDER-CREATED-DESC",
    "ORDER-TIES-ID-DESC",
    "ITEM-ID-UNIQUE",
    "ITEM-CREATED-AT-FORMAT",
    "ITEM-AMOUNT-SIGN",
    "ITEM-MONEY-DECIMALS",
    "ITEM-NOTE-NON-ADMIN-NULL",
    *KIND_RULES,
    "ERROR-ENVELOPE",
    "ERROR-ENVELOPE-EXACT",
    "ERROR-PARAM",
    "AUTH-WWW-AUTHENTICATE",
    "AUTH-KEY-NOT-ECHOED",
)
def every_response(ctx: Context) -> None:
    """Judge every recorded exchange against the rules that hold for all of them."""
    items = _ItemPass(ctx)
    for exchange in ctx.client.exchanges:
        if exchange.status == 0:
            continue  # the runner already charged HTTP-RESPONDS
        ctx.record.passed("HTTP-RESPONDS")
        _media_type(ctx, exchange)
        if exchange.status == 401:
            _www_authenticate(ctx, exchange)
        if exchange.method == "HEAD":
            continue
        if exchange.status >= 400:
            _error_envelope(ctx, exchange)
            _key_not_echoed(ctx, exchange)
        elif exchange.status == 200 and exchange.path == ENDPOINT and exchange.method == "GET":
            _page(ctx, exchange, items)
    items.finish()


def _media_type(ctx: Context, exchange: Exchange) -> None:
    content_type = exchange.header("Content-Type") or ""
    media = content_type.split(";")[0].strip().lower()
    ok = media == "application/json" and (exchange.method == "HEAD" or exchange.is_json)
    on_endpoint = exchange.path == ENDPOINT and exchange.method in ("GET", "HEAD")
    ctx.record.expect(
        "JSON-ENDPOINT" if on_endpoint else "JSON-EVERYWHERE",
        ok,
        exchange,
        "Content-Type: application/json and a JSON body",
        f"Content-Type: {content_type or '(none)'}; body {describe(exchange, limit=80)!r}",
    )
    _encoding(ctx, exchange, content_type, on_endpoint)


def _encoding(ctx: Context, exchange: Exchange, content_type: str, on_endpoint: bool) -> None:
    """The body's bytes are UTF-8 and the label does not say otherwise (`_encoding`).

    Off the endpoint both are part of "application/json too" (JSON-EVERYWHERE).
    """
    charset = charset_of(content_type)
    misread = None if charset is None else charset_problem(charset, exchange.content)
    ctx.record.expect(
        "JSON-CHARSET" if on_endpoint else "JSON-EVERYWHERE",
        misread is None,
        exchange,
        "no charset parameter, or one that reads the bytes as UTF-8 does",
        f"Content-Type: {content_type} ({misread})",
    )
    if exchange.method == "HEAD":
        return
    problem = utf8_problem(exchange.content)
    ctx.record.expect(
        "JSON-UTF8" if on_endpoint else "JSON-EVERYWHERE",
        problem is None,
        exchange,
        "a body of UTF-8 JSON as sent (strict decoding, no byte order mark)",
        problem,
    )


def _www_authenticate(ctx: Context, exchange: Exchange) -> None:
    value = exchange.header("WWW-Authenticate")
    ctx.record.expect(
        "AUTH-WWW-AUTHENTICATE",
        (value or "").strip() == WWW_AUTHENTICATE,
        exchange,
        f"WWW-Authenticate: {WWW_AUTHENTICATE}",
        f"WWW-Authenticate: {value}",
    )


def _error_envelope(ctx: Context, exchange: Exchange) -> None:
    body = exchange.body
    error = body.get("error") if isinstance(body, dict) else None
    if exchange.path == ENDPOINT and exchange.status in (400, 401):
        ok = isinstance(error, dict) and isinstance(error.get("type"), str)
        ctx.record.expect(
            "ERROR-ENVELOPE", ok, exchange, '{"error": {"type": "..."}}', describe(exchange)
        )
    exact = (
        isinstance(body, dict)
        and set(body) == {"error"}
        and isinstance(error, dict)
        and set(error) == ERROR_KEYS
        and isinstance(error["type"], str)
        and isinstance(error["message"], str)
        and error["message"].strip() != ""
        and (error["param"] is None or isinstance(error["param"], str))
    )
    ctx.record.expect(
        "ERROR-ENVELOPE-EXACT",
        exact,
        exchange,
        '{"error": {"type": str, "message": non-empty str, "param": str|null}}, nothing else',
        describe(exchange),
    )
    if exchange.status in (401, 404, 405) and isinstance(error, dict) and "param" in error:
        ctx.record.expect(
            "ERROR-PARAM",
            error["param"] is None,
            exchange,
            f"param null on a {exchange.status}",
            f"param {error['param']!r}",
        )


def _key_not_echoed(ctx: Context, exchange: Exchange) -> None:
    if exchange.authorization is None:
        return
    tokens = {
        token
        for token in exchange.authorization.replace(",", " ").split()
        if token.lower() not in SCHEME_WORDS and len(token) >= 8
    }
    tokens |= {key for key in ctx.record.redact.secrets if key in exchange.authorization}
    if not tokens:
        return
    echoed = [token for token in tokens if token in exchange.text]
    ctx.record.expect(
        "AUTH-KEY-NOT-ECHOED",
        not echoed,
        exchange,
        "the presented key nowhere in the body",
        f"the body contains the key: {describe(exchange)}",
    )


def _page(ctx: Context, exchange: Exchange, items: _ItemPass) -> None:
    body = exchange.body
    shape_ok = (
        isinstance(body, dict)
        and isinstance(body.get("items"), list)
        and all(_is_int(body.get(key)) for key in ("total", "page", "page_size"))
    )
    ctx.record.expect(
        "BODY-SHAPE",
        shape_ok,
        exchange,
        "an object with items (list), total, page and page_size (integers)",
        describe(exchange),
    )
    if not shape_ok:
        return
    extra = sorted(set(body) - PAGE_KEYS)
    ctx.record.expect(
        "BODY-KEYS-EXACT",
        not extra,
        exchange,
        f"page keys {sorted(PAGE_KEYS)}",
        f"extra keys {extra}",
    )
    _echo(ctx, exchange, body)
    entries = [Entry.from_item(item) for item in body["items"]]
    _page_order(ctx, exchange, entries)
    for item in body["items"]:
        items.add(exchange, item)


def _echo(ctx: Context, exchange: Exchange, body: dict[str, Any]) -> None:
    sent: dict[str, list[str]] = {}
    for name, value in parse_qsl(exchange.query, keep_blank_values=True):
        sent.setdefault(name, []).append(value)
    for name, default in (("page", 1), ("page_size", 50)):
        values = sent.get(name, [])
        if not values:
            want = default
        elif len(values) == 1 and values[0].isascii() and values[0].isdigit():
            want = int(values[0])
        else:
            continue
        ctx.record.expect(
            "RESP-ECHO",
            body.get(name) == want,
            exchange,
            f"{name} {want}",
            f"{name} {body.get(name)!r}",
        )


def _page_order(ctx: Context, exchange: Exchange, entries: list[Entry]) -> None:
    for newer, older in pairwise(entries):
        if newer.instant is None or older.instant is None:
            continue
        ctx.record.expect(
            "ORDER-CREATED-DESC",
            newer.instant >= older.instant,
            exchange,
            "created_at descending",
            f"{newer.created_at} listed before {older.created_at}",
        )
        if newer.instant == older.instant and newer.id is not None and older.id is not None:
            ctx.record.expect(
                "ORDER-TIES-ID-DESC",
                newer.id > older.id,
                exchange,
                "equal created_at: id descending",
                f"id {newer.id} before id {older.id}",
            )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _ItemPass:
    """Per-item rules, each distinct item judged once; the same id must mean the same item."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.seen: dict[Any, str] = {}
        self.kinds: set[str] = set()

    def add(self, exchange: Exchange, item: Any) -> None:
        canonical = json.dumps(item, sort_keys=True, default=str)
        ident = item.get("id") if isinstance(item, dict) else None
        key = ident if isinstance(ident, int) and not isinstance(ident, bool) else canonical
        known = self.seen.get(key)
        if known is not None:
            self.ctx.record.expect(
                "ITEM-ID-UNIQUE",
                known == canonical,
                exchange,
                f"id {ident} always the same entry: {known[:150]}",
                canonical[:150],
            )
            return
        self.seen[key] = canonical
        if isinstance(item, dict) and isinstance(item.get("kind"), str):
            self.kinds.add(item["kind"])
        problems = item_problems(item)
        broken = {rule_id for rule_id, _ in problems}
        for rule_id, problem in problems:
            self.ctx.record.violate(rule_id, exchange, _EXPECTED.get(rule_id, rule_id), problem)
        kind = item.get("kind") if isinstance(item, dict) else None
        applicable = list(ITEM_RULES)
        if isinstance(kind, str):
            applicable += kind_rules(kind)
            if kind in KINDS and kind not in ("admin_credit", "admin_debit"):
                applicable.append("ITEM-NOTE-NON-ADMIN-NULL")
        for rule_id in applicable:
            if rule_id not in broken:
                self.ctx.record.passed(rule_id)

    def finish(self) -> None:
        """Explain the kind-specific rules no item could be judged by."""
        for rule_id in KIND_RULES:
            kinds = [k for k in KINDS if rule_id in kind_rules(k)]
            if not self.kinds.intersection(kinds):
                self.ctx.record.skip(rule_id, f"no {' or '.join(kinds)} entry was seen")
        if not self.kinds.difference({"admin_credit", "admin_debit"}):
            self.ctx.record.skip("ITEM-NOTE-NON-ADMIN-NULL", "no non-admin entry was seen")
        if not self.seen:
            for rule_id in ITEM_RULES:
                self.ctx.record.skip(rule_id, "no entry was seen")


_EXPECTED = {
    "BODY-SHAPE": "every item field present with its documented type",
    "BODY-KEYS-EXACT": "exactly id, created_at, kind, amount_usd, balance_after_usd, source, note",
    "ITEM-CREATED-AT-FORMAT": "created_at as YYYY-MM-DDTHH:MM:SSZ",
    "ITEM-AMOUNT-SIGN": "amount_usd > 0 for topup/refund/admin_credit, < 0 for debits",
    "ITEM-MONEY-DECIMALS": "at most 2 decimal places",
    "ITEM-NOTE-NON-ADMIN-NULL": "note null on non-admin entries",
    "SOURCE-TOPUP-DOCUMENTED": "topup source with provider and receipt_id",
    "SOURCE-ADMIN-DOCUMENTED": "admin source with actor",
    "SOURCE-TOPUP-EXACT": "stripe card {provider, receipt_id ch_..., method card_<brand>_<4>} "
    "or wire {provider wire, receipt_id wire_..., method wire_transfer}",
    "SOURCE-REFUND-EXACT": "{request_id: req_..., model: <name>}",
    "SOURCE-ADMIN-EXACT": "{actor: <email>}",
    "SOURCE-SUBSCRIPTION-EXACT": "{plan: starter|pro|team, period_start, period_end: dates}",
}
