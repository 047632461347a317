"""Broken query-parameter validation and 400 errors (CONTRACT.md §3, §5)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from mockserver.core.kinds import KINDS
from mockserver.core.timestamps import TimestampError, parse_instant
from tests.broken.registry import defect
from tests.broken.wsgi import (
    ENDPOINT,
    Environ,
    Middleware,
    Pairs,
    QueryRewrite,
    Reply,
    WSGIApp,
    error_reply,
    json_reply,
    query_pairs,
    with_query,
)

_ORDER = ("page", "page_size", "kind", "since", "until")
_MAX_PAGE = 2_147_483_647


def _strict_int(value: str) -> bool:
    return value.isascii() and value.isdigit()


@defect("PARAM-INT-STRICT")
def python_int_parsing(mock: WSGIApp) -> WSGIApp:
    """`page`/`page_size` parsed with `int()`: `+1`, ` 1`, `1 `, fullwidth digits accepted."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        out: Pairs = []
        for name, value in pairs:
            if name in ("page", "page_size") and not _strict_int(value):
                with contextlib.suppress(ValueError):
                    value = str(int(value))
            out.append((name, value))
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)


@defect("PARAM-INT-LEADING-ZEROS")
def leading_zeros_rejected(mock: WSGIApp) -> WSGIApp:
    """Integers must match `[1-9][0-9]*`: `page=001` is a 400 although leading zeros are allowed."""

    def rewrite(pairs: Pairs) -> Reply | None:
        for name, value in pairs:
            if name in ("page", "page_size") and len(value) > 1 and value.startswith("0"):
                return error_reply(400, "invalid_request_error", f"{name} is not a number", name)
        return None

    return QueryRewrite(mock, rewrite)


@defect("PAGE-MAX")
def page_unbounded(mock: WSGIApp) -> WSGIApp:
    """`page` has no upper bound (arbitrary-precision ints): 2147483648 is a 200, not a 400."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        if any(k == "page" and _strict_int(v) and int(v) > _MAX_PAGE for k, v in pairs):
            return [(k, str(_MAX_PAGE) if k == "page" else v) for k, v in pairs]
        return None

    return QueryRewrite(mock, rewrite)


def _fromisoformat(value: str) -> str | None:
    """The RFC 3339 text of what `datetime.fromisoformat` makes of `value` (None if nothing)."""
    try:
        parse_instant(value)
        return None  # strict form: leave it alone
    except TimestampError:
        pass
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@defect("TIMESTAMP-STRICT")
def timestamps_fromisoformat(mock: WSGIApp) -> WSGIApp:
    """`since`/`until` parsed with `datetime.fromisoformat`: a space for `T`, `+0800`, `20240101`...

    Python 3.11's `fromisoformat` accepts most of ISO 8601, far more than RFC 3339.
    """

    def rewrite(pairs: Pairs) -> Pairs | None:
        out = [(k, (_fromisoformat(v) or v) if k in ("since", "until") else v) for k, v in pairs]
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)


def _drop_unparseable(name: str) -> Callable[[Pairs], Pairs | None]:
    """A rewrite that silently drops `name` when its value is not a timestamp."""

    def bad(value: str) -> bool:
        try:
            parse_instant(value)
        except TimestampError:
            return True
        return False

    def rewrite(pairs: Pairs) -> Pairs | None:
        if any(k == name and bad(v) for k, v in pairs):
            return [(k, v) for k, v in pairs if not (k == name and bad(v))]
        return None

    return rewrite


@defect("UNTIL-400-UNPARSEABLE")
def bad_until_ignored(mock: WSGIApp) -> WSGIApp:
    """An unparseable `until` is silently ignored (only `since` is validated, as documented)."""

    return QueryRewrite(mock, _drop_unparseable("until"))


@defect("KIND-400")
def kind_case_insensitive(mock: WSGIApp) -> WSGIApp:
    """`kind` is normalised with `.strip().lower()`: `TOPUP` and ` topup` are accepted."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        out = [
            (k, v.strip().lower() if k == "kind" and v.strip().lower() in KINDS else v)
            for k, v in pairs
        ]
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)


