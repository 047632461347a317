"""§3: every validation edge of the five query parameters.

Each bad request changes one parameter (or repeats one), so the 400 must name
it; the error-order check then combines several bad ones.  Values are sent
exactly as written here, percent-encoded by `encode_query`, except where the
raw bytes are the point (an unencoded `+`).
"""

from __future__ import annotations

from contract_tests.checks._expect import expect_400, expect_ok
from contract_tests.checks._registry import check
from contract_tests.context import Context, describe

__all__ = ["error_order", "integers", "kinds", "repeated_and_unknown", "timestamps"]

INT_PARAMS = ("page", "page_size")
TIME_PARAMS = ("since", "until")
GOOD_TIME = "2024-01-01T00:00:00Z"
# Not a timestamp under any reading of "ISO timestamp": the documented 400.
GARBAGE_TIMES = ("yesterday", "not-a-date", "2024-13-45T99:99:99Z")
# ISO-ish, but not the accepted RFC 3339 subset: the [decided] 400.
NON_RFC3339_TIMES = (
    "2024-01-01 00:00:00Z",
    "2024-01-01T00:00Z",
    "2024-01-01T00:00:00+0800",
    "2024-01-01T00:00:00+08",
    "2024-W01-1",
    "20240101T000000Z",
    "20240101",
    "2024-001",
    "1704067200",
    "2024-1-1",
    "2024-01-01T00:00:00.Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00ZZ",
    "",
)
NON_ASCII_INTEGERS = (
    "1.0",
    "+1",
    " 1",
    "1 ",
    "1e2",
    "0x10",
    "\uff10\uff11",  # fullwidth "01"
    "\u0661",  # Arabic-Indic digit one
    "",
)


@check(
    "PAGE-400-RANGE",
    "PAGE-MAX",
    "PAGE-SIZE-400-RANGE",
    "PAGE-SIZE-BOUNDS-OK",
    "PARAM-INT-MALFORMED",
    "PARAM-INT-STRICT",
    "PARAM-INT-LEADING-ZEROS",
    "ERROR-PARAM",
)
def integers(ctx: Context) -> None:
    """Ranges, the page upper bound, and what counts as an integer."""
    for value in ("0", "-1"):
        expect_400(ctx, "PAGE-400-RANGE", {"page": value}, "page")
    big = ctx.client.get({"page": "2147483647"})
    items = big.body.get("items") if isinstance(big.body, dict) else None
    ctx.record.expect(
        "PAGE-MAX", big.status == 200 and items == [], big, "200 with no items", describe(big)
    )
    for value in ("2147483648", "99999999999999999999999"):
        expect_400(ctx, "PAGE-MAX", {"page": value}, "page")
    for value in ("0", "-1", "201", "1000"):
        expect_400(ctx, "PAGE-SIZE-400-RANGE", {"page_size": value}, "page_size")
    for value in ("1", "200"):
        expect_ok(ctx, "PAGE-SIZE-BOUNDS-OK", {"page_size": value})
    for name in INT_PARAMS:
        for value in ("abc", "1x", "two"):
            expect_400(ctx, "PARAM-INT-MALFORMED", {name: value}, name)
        for value in NON_ASCII_INTEGERS:
            expect_400(ctx, "PARAM-INT-STRICT", {name: value}, name)
    expect_ok(ctx, "PARAM-INT-LEADING-ZEROS", {"page": "001", "page_size": "007"})


@check(
    "SINCE-400-UNPARSEABLE",
    "UNTIL-400-UNPARSEABLE",
    "TIMESTAMP-STRICT",
    "TIMESTAMP-PLUS-UNENCODED",
    "ERROR-PARAM",
)
def timestamps(ctx: Context) -> None:
    """Unparseable and non-RFC 3339 timestamps, and the unencoded `+`."""
    for value in GARBAGE_TIMES:
        expect_400(ctx, "SINCE-400-UNPARSEABLE", {"since": value}, "since")
        expect_400(ctx, "UNTIL-400-UNPARSEABLE", {"until": value}, "until")
    for name in TIME_PARAMS:
        for value in NON_RFC3339_TIMES:
            expect_400(ctx, "TIMESTAMP-STRICT", {name: value}, name)
        # A raw `+` is form-decoded to a space: the offset is then malformed.
        for offset in ("+00:00", "+05:30"):
            raw = f"{name}=2024-01-01T00:00:00{offset}"
            expect_400(ctx, "TIMESTAMP-PLUS-UNENCODED", raw, name)


@check("KIND-400", "ERROR-PARAM")
def kinds(ctx: Context) -> None:
    """One kind per request, spelled exactly."""
    for value in ("bogus", "", "topup,refund", "TOPUP", " topup"):
        expect_400(ctx, "KIND-400", {"kind": value}, "kind")


@check("PARAM-REPEATED", "PARAM-UNKNOWN-IGNORED", "ERROR-PARAM")
def repeated_and_unknown(ctx: Context) -> None:
    """A known parameter twice is a 400; unknown ones (even repeated) change nothing."""
    values = {
        "page": "1",
        "page_size": "50",
        "kind": "topup",
        "since": GOOD_TIME,
        "until": GOOD_TIME,
    }
    for name, value in values.items():
        expect_400(ctx, "PARAM-REPEATED", [(name, value), (name, value)], name)
    base = ctx.history.base if ctx.history is not None else {}
    plain = ctx.client.get(base)
    for extra in ([("foo", "bar")], [("foo", "1"), ("foo", "2")], [("pagesize", "0")]):
        exchange = ctx.client.get([*base.items(), *extra])
        ctx.record.expect(
            "PARAM-UNKNOWN-IGNORED",
            exchange.status == 200 and plain.status == 200 and exchange.body == plain.body,
            exchange,
            f"the same answer as without it: {describe(plain, limit=120)}",
            describe(exchange, limit=120),
        )


# Several bad parameters, written in reverse order; the first of
# page, page_size, kind, since, until must be named.
ERROR_ORDER_CASES: tuple[tuple[list[tuple[str, str]], str], ...] = (
    ([("until", "bad"), ("since", "bad")], "since"),
    ([("since", "bad"), ("kind", "bad")], "kind"),
    ([("kind", "bad"), ("page_size", "0")], "page_size"),
    ([("page_size", "0"), ("page", "0")], "page"),
    ([("until", "bad"), ("kind", "topup"), ("kind", "topup")], "kind"),
    ([("until", "x"), ("since", "x"), ("kind", "x"), ("page_size", "x"), ("page", "x")], "page"),
    ([("until", GOOD_TIME), ("until", GOOD_TIME), ("page", "1"), ("page", "1")], "page"),
    ([("page", "0"), ("page_size", "10"), ("page_size", "10")], "page"),
)


@check("PARAM-ERROR-ORDER")
def error_order(ctx: Context) -> None:
    """The error names the first bad parameter in the contract's order, not the query's."""
    for query, first in ERROR_ORDER_CASES:
        exchange = ctx.client.get(query)
        ok = exchange.status == 400 and exchange.error.get("param") == first
        ctx.record.expect(
            "PARAM-ERROR-ORDER",
            ok,
            exchange,
            f"400 with error.param == {first!r}",
            describe(exchange),
        )
