"""§3: every filter against client-side filtering of the pinned history.

Pivots are real `created_at` values of the history (picked with the run's
seeded random generator), so inclusive/exclusive edges are hit exactly.
`since` pivots come from the newest entries and `until` pivots from the
oldest, which keeps every answer to a page or two.  Every offset form is
written one second either side of a real entry, so a mis-read minute or sign
moves that entry across the bound whichever way it errs.  The second key is
filtered too (one kind, one combined window) against its own history.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from contract_tests.checks._registry import check
from contract_tests.checks._views import MAIN, SECOND, views
from contract_tests.context import Context, describe
from contract_tests.entries import KINDS, Entry
from contract_tests.history import History, fetch_pages, select
from contract_tests.timestamps import format_instant, parse_instant

__all__ = ["empty_ranges", "kind_filter", "time_filters", "timestamp_forms"]

MAX_PAGES = 10
PIVOTS = 3
_NANO = Fraction(1, 10**9)
# Every shape of `±HH:MM`: both zeros, both signs with whole, half- and
# quarter-hour minutes, a zero hour with minutes (whose sign is only in the
# text, not in `int("-00")`), and the widest offsets in use (±14:00).
OFFSETS = (
    "+00:00",
    "-00:00",
    "+05:30",
    "-08:00",
    "-03:30",
    "+05:45",
    "-09:30",
    "-00:30",
    "+14:00",
    "-14:00",
)


_FAR_BOUNDS = (
    ("FILTER-SINCE-INCLUSIVE", "since", "1969-07-20T20:17:40Z"),
    ("FILTER-UNTIL-EXCLUSIVE", "until", "1969-07-20T20:17:40Z"),
    ("FILTER-SINCE-INCLUSIVE", "since", "0001-01-01"),
)


def _compare(
    ctx: Context,
    rule_id: str,
    history: History,
    params: dict[str, str],
    expected: list[Entry],
    *,
    acceptance_rule: str | None = None,
    authorization: str | None = None,
) -> None:
    """Fetch every page of `params` (inside the pinned window) and compare with `expected`.

    A refused request is charged to `acceptance_rule` when given (the form
    was rejected), else to `rule_id`.  `authorization` sends as another key.
    """
    query = {**history.base, **params}
    paged = fetch_pages(ctx.client, query, max_pages=MAX_PAGES, authorization=authorization)
    first = paged.exchanges[0]
    if acceptance_rule is not None:
        ctx.record.expect(
            acceptance_rule,
            first.status == 200,
            first,
            "200 (the form is accepted)",
            describe(first),
        )
    if paged.failure is not None:
        if acceptance_rule is None or paged.failure is not first:
            ctx.record.violate(
                rule_id, paged.failure, "200 with an items list", describe(paged.failure)
            )
        return
    got = [e.id for e in paged.entries]
    want = [e.id for e in expected][: len(got)] if not paged.complete else [e.id for e in expected]
    ctx.record.expect(
        rule_id,
        got == want and paged.total == len(expected),
        first,
        f"total {len(expected)}, ids {_short(want)}",
        f"total {paged.total}, ids {_short(got)}",
    )


def _short(ids: list[int | None]) -> str:
    return str(ids) if len(ids) <= 6 else f"[{ids[0]}, {ids[1]}, ..., {ids[-1]}] ({len(ids)} ids)"


def _usable(ctx: Context, *rules: str) -> History | None:
    history = ctx.require_history(*rules)
    if history is None:
        return None
    if not history.entries:
        for rule_id in rules:
            ctx.record.skip(rule_id, "the account has no entries to filter")
        return None
    return history


def _newest(ctx: Context, history: History, count: int = PIVOTS) -> list[Entry]:
    head = history.entries[: min(len(history.entries), 150)]
    return ctx.rng.sample(head, min(count, len(head)))


def _oldest(ctx: Context, history: History, count: int = PIVOTS) -> list[Entry]:
    tail = history.entries[-min(len(history.entries), 150) :]
    return ctx.rng.sample(tail, min(count, len(tail)))


def _floor(instant: Fraction | None) -> Fraction:
    assert instant is not None
    return Fraction(instant.numerator // instant.denominator)


@check("FILTER-KIND")
def kind_filter(ctx: Context) -> None:
    """Each of the five kinds, present in the account or not."""
    history = _usable(ctx, "FILTER-KIND")
    if history is None:
        return
    present = Counter(e.kind for e in history.entries)
    for kind in KINDS:
        expected = select(history.entries, kind=kind)
        _compare(ctx, "FILTER-KIND", history, {"kind": kind}, expected)
    absent = [kind for kind in KINDS if not present[kind]]
    if absent:
        ctx.record.note(
            "FILTER-KIND", f"kinds absent (checked to match nothing): {', '.join(absent)}"
        )
    for view in views(ctx, (SECOND,)):
        if view.history.entries:
            common = Counter(e.kind for e in view.history.entries).most_common(1)[0][0]
            expected = select(view.history.entries, kind=common)
            params = {"kind": str(common)}
            _compare(
                ctx, "FILTER-KIND", view.history, params, expected, authorization=view.authorization
            )


@check("FILTER-SINCE-INCLUSIVE", "FILTER-UNTIL-EXCLUSIVE", "FILTER-COMBINED")
def time_filters(ctx: Context) -> None:
    """since = an entry's created_at keeps it; until = an entry's created_at drops it."""
    history = _usable(ctx, "FILTER-SINCE-INCLUSIVE", "FILTER-UNTIL-EXCLUSIVE", "FILTER-COMBINED")
    if history is None:
        return
    entries = history.entries
    for pivot in _newest(ctx, history):
        assert pivot.created_at is not None
        expected = select(entries, since=pivot.instant)
        _compare(ctx, "FILTER-SINCE-INCLUSIVE", history, {"since": pivot.created_at}, expected)
    for pivot in _oldest(ctx, history):
        assert pivot.created_at is not None
        expected = select(entries, until=pivot.instant)
        _compare(ctx, "FILTER-UNTIL-EXCLUSIVE", history, {"until": pivot.created_at}, expected)
    # Bounds far from the data, before the Unix epoch included, are instants like any other.
    for rule_id, name, text in _FAR_BOUNDS:
        if name == "since" and "since" in history.base:
            continue  # a capped history's window already has a since: keep to the window
        instant = parse_instant(text)
        expected = (
            select(entries, since=instant) if name == "since" else select(entries, until=instant)
        )
        _compare(ctx, rule_id, history, {name: text}, expected)
    for view in views(ctx, (MAIN, SECOND)):
        if view.history.entries:
            _combined(ctx, view.history, view.authorization)


def _combined(ctx: Context, history: History, authorization: str | None) -> None:
    """kind + since + until, with bounds cut from the kind's own entries.

    `until` is the created_at of the kind's second-newest entry and `since`
    that of one about a dozen older, so an entry of the kind lies beyond each
    bound: a path that drops either bound (or the kind) lists something more.
    """
    entries = history.entries
    kind = Counter(e.kind for e in entries).most_common(1)[0][0]
    mine = [e for e in entries if e.kind == kind]
    newer = mine[min(len(mine) - 1, 1)]
    older = mine[min(len(mine) - 1, 13)]
    assert newer.created_at is not None and older.created_at is not None and kind is not None
    expected = select(entries, kind=kind, since=older.instant, until=newer.instant)
    params = {"kind": kind, "since": older.created_at, "until": newer.created_at}
    _compare(ctx, "FILTER-COMBINED", history, params, expected, authorization=authorization)


@check("FILTER-OFFSETS", "FILTER-FRACTION", "FILTER-BARE-DATE", "TIMESTAMP-FORMS")
def timestamp_forms(ctx: Context) -> None:
    """The same instants written in every accepted form select the same entries."""
    rules = ("FILTER-OFFSETS", "FILTER-FRACTION", "FILTER-BARE-DATE", "TIMESTAMP-FORMS")
    history = _usable(ctx, *rules)
    if history is None:
        return
    entries = history.entries
    since_pivot = _newest(ctx, history, 1)[0]
    until_pivot = _oldest(ctx, history, 1)[0]
    t_since = _floor(since_pivot.instant)
    t_until = _floor(until_pivot.instant)

    def form(rule_id: str, name: str, text: str, instant: Fraction) -> None:
        if name == "since":
            expected = select(entries, since=instant)
        else:
            expected = select(entries, until=instant)
        _compare(ctx, rule_id, history, {name: text}, expected, acceptance_rule="TIMESTAMP-FORMS")

    for name, t in (("since", t_since), ("until", t_until)):
        # One second either side of the entry: a reading off by any amount, either
        # way, moves the entry across the bound in one of the two requests.
        for instant in (t, t + 1):
            for written in OFFSETS:
                form("FILTER-OFFSETS", name, _with_offset(instant, written), instant)
        form("FILTER-OFFSETS", name, format_instant(t, zulu=""), t)
        form("FILTER-OFFSETS", name, format_instant(t, zulu="z", separator="t"), t)
        for instant, digits, offset in (
            (t + Fraction(1, 2), 1, 0),
            (t - _NANO, 9, 0),
            (t + _NANO, 9, 60),
            (t, 3, 0),
        ):
            text = format_instant(instant, fraction_digits=digits, offset_minutes=offset)
            form("FILTER-FRACTION", name, text, instant)
        midnight = t - t % 86400
        form("FILTER-BARE-DATE", name, format_instant(midnight)[:10], midnight)
    # A bare date read at midnight in some other zone only shows if an entry lies
    # between the two midnights: use the midnights next to the entries closest
    # to one (latest and earliest time of day), so any such shift is seen.
    entries_near = (("since", entries[:150]), ("until", entries[-150:]))
    for name, pool in entries_near:
        for midnight in _near_midnights(pool):
            form("FILTER-BARE-DATE", name, format_instant(midnight)[:10], midnight)


def _with_offset(instant: Fraction, offset: str) -> str:
    """Whole-second `instant` as local time at `offset` (`±HH:MM`), with that offset."""
    sign = -1 if offset[0] == "-" else 1
    minutes = sign * (int(offset[1:3]) * 60 + int(offset[4:6]))
    local = format_instant(instant, offset_minutes=minutes, zulu="")[:19]  # no suffix
    return local + offset


def _near_midnights(entries: list[Entry]) -> list[Fraction]:
    """The midnight just after the latest time of day and just before the earliest."""
    seconds = [_floor(e.instant) for e in entries if e.instant is not None]
    if not seconds:
        return []
    late = max(seconds, key=lambda t: t % 86400)
    early = min(seconds, key=lambda t: t % 86400)
    return sorted({late - late % 86400 + 86400, early - early % 86400})


@check("FILTER-EMPTY-RANGE")
def empty_ranges(ctx: Context) -> None:
    """since >= until is no error: it matches nothing."""
    history = _usable(ctx, "FILTER-EMPTY-RANGE")
    if history is None:
        return
    pivot = history.entries[len(history.entries) // 2]
    assert pivot.created_at is not None and pivot.instant is not None
    later = format_instant(_floor(pivot.instant) + 3600)
    for since, until, extra in (
        (pivot.created_at, pivot.created_at, {}),
        (later, pivot.created_at, {}),
        (later, pivot.created_at, {"kind": "topup"}),
    ):
        exchange = ctx.client.get({"since": since, "until": until, **extra})
        body = exchange.body if isinstance(exchange.body, dict) else {}
        ok = exchange.status == 200 and body.get("items") == [] and body.get("total") == 0
        ctx.record.expect(
            "FILTER-EMPTY-RANGE", ok, exchange, "200, items [], total 0", describe(exchange)
        )
