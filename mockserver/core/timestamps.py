"""Strict timestamp grammar of the contract (CONTRACT.md §3) and exact epoch arithmetic.

Filters compare exactly, so parsed instants are ``Fraction`` seconds since the Unix
epoch: a fraction such as ``.0000001`` must not be rounded away by a float.
"""

from __future__ import annotations

import datetime as _dt
import re
from fractions import Fraction

from .errors import LedgerMockError

__all__ = ["TimestampError", "format_utc", "parse_instant"]

_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()

_INSTANT = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt](?P<h>[0-9]{2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})"
    r"(?:\.(?P<frac>[0-9]+))?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?)?",
    re.ASCII,
)
# What an unencoded '+' offset looks like once the query string decoder turned it into a space.
_SPACE_OFFSET = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? [0-9]{2}:[0-9]{2}",
    re.ASCII,
)


# Digits of a fraction of a second kept as they are; any further non-zero digit is
# kept as one "sticky" unit just below them. Every comparison with an instant of
# fewer digits (whole-second entries included) then comes out exactly as it would
# with all the digits, and a fraction of any length costs the same to parse.
_EXACT_DIGITS = 60


def _fraction(digits: str) -> Fraction:
    head = digits[:_EXACT_DIGITS]
    value = Fraction(int(head), 10 ** len(head))
    if digits[_EXACT_DIGITS:].strip("0"):
        value += Fraction(1, 10 ** (_EXACT_DIGITS + 1))
    return value


class TimestampError(LedgerMockError, ValueError):
    """The text is not a timestamp the contract accepts; the message says why."""


def parse_instant(text: str) -> Fraction:
    """Parse ``YYYY-MM-DD[Tt]HH:MM:SS[.frac][Z|z|±HH:MM]`` or ``YYYY-MM-DD`` to epoch seconds."""
    match = _INSTANT.fullmatch(text)
    if match is None:
        if _SPACE_OFFSET.fullmatch(text):
            raise TimestampError("the offset's '+' arrived as a space: percent-encode it as %2B")
        raise TimestampError(
            "expected RFC 3339 'YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]' or 'YYYY-MM-DD'"
        )
    try:
        day = _dt.date.fromisoformat(match["date"])
    except ValueError:
        raise TimestampError("the date does not exist") from None
    seconds = Fraction((day.toordinal() - _EPOCH_ORDINAL) * 86400)
    if match["h"] is None:
        return seconds
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"])
    if hour > 23 or minute > 59 or second > 59:
        raise TimestampError("the time of day is out of range")
    seconds += hour * 3600 + minute * 60 + second
    if match["frac"]:
        seconds += _fraction(match["frac"])
    offset = match["offset"]
    if offset and offset not in "Zz":
        off_hour, off_minute = int(offset[1:3]), int(offset[4:6])
        if off_hour > 23 or off_minute > 59:
            raise TimestampError("the UTC offset is out of range")
        sign = 1 if offset[0] == "+" else -1
        seconds -= sign * (off_hour * 3600 + off_minute * 60)
    return seconds


def format_utc(epoch_seconds: int) -> str:
    """Render whole epoch seconds as the contract's ``YYYY-MM-DDTHH:MM:SSZ``."""
    moment = _dt.datetime(1970, 1, 1) + _dt.timedelta(seconds=int(epoch_seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
