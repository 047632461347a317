"""An independent implementation of the ledger endpoint, as a bare WSGI app.

Written from CONTRACT.md only: it shares no code with `mockserver` (own data,
own query-string parsing, own timestamp grammar, own auth, no Flask), so the
contract suite has never seen it. `IndependentApp(bugs=...)` switches on
realistic defects to make mutants.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any
from urllib.parse import unquote_plus

from tests.independent.ledger import KEYS, REVOKED_KEYS, Entry, Money, build_ledgers

__all__ = ["BUGS", "ENDPOINT", "IndependentApp", "dumps"]

ENDPOINT = "/api/v1/me/billing/transactions"
KINDS = ("topup", "refund", "admin_credit", "admin_debit", "subscription_renew")
PARAMS = ("page", "page_size", "kind", "since", "until")
TIMES = ("since", "until")
MAX_PAGE = 2**31 - 1
MAX_PAGE_SIZE = 200

BUGS = {
    "until-inclusive": "until keeps created_at <= until",
    "offset-off-by-one": "page n > 1 starts one entry early",
    "note-on-refund": "refunds carry a note",
    "revoked-accepted": "revoked keys still work",
    "kind-case-insensitive": "kind is lower-cased before validation",
    "float-balance": "balances are a running sum of float dollars (0.1 + 0.2 drift)",
    "octal-integers": "page and page_size with a leading zero are read as octal",
    "negative-offset-minutes": "the offset is sign * hours + minutes (-03:30 read as -02:30)",
    "ci-key-stale-total": "the second acme key's unfiltered total is one entry behind",
}
# The key of the "ci-key-stale-total" bug: a second key of the acme account.
_CI_KEY = "ind_live_acme_ci"

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?)?",
    re.ASCII,
)
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*", re.ASCII)
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()

StartResponse = Callable[..., Any]


class BadParam(Exception):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def dumps(value: Any) -> bytes:
    """JSON with `Money` written as exact two-decimal numbers (`12.50`), spaced like `json.dumps`.

    Deliberately unlike the mock's compact orjson bytes: layout is not contract.
    """

    def encode(item: Any) -> str:
        if isinstance(item, Money):
            return item.json_text()
        if isinstance(item, dict):
            return "{" + ", ".join(f"{json.dumps(k)}: {encode(v)}" for k, v in item.items()) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(encode(v) for v in item) + "]"
        return json.dumps(item)

    return encode(value).encode()


def _instant(text: str, bugs: frozenset[str] = frozenset()) -> Fraction:
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError("not an RFC 3339 timestamp or YYYY-MM-DD date")
    year, month, day, hh, mm, ss, frac, _zulu, sign, oh, om = match.groups()
    date = dt.date(int(year), int(month), int(day))  # ValueError for impossible dates
    seconds = Fraction((date.toordinal() - _EPOCH_DAY) * 86_400)
    if hh is None:
        return seconds
    if int(hh) > 23 or int(mm) > 59 or int(ss) > 59:
        raise ValueError("time out of range")
    seconds += int(hh) * 3600 + int(mm) * 60 + int(ss)
    if frac:
        seconds += Fraction(int(frac), 10 ** len(frac))
    if sign:
        if int(oh) > 23 or int(om) > 59:
            raise ValueError("offset out of range")
        if "negative-offset-minutes" in bugs:
            seconds -= (1 if sign == "+" else -1) * int(oh) * 3600 + int(om) * 60
        else:
            seconds -= (1 if sign == "+" else -1) * (int(oh) * 3600 + int(om) * 60)
    return seconds


def _integer(name: str, text: str, maximum: int, bugs: frozenset[str] = frozenset()) -> int:
    if not _DIGITS.fullmatch(text):
        raise BadParam(name, f"{name} must be written with the digits 0-9 only")
    if "octal-integers" in bugs and len(text) > 1 and text.startswith("0"):
        try:
            value = int(text, 8)
        except ValueError:
            raise BadParam(name, f"{name} is not an octal number") from None
    else:
        value = int(text)
    if not 1 <= value <= maximum:
        raise BadParam(name, f"{name} must be between 1 and {maximum}")
    return value


class IndependentApp:
    """The endpoint over an in-memory ledger; `bugs` names defects from `BUGS`."""

    def __init__(self, bugs: Iterable[str] = ()) -> None:
        self.bugs = frozenset(bugs)
        unknown = self.bugs - BUGS.keys()
        if unknown:
            raise ValueError(f"unknown bugs {sorted(unknown)}")
        self.ledgers = build_ledgers()
        # The "float-balance" bug: balances as a running sum of float dollars.
        self.float_balances: dict[int, float] = {}
        for entries in self.ledgers.values():
            running = 0.0
            for entry in entries:
                running += entry.amount / 100
                self.float_balances[entry.id] = running

    # -- WSGI -----------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        status, headers, body = self.respond(environ)
        headers = [("Content-Type", "application/json; charset=utf-8"), *headers]
        headers.append(("Content-Length", str(len(body))))
        reasons = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            405: "Method Not Allowed",
        }
        start_response(f"{status} {reasons[status]}", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def respond(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        if environ.get("PATH_INFO") != ENDPOINT:
            return self.error(404, "not_found_error", "unknown path")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            status, headers, body = self.error(405, "invalid_request_error", "use GET")
            return status, [*headers, ("Allow", "GET, HEAD")], body
        token = self.token(environ.get("HTTP_AUTHORIZATION"))
        account = self.account(token)
        if account is None:
            status, headers, body = self.error(401, "authentication_error", "invalid API key")
            return status, [*headers, ("WWW-Authenticate", 'Bearer realm="bytespike"')], body
        try:
            query = self.parse(environ.get("QUERY_STRING", ""))
        except BadParam as bad:
            return self.error(400, "invalid_request_error", bad.message, bad.param)
        page = self.page(account, **query)
        unfiltered = all(query[name] is None for name in ("kind", *TIMES))
        if "ci-key-stale-total" in self.bugs and token == _CI_KEY and unfiltered:
            page["total"] -= 1
        return 200, [], dumps(page)

    @staticmethod
    def error(
        status: int, kind: str, message: str, param: str | None = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        return status, [], dumps({"error": {"type": kind, "message": message, "param": param}})

    # -- auth -----------------------------------------------------------------

    @staticmethod
    def token(header: str | None) -> str | None:
        """The one token of a well-formed Bearer header, else None."""
        if header is None:
            return None
        value = header.strip(" \t")
        scheme, spaces = value[:6], value[6:]
        if scheme.lower() != "bearer" or not spaces.startswith(" "):
            return None
        token = spaces.lstrip(" ")
        return token if _TOKEN.fullmatch(token) else None

    def account(self, token: str | None) -> str | None:
        if token is None:
            return None
        if "revoked-accepted" in self.bugs and token in REVOKED_KEYS:
            return REVOKED_KEYS[token]
        return KEYS.get(token)

    # -- query string -----------------------------------------------------------

    def parse(self, raw: str) -> dict[str, Any]:
        text = raw.encode("latin-1").decode("utf-8", "replace")
        seen: dict[str, list[str]] = {}
        for part in text.split("&"):
            if not part:
                continue
            name, _, value = part.partition("=")
            seen.setdefault(unquote_plus(name), []).append(unquote_plus(value))
        # One parameter at a time, in contract order; a repeat is one way of being bad.
        for name in PARAMS:
            if len(seen.get(name, [])) > 1:
                raise BadParam(name, f"give {name} once")
            if name in seen:
                self.check_value(name, seen[name][0])
        given = {name: seen[name][0] for name in PARAMS if name in seen}
        page = _integer("page", given.get("page", "1"), MAX_PAGE, self.bugs)
        size = _integer("page_size", given.get("page_size", "50"), MAX_PAGE_SIZE, self.bugs)
        kind = given.get("kind")
        if kind is not None and "kind-case-insensitive" in self.bugs:
            kind = kind.strip().lower()
        bounds = {
            name: _instant(given[name], self.bugs) if name in given else None for name in TIMES
        }
        return {"page": page, "page_size": size, "kind": kind, **bounds}

    def check_value(self, name: str, value: str) -> None:
        if name == "page":
            _integer(name, value, MAX_PAGE, self.bugs)
        elif name == "page_size":
            _integer(name, value, MAX_PAGE_SIZE, self.bugs)
        elif name == "kind":
            if "kind-case-insensitive" in self.bugs:
                value = value.strip().lower()
            if value not in KINDS:
                raise BadParam("kind", f"kind must be one of {', '.join(KINDS)}")
        else:
            try:
                _instant(value)
            except ValueError as error:
                hint = " (send '+' as %2B)" if " " in value else ""
                raise BadParam(name, f"{name}: {error}{hint}") from None

    # -- listing ---------------------------------------------------------------

    def page(
        self,
        account: str,
        *,
        page: int,
        page_size: int,
        kind: str | None,
        since: Fraction | None,
        until: Fraction | None,
    ) -> dict[str, Any]:
        def keep(entry: Entry) -> bool:
            if kind is not None and entry.kind != kind:
                return False
            if since is not None and entry.created < since:
                return False
            if until is None:
                return True
            if "until-inclusive" in self.bugs:
                return entry.created <= until
            return entry.created < until

        matches = [e for e in reversed(self.ledgers[account]) if keep(e)]
        start = (page - 1) * page_size
        if "offset-off-by-one" in self.bugs and page > 1:
            start -= 1
        chosen = matches[start : start + page_size] if start < len(matches) else []
        return {
            "items": [self.item(e) for e in chosen],
            "total": len(matches),
            "page": page,
            "page_size": page_size,
        }

    def item(self, entry: Entry) -> dict[str, Any]:
        item = entry.to_json()
        if "float-balance" in self.bugs:
            item["balance_after_usd"] = self.float_balances[entry.id]
        if "note-on-refund" in self.bugs and entry.kind == "refund":
            item["note"] = "automatic refund of a failed call"
        return item