@defect("PARAM-REPEATED")
def repeated_last_wins(mock: WSGIApp) -> WSGIApp:
    """A repeated parameter is not an error: the last value wins (a dict of the query)."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        last = {k: v for k, v in pairs if k in _ORDER}
        known = [k for k, _ in pairs if k in _ORDER]
        if len(known) == len(set(known)):
            return None
        return [*((k, v) for k, v in pairs if k not in _ORDER), *last.items()]

    return QueryRewrite(mock, rewrite)


@defect("PARAM-UNKNOWN-IGNORED")
def unknown_params_rejected(mock: WSGIApp) -> WSGIApp:
    """An unknown query parameter is a 400 ("unexpected parameter") instead of being ignored."""

    def rewrite(pairs: Pairs) -> Reply | None:
        for name, _ in pairs:
            if name not in _ORDER:
                return error_reply(400, "invalid_request_error", f"unknown parameter {name}", name)
        return None

    return QueryRewrite(mock, rewrite)


class _QueryOrderErrors(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status != 400:
            return reply
        pairs = query_pairs(environ)
        for name, _ in pairs:
            if name not in _ORDER:
                continue
            alone = self.forward(with_query(environ, [(k, v) for k, v in pairs if k == name]))
            if alone.status == 400:
                return alone
        return reply


@defect("PARAM-ERROR-ORDER")
def errors_in_query_order(mock: WSGIApp) -> WSGIApp:
    """With several bad parameters, the error names the first one *in the query string*."""
    return _QueryOrderErrors(mock)


class _ErrorRewrite(Middleware):
    """Rewrites the JSON error bodies of 400 answers."""

    status = 400
    new_status = 400
    error_type: str | None = None
    drop_param = False

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status != self.status:
            return reply
        error: dict[str, Any] = dict(reply.json()["error"])
        if self.error_type is not None:
            error["type"] = self.error_type
        if self.drop_param:
            error["param"] = None
        return json_reply(self.new_status, {"error": error})


class _ValidationErrorType(_ErrorRewrite):
    error_type = "validation_error"


@defect("PAGE-400-RANGE", "SINCE-400-UNPARSEABLE", "PARAM-INT-MALFORMED", profile="documented")
def error_type_validation_error(mock: WSGIApp) -> WSGIApp:
    """A bad parameter is a 400 of type `validation_error` instead of `invalid_request_error`."""
    return _ValidationErrorType(mock)


class _FastApi422(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status != 400:
            return reply
        param = reply.json()["error"]["param"]
        detail = [{"loc": ["query", param], "msg": "value is not valid", "type": "value_error"}]
        return json_reply(422, {"detail": detail})


@defect("PAGE-400-RANGE", "PAGE-SIZE-400-RANGE", profile="documented", quick=False)
def fastapi_422(mock: WSGIApp) -> WSGIApp:
    """Framework default validation: `422 {"detail": [...]}` instead of the documented 400."""
    return _FastApi422(mock)


class _ParamNull(_ErrorRewrite):
    drop_param = True


@defect("ERROR-PARAM")
def error_param_null(mock: WSGIApp) -> WSGIApp:
    """A 400 about a parameter does not name it: `error.param` is `null`."""
    return _ParamNull(mock)


class _FlatError(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status not in (400, 401):
            return reply
        return reply.with_json({"error": reply.json()["error"]["message"]})


@defect("ERROR-ENVELOPE", profile="documented")
def flat_error_string(mock: WSGIApp) -> WSGIApp:
    """Errors are `{"error": "<message>"}` (a string) instead of `{"error": {"type": ...}}`."""
    return _FlatError(mock)


@defect("PAGE-SIZE-BOUNDS-OK", profile="documented")
def page_size_max_exclusive(mock: WSGIApp) -> WSGIApp:
    """The bound check is `page_size < 200`: the documented maximum 200 itself is a 400."""

    def rewrite(pairs: Pairs) -> Reply | None:
        if any(k == "page_size" and _strict_int(v) and int(v) == 200 for k, v in pairs):
            return error_reply(
                400, "invalid_request_error", "page_size must be below 200", "page_size"
            )
        return None

    return QueryRewrite(mock, rewrite)


@defect("SINCE-400-UNPARSEABLE", profile="documented")
def bad_since_ignored(mock: WSGIApp) -> WSGIApp:
    """An unparseable `since` is silently dropped (the filter is "best effort")."""

    return QueryRewrite(mock, _drop_unparseable("since"))


@defect("TIMESTAMP-PLUS-UNENCODED")
def plus_repaired(mock: WSGIApp) -> WSGIApp:
    """A space before `HH:MM` at the end of a timestamp is "repaired" back into a `+` offset."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        def fix(value: str) -> str:
            if len(value) > 6 and value[-6] == " " and value[-3] == ":":
                return value[:-6] + "+" + value[-5:]
            return value

        out = [(k, fix(v) if k in ("since", "until") else v) for k, v in pairs]
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)


