"""Exact instants for comparing `created_at` with `since`/`until`.

The suite filters the history client-side and compares with the server, so
it needs its own strict reading of RFC 3339: an instant is a `Fraction` of
seconds since the epoch (fractions of any length compare exactly, which
`datetime` with its microseconds cannot do).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction

__all__ = ["CREATED_AT_FORMAT", "format_instant", "parse_instant"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?"
)
# The [decided] shape of `created_at`.
CREATED_AT_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def parse_instant(text: str) -> Fraction | None:
    """Seconds since the epoch for an RFC 3339 timestamp or bare date, else `None`."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    seconds = Fraction((moment - _EPOCH) // timedelta(seconds=1))
    if fraction:
        seconds += Fraction(int(fraction[1:]), 10 ** (len(fraction) - 1))
    if offset and offset not in "Zz":
        sign = -1 if offset[0] == "-" else 1
        seconds -= sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    return seconds


def format_instant(
    seconds: Fraction,
    *,
    offset_minutes: int = 0,
    fraction_digits: int = 0,
    zulu: str | None = "Z",
    separator: str = "T",
) -> str:
    """Write an instant as RFC 3339, in the given offset and with `fraction_digits` digits.

    At offset 0 the suffix is `zulu` ("Z", "z", or "" for no offset at all);
    `zulu=None` writes `+00:00`.  The fraction is truncated, so callers that
    need exactness pass instants whose fraction fits in `fraction_digits`.
    """
    local = seconds + offset_minutes * 60
    whole = local.numerator // local.denominator
    moment = _EPOCH + timedelta(seconds=whole)
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if fraction_digits:
        digits = int((local - whole) * 10**fraction_digits)
        text += "." + str(digits).rjust(fraction_digits, "0")
    if offset_minutes == 0 and zulu is not None:
        return text + zulu
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"
