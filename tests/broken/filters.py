"""Broken filters: `kind`, `since`, `until` and the timestamp forms (CONTRACT.md §3)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction

from mockserver.core.kinds import KINDS
from mockserver.core.timestamps import TimestampError, format_utc, parse_instant
from tests.broken.registry import defect
from tests.broken.wsgi import (
    Environ,
    Items,
    ListingRewrite,
    Pairs,
    QueryRewrite,
    Reply,
    WSGIApp,
    error_reply,
    query_pairs,
    with_query,
)

_BARE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_OFFSET = re.compile(r"([+-][0-9]{2}:[0-9]{2}|[Zz])$", re.ASCII)
_FRACTION = re.compile(r"\.[0-9]+", re.ASCII)


def _instant(text: str) -> Fraction | None:
    try:
        return parse_instant(text)
    except TimestampError:
        return None


def _rewrite_values(
    names: tuple[str, ...], change: Callable[[str], str | None]
) -> Callable[[Pairs], Pairs | None]:
    """A query rewrite applying `change` to the values of `names` (None: unchanged)."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        out: Pairs = []
        changed = False
        for name, value in pairs:
            new = change(value) if name in names else None
            changed |= new is not None and new != value
            out.append((name, value if new is None else new))
        return out if changed else None

    return rewrite


def _next_second(text: str) -> str | None:
    instant = _instant(text)
    return None if instant is None else format_utc(math.floor(instant) + 1)


@defect("FILTER-UNTIL-EXCLUSIVE")
def until_inclusive(mock: WSGIApp) -> WSGIApp:
    """`until` is inclusive (`created_at <= until`) instead of strictly before."""
    # Entries have whole seconds: created <= t  <=>  created < floor(t) + 1.
    return QueryRewrite(mock, _rewrite_values(("until",), _next_second))


@defect("FILTER-SINCE-INCLUSIVE")
def since_exclusive(mock: WSGIApp) -> WSGIApp:
    """`since` is exclusive (`created_at > since`) instead of inclusive."""
    # created > t  <=>  created >= floor(t) + 1.
    return QueryRewrite(mock, _rewrite_values(("since",), _next_second))


@defect("FILTER-KIND")
def kind_ignored(mock: WSGIApp) -> WSGIApp:
    """`kind` is validated but never applied: every kind is listed."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        if any(k == "kind" for k, _ in pairs) and all(v in KINDS for k, v in pairs if k == "kind"):
            return [(k, v) for k, v in pairs if k != "kind"]
        return None

    return QueryRewrite(mock, rewrite)


@defect("FILTER-COMBINED")
def kind_path_drops_since(mock: WSGIApp) -> WSGIApp:
    """With `kind`, the per-kind index path forgets the `since` bound (each filter alone works)."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        has_kind = any(k == "kind" and v in KINDS for k, v in pairs)
        if not has_kind or not any(k == "since" for k, _ in pairs):
            return None
        if any(k == "since" and _instant(v) is None for k, v in pairs):
            return None  # still validated: a bad since stays a 400
        return [(k, v) for k, v in pairs if k != "since"]

    return QueryRewrite(mock, rewrite)


@defect("FILTER-OFFSETS")
def offset_ignored(mock: WSGIApp) -> WSGIApp:
    """A UTC offset in `since`/`until` is parsed but dropped: local time is read as UTC."""

    def change(value: str) -> str | None:
        if _instant(value) is None or not _OFFSET.search(value) or value[-1] in "Zz":
            return None
        return _OFFSET.sub("Z", value)

    return QueryRewrite(mock, _rewrite_values(("since", "until"), change))


@defect("FILTER-FRACTION")
def fraction_truncated(mock: WSGIApp) -> WSGIApp:
    """Fractional seconds in `since`/`until` are truncated (`.5` and `.999999999` dropped)."""

    def change(value: str) -> str | None:
        return _FRACTION.sub("", value) if _instant(value) is not None else None

    return QueryRewrite(mock, _rewrite_values(("since", "until"), change))


@defect("FILTER-BARE-DATE")
def bare_date_local_midnight(mock: WSGIApp) -> WSGIApp:
    """A bare date means midnight in the server's zone (UTC+8), not midnight UTC."""

    def change(value: str) -> str | None:
        return f"{value}T00:00:00+08:00" if _BARE_DATE.fullmatch(value) else None

    return QueryRewrite(mock, _rewrite_values(("since", "until"), change))


@defect("FILTER-EMPTY-RANGE")
def empty_range_rejected(mock: WSGIApp) -> WSGIApp:
    """`since >= until` is a 400 ("since must be before until") instead of an empty page."""

    def rewrite(pairs: Pairs) -> Reply | None:
        given = dict(pairs)
        since, until = _instant(given.get("since", "")), _instant(given.get("until", ""))
        if since is not None and until is not None and since >= until:
            return error_reply(400, "invalid_request_error", "since must be before until", "until")
        return None

    return QueryRewrite(mock, rewrite)