@defect("TIMESTAMP-FORMS")
def lowercase_t_z_rejected(mock: WSGIApp) -> WSGIApp:
    """Timestamps need an upper-case `T` and `Z`: RFC 3339's `t`/`z` forms are a 400."""

    def rewrite(pairs: Pairs) -> Reply | None:
        for name, value in pairs:
            if name in ("since", "until") and len(value) > 10 and ("t" in value or "z" in value):
                return error_reply(400, "invalid_request_error", f"bad {name}", name)
        return None

    return QueryRewrite(mock, rewrite)


class _ErrorCode(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status < 400 or not reply.body:
            return reply
        body = reply.json()
        body["error"]["code"] = reply.status
        return reply.with_json(body)


@defect("ERROR-ENVELOPE-EXACT")
def error_extra_code(mock: WSGIApp) -> WSGIApp:
    """Error envelopes carry an extra numeric `code` next to `type`, `message`, `param`."""
    return _ErrorCode(mock)


@defect("ENDPOINT-200", profile="documented")
def page_required(mock: WSGIApp) -> WSGIApp:
    """`page` is a required parameter: a plain GET without a query string is a 400."""

    def rewrite(pairs: Pairs) -> Reply | None:
        if not any(k == "page" for k, _ in pairs):
            return error_reply(400, "invalid_request_error", "page is required", "page")
        return None

    return QueryRewrite(mock, rewrite)


@defect("PARAM-ERROR-ORDER", quick=False)
def repeats_judged_first(mock: WSGIApp) -> WSGIApp:
    """Repeats are rejected in a first pass, before any value is judged.

    `page=0&page_size=10&page_size=10` then names `page_size` instead of `page`
    (the mock itself had this bug until commit 27dea35).
    """

    def rewrite(pairs: Pairs) -> Reply | None:
        names = [k for k, _ in pairs]
        for name in _ORDER:
            if names.count(name) > 1:
                return error_reply(400, "invalid_request_error", f"{name} given twice", name)
        return None

    return _FirstPass(mock, rewrite)


class _FirstPass(QueryRewrite):
    """A query rewrite whose early answer comes before the mock's own 400s (not after)."""

    def handle(self, environ: Environ) -> Reply:
        early = self.rewrite(query_pairs(environ))
        if environ.get("PATH_INFO") == ENDPOINT and isinstance(early, Reply):
            original = self.forward(environ)
            return early if original.status in (200, 400) else original
        return super().handle(environ)


def _octal(value: str) -> str | None:
    """How a base-0 parser (C's `strtol(s, NULL, 0)`) reads a leading-zero integer."""
    try:
        return str(int(value, 8))
    except ValueError:
        return None  # `08`, `09`: no octal number


def _octal_pairs(pairs: Pairs) -> Pairs | Reply | None:
    out: Pairs = []
    for name, value in pairs:
        if name in ("page", "page_size") and _strict_int(value) and value[0] == "0":
            read = _octal(value)
            if read is None:
                return error_reply(400, "invalid_request_error", f"bad {name}", name)
            value = read
        out.append((name, value))
    return out if out != pairs else None


@defect("PARAM-INT-LEADING-ZEROS")
def octal_leading_zeros(mock: WSGIApp) -> WSGIApp:
    """Integers are parsed with base 0 (`strtol(s, NULL, 0)`): `010` is 8, `08` is a 400."""
    return _FirstPass(mock, _octal_pairs)


class _OctalOffset(Middleware):
    """The echo reads the text in decimal, the repository's offset in octal."""

    def handle(self, environ: Environ) -> Reply:
        pairs = query_pairs(environ)
        changed = _octal_pairs(pairs)
        if environ.get("PATH_INFO") != ENDPOINT or not isinstance(changed, list):
            return self.forward(environ)
        reply = self.forward(with_query(environ, changed))
        if reply.status != 200 or environ.get("REQUEST_METHOD") != "GET":
            return reply
        sent = dict(pairs)
        body = reply.json()
        for name in ("page", "page_size"):
            if name in sent:
                body[name] = int(sent[name])
        return reply.with_json(body)


@defect("PARAM-INT-LEADING-ZEROS", quick=False)
def octal_offset_decimal_echo(mock: WSGIApp) -> WSGIApp:
    """The handler echoes `page=010` as 10, but the query layer reads it again as octal (8).

    The echo is right; only the items (entries 70..79 expected) show the wrong page.
    """
    return _OctalOffset(mock)


class _MessageRewrite(Middleware):
    """Replaces the `message` of 400s about since/until (type and param kept)."""

    message = "since is not a valid timestamp"

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status != 400:
            return reply
        body = reply.json()
        if body["error"].get("param") not in ("since", "until"):
            return reply
        body["error"]["message"] = self.message.replace("since", body["error"]["param"])
        return reply.with_json(body)


@defect("TIMESTAMP-PLUS-HINT")
def plus_without_hint(mock: WSGIApp) -> WSGIApp:
    """Every bad timestamp gets one generic message: the unencoded `+` is not explained.

    Status, type and `param` are right; the message does not say to send `%2B`.
    """
    return _MessageRewrite(mock)


class _EmptyMessage(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status < 400 or not reply.body:
            return reply
        body = reply.json()
        body["error"]["message"] = ""
        return reply.with_json(body)


@defect("ERROR-ENVELOPE-EXACT")
def error_message_empty(mock: WSGIApp) -> WSGIApp:
    """`message` is `str(exc)` of exceptions raised without text: always `""`."""
    return _EmptyMessage(mock)


@defect("PARAM-INT-STRICT")
def int_with_underscores(mock: WSGIApp) -> WSGIApp:
    """Integers are `int(value)` after rejecting signs, spaces and dots: `1_0` is read as ten."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        out: Pairs = []
        for name, value in pairs:
            if name in ("page", "page_size") and "_" in value:
                with contextlib.suppress(ValueError):
                    value = str(int(value))
            out.append((name, value))
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)


@defect("PARAM-INT-STRICT", quick=False)
def isdigit_then_int(mock: WSGIApp) -> WSGIApp:
    """Validation is `value.isdigit()`, then `int(value)`: a superscript `²` passes the
    first and crashes the second (500)."""

    def rewrite(pairs: Pairs) -> Reply | None:
        for name, value in pairs:
            if name in ("page", "page_size") and value.isdigit() and not value.isascii():
                try:
                    int(value)
                except ValueError:
                    return error_reply(500, "api_error", "invalid literal for int()")
        return None

    return _FirstPass(mock, rewrite)


def _rolled_over(value: str) -> str | None:
    """A day past the month's end carried into the next month (JavaScript's `Date`)."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(.*)", value)
    if match is None:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        dt.date(year, month, day)
        return None  # a real date: nothing to roll over
    except ValueError:
        first = dt.date(year, month, 1)
    moment = first + dt.timedelta(days=day - 1)
    return moment.isoformat() + match[4]


