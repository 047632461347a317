"""Query-string validation in the contract's order (CONTRACT.md §3).

The raw query string is parsed here rather than through Werkzeug's lenient
``request.args`` because the contract rejects repeats and non-ASCII digits, which
``args`` would silently accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qsl

from ..core.errors import LedgerMockError
from ..core.kinds import KINDS
from ..core.query import Query
from ..core.timestamps import TimestampError, parse_instant
from .paths import MAX_PAGE, MAX_PAGE_SIZE

__all__ = ["MAX_PAGE", "MAX_PAGE_SIZE", "ParamError", "parse_query"]

_ORDER = ("page", "page_size", "kind", "since", "until")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class ParamError(LedgerMockError, ValueError):
    """The first bad parameter, in contract order (``param``), and what to do about it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(param, message)
        self.param = param
        self.message = message

    def __str__(self) -> str:
        return f"{self.param}: {self.message}"


def _integer(name: str, text: str, maximum: int) -> int:
    if not _DIGITS.fullmatch(text):
        raise ParamError(name, f"{name} must be a whole number written with digits 0-9")
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or not 1 <= int(digits) <= maximum:
        raise ParamError(name, f"{name} must be between 1 and {maximum}")
    return int(digits)


def _kind(text: str) -> str:
    if text not in KINDS:
        raise ParamError("kind", f"kind must be one of {', '.join(KINDS)} (one per request)")
    return text


def _timestamp(name: str, text: str) -> Fraction:
    try:
        return parse_instant(text)
    except TimestampError as error:
        raise ParamError(name, f"{name} is not a valid timestamp: {error}") from None


_PARSERS: dict[str, Callable[[str], object]] = {
    "page": lambda text: _integer("page", text, MAX_PAGE),
    "page_size": lambda text: _integer("page_size", text, MAX_PAGE_SIZE),
    "kind": _kind,
    "since": lambda text: _timestamp("since", text),
    "until": lambda text: _timestamp("until", text),
}


def parse_query(raw_query: str) -> Query:
    """Validate a WSGI ``QUERY_STRING`` (latin-1 text of the raw bytes) into a ``Query``.

    Parameters are judged one by one in contract order, a repeat being one way of
    being bad, so the error always names the first bad one.
    """
    text = raw_query.encode("latin-1", "replace").decode("utf-8", "replace")
    values: dict[str, list[str]] = {name: [] for name in _ORDER}
    for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        if name in values:
            values[name].append(value)
    parsed: dict[str, Any] = {}
    for name in _ORDER:
        found = values[name]
        if len(found) > 1:
            raise ParamError(name, f"{name} was given {len(found)} times; give it once")
        if found:
            parsed[name] = _PARSERS[name](found[0])
    return Query(**parsed)