@defect("FILTER-SINCE-INCLUSIVE", "FILTER-UNTIL-EXCLUSIVE", profile="documented")
def pre_epoch_crash(mock: WSGIApp) -> WSGIApp:
    """`since`/`until` before 1970 crash the epoch conversion (`OverflowError`): 500.

    Instants taken from the account's own history never reach it; the filter
    checks also try bounds far from the data, before the epoch included.
    (Fuzzing, which draws years 0001..9999, finds it too, but not on every seed.)
    """

    def rewrite(pairs: Pairs) -> Reply | None:
        for name, value in pairs:
            instant = _instant(value) if name in ("since", "until") else None
            if instant is not None and instant < 0:
                return error_reply(500, "api_error", "internal error")
        return None

    return QueryRewrite(mock, rewrite)


class _AdminPrefix(ListingRewrite):
    """For an admin kind, lists both admin kinds (merged in listing order)."""

    def everything(self, environ: Environ) -> Items:
        pairs = query_pairs(environ)
        kind = dict(pairs).get("kind", "")
        if not kind.startswith("admin_"):
            return super().everything(environ)
        merged: Items = []
        for each in ("admin_credit", "admin_debit"):
            swapped = [(k, each if k == "kind" else v) for k, v in pairs]
            merged += super().everything(with_query(environ, swapped))
        return sorted(merged, key=lambda e: (e["created_at"], e["id"]), reverse=True)


def _plain_pages(entries: Items, page: int, size: int) -> tuple[Items, int]:
    start = (page - 1) * size
    return entries[start : start + size], len(entries)


@defect("FILTER-KIND", profile="documented", quick=False)
def kind_prefix_match(mock: WSGIApp) -> WSGIApp:
    """`kind` is matched by prefix (`LIKE 'admin%'`): `admin_credit` also lists admin debits."""
    return _AdminPrefix(mock, _plain_pages)


_NUMERIC_OFFSET = re.compile(r"([+-])([0-9]{2}):([0-9]{2})$", re.ASCII)


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _reread_offset(read: Callable[[str, int, int], int]) -> Callable[[Pairs], Pairs | None]:
    """A query rewrite that replaces each `±HH:MM` by the offset a buggy parser reads.

    `read(sign, hours, minutes)` returns the offset in minutes east of UTC.
    """

    def change(value: str) -> str | None:
        match = _NUMERIC_OFFSET.search(value)
        if match is None or _instant(value) is None:
            return None
        minutes = read(match[1], int(match[2]), int(match[3]))
        return value[: match.start()] + _offset_text(minutes)

    return _rewrite_values(("since", "until"), change)


@defect("FILTER-OFFSETS")
def negative_offset_minutes_added(mock: WSGIApp) -> WSGIApp:
    """The offset is `sign * hours * 60 + minutes`: for negative offsets the minutes
    count the wrong way (`-03:30` is read as `-02:30`, `-09:30` as `-08:30`)."""

    def read(sign: str, hours: int, minutes: int) -> int:
        return (-1 if sign == "-" else 1) * hours * 60 + minutes

    return QueryRewrite(mock, _reread_offset(read))


@defect("FILTER-OFFSETS")
def offset_sign_from_hours(mock: WSGIApp) -> WSGIApp:
    """The sign is taken from `int(hours)`, which is 0 for `-00`: `-00:30` is read as `+00:30`."""

    def read(sign: str, hours: int, minutes: int) -> int:
        signed_hours = -hours if sign == "-" else hours
        return signed_hours * 60 + (minutes if signed_hours >= 0 else -minutes)

    return QueryRewrite(mock, _reread_offset(read))


def _refuse_offsets(refused: Callable[[str, int], bool]) -> Callable[[Pairs], Reply | None]:
    """A rewrite answering 400 for offsets `refused(sign, minutes east of UTC)` says no to."""

    def rewrite(pairs: Pairs) -> Reply | None:
        for name, value in pairs:
            match = _NUMERIC_OFFSET.search(value) if name in ("since", "until") else None
            if match is None or _instant(value) is None:
                continue
            minutes = (-1 if match[1] == "-" else 1) * (int(match[2]) * 60 + int(match[3]))
            if refused(match[1], minutes):
                return error_reply(400, "invalid_request_error", f"bad {name} offset", name)
        return None

    return rewrite


@defect("TIMESTAMP-FORMS")
def offsets_of_real_zones_only(mock: WSGIApp) -> WSGIApp:
    """Offsets must lie in -12:00..+14:00, the span of real time zones: `-14:00` is a 400
    although RFC 3339 allows any `HH` up to 23."""
    return QueryRewrite(mock, _refuse_offsets(lambda _sign, minutes: minutes < -12 * 60))


@defect("TIMESTAMP-FORMS", quick=False)
def minus_zero_offset_rejected(mock: WSGIApp) -> WSGIApp:
    """`-00:00` (RFC 3339's "UTC, local offset unknown") is refused as a 400."""
    return QueryRewrite(mock, _refuse_offsets(lambda sign, minutes: sign == "-" and minutes == 0))


@defect("FILTER-COMBINED")
def kind_path_drops_until(mock: WSGIApp) -> WSGIApp:
    """With `kind`, the per-kind index path forgets the `until` bound (each filter alone works)."""

    def rewrite(pairs: Pairs) -> Pairs | None:
        has_kind = any(k == "kind" and v in KINDS for k, v in pairs)
        if not has_kind or not any(k == "until" for k, _ in pairs):
            return None
        if any(k in ("since", "until") and _instant(v) is None for k, v in pairs):
            return None  # still validated: a bad bound stays a 400
        return [(k, v) for k, v in pairs if k != "until"]

    return QueryRewrite(mock, rewrite)