@defect("TIMESTAMP-STRICT")
def impossible_dates_roll_over(mock: WSGIApp) -> WSGIApp:
    """Dates are checked by a regex and built with a lenient constructor: `2023-02-29` is
    1 March, not a 400."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        out = [(k, (_rolled_over(v) or v) if k in ("since", "until") else v) for k, v in pairs]
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)


@defect("TIMESTAMP-STRICT")
def offset_range_unchecked(mock: WSGIApp) -> WSGIApp:
    """The offset is `[+-]\\d\\d:\\d\\d` with no range check: `+24:00` and `+05:60` are read
    as 24 h and 5 h 60 min."""

    def fix(value: str) -> str | None:
        match = re.fullmatch(r"(.*T[0-9:.]+)([+-])([0-9]{2}):([0-9]{2})", value)
        if match is None or (int(match[3]) <= 23 and int(match[4]) <= 59):
            return None
        try:
            local = dt.datetime.fromisoformat(match[1]).replace(tzinfo=dt.UTC)
        except ValueError:
            return None
        sign = 1 if match[2] == "+" else -1
        shift = dt.timedelta(hours=int(match[3]), minutes=int(match[4]))
        return (local - sign * shift).strftime("%Y-%m-%dT%H:%M:%SZ")

    def rewrite(pairs: Pairs) -> Pairs | None:
        out = [(k, (fix(v) or v) if k in ("since", "until") else v) for k, v in pairs]
        return out if out != pairs else None

    return QueryRewrite(mock, rewrite)
