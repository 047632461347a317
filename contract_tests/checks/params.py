"""§3: every validation edge of the five query parameters.

Each bad request changes one parameter (or repeats one), so the 400 must name
it; the error-order check then combines several bad ones.  Values are sent
exactly as written here, percent-encoded by `encode_query`, except where the
raw bytes are the point (an unencoded `+`).
"""

from __future__ import annotations

from contract_tests.checks._expect import expect_400, expect_ok
from contract_tests.checks._registry import check
from contract_tests.context import Context, body_dict, describe
from contract_tests.entries import page_items

__all__ = ["error_order", "integers", "kinds", "plus_hint", "repeated_and_unknown", "timestamps"]

INT_PARAMS = ("page", "page_size")
TIME_PARAMS = ("since", "until")
GOOD_TIME = "2024-01-01T00:00:00Z"
# Not a timestamp under any reading of "ISO timestamp": the documented 400.
GARBAGE_TIMES = ("yesterday", "not-a-date", "2024-13-45T99:99:99Z")
# Well-formed but no calendar day: RFC 3339 refuses them, while lenient parsers
# (JavaScript's Date, PHP's strtotime) roll them into the next month, so a
# reading of "ISO timestamp" may accept them: the [decided] 400, not the documented one.
IMPOSSIBLE_DATES = ("2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-02-30")
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
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+05:60",
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
    "\u00b2",  # superscript two: str.isdigit() says yes, int() says no
    "1_0",  # Python's int() reads digit groups: ten
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
    _leading_zeros(ctx)


# (page, page_size) spelled with leading zeros, read in decimal.  Read as octal
# (C's strtol with base 0, old JavaScript parseInt), `010` is eight and `08`,
# `09` are no number at all: the echo and the items then differ.
LEADING_ZEROS = (("001", "007"), ("02", "010"), ("010", "07"), ("03", "09"), ("0008", "08"))


def _leading_zeros(ctx: Context) -> None:
    """Leading zeros are accepted and mean decimal: echo and items say which page was read."""
    history = ctx.history
    base = history.base if history is not None else {}
    for page_text, size_text in LEADING_ZEROS:
        page, size = int(page_text), int(size_text)
        exchange = ctx.client.get({**base, "page": page_text, "page_size": size_text})
        body = body_dict(exchange)
        echoed = (body.get("page"), body.get("page_size"))
        ctx.record.expect(
            "PARAM-INT-LEADING-ZEROS",
            exchange.status == 200 and echoed == (page, size),
            exchange,
            f"200 with page {page}, page_size {size} (decimal)",
            f"{exchange.status}, page {echoed[0]!r}, page_size {echoed[1]!r}"
            if exchange.status == 200
            else describe(exchange),
        )
        items = page_items(exchange.body) if exchange.status == 200 else None
        if history is None or items is None:
            continue
        want = [e.id for e in history.entries[(page - 1) * size : page * size]]
        got = [e.id for e in items]
        ctx.record.expect(
            "PARAM-INT-LEADING-ZEROS",
            got == want,
            exchange,
            f"entries {(page - 1) * size}..{page * size - 1} of the history: ids {want}",
            f"ids {got}",
        )


@check(
    "SINCE-400-UNPARSEABLE",
    "UNTIL-400-UNPARSEABLE",
    "TIMESTAMP-STRICT",
    "TIMESTAMP-PLUS-UNENCODED",
    "TIMESTAMP-PLUS-HINT",
    "ERROR-PARAM",
)
def timestamps(ctx: Context) -> None:
    """Unparseable and non-RFC 3339 timestamps, and the unencoded `+`."""
    for value in GARBAGE_TIMES:
        expect_400(ctx, "SINCE-400-UNPARSEABLE", {"since": value}, "since")
        expect_400(ctx, "UNTIL-400-UNPARSEABLE", {"until": value}, "until")
    for name in TIME_PARAMS:
        for value in NON_RFC3339_TIMES + IMPOSSIBLE_DATES:
            expect_400(ctx, "TIMESTAMP-STRICT", {name: value}, name)
        # A raw `+` is form-decoded to a space: the offset is then malformed,
        # and (§3) the 400 message says so.
        for offset in ("+00:00", "+05:30"):
            raw = f"{name}=2024-01-01T00:00:00{offset}"
            exchange = expect_400(ctx, "TIMESTAMP-PLUS-UNENCODED", raw, name)
            if exchange.status == 400:
                message = exchange.error.get("message")
                ctx.record.expect(
                    "TIMESTAMP-PLUS-HINT",
                    isinstance(message, str) and plus_hint(message),
                    exchange,
                    "a message saying the '+' must be percent-encoded (%2B)",
                    f"message {message!r}",
                )


def plus_hint(message: str) -> bool:
    """Whether `message` tells the client about its unencoded `+`.

    The wording is free: `%2B` anywhere, or the plus sign (`+` or "plus")
    named together with what went wrong or what to do (encode or escape it,
    it arrived as a space).
    """
    text = message.lower()
    if "%2b" in text:
        return True
    names_plus = "+" in text or "plus" in text
    return names_plus and any(word in text for word in ("encod", "escap", "space"))


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
