from __future__ import annotations

from fractions import Fraction

import pytest

from mockserver.core.timestamps import TimestampError, format_utc, parse_instant

MAY_21 = 1779321600  # 2026-05-21T00:00:00Z


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-21", MAY_21),
        ("2026-05-21T00:00:00Z", MAY_21),
        ("2026-05-21t00:00:00z", MAY_21),
        ("2026-05-21T00:00:00", MAY_21),
        ("2026-05-21T02:00:00+02:00", MAY_21),
        ("2026-05-20T22:30:00-01:30", MAY_21),
        ("2026-05-21T00:00:00.5Z", MAY_21 + Fraction(1, 2)),
        ("2026-05-21T00:00:00.000000001Z", MAY_21 + Fraction(1, 10**9)),
        ("2024-02-29T23:59:59Z", 1709251199),
    ],
)
def test_accepted_forms_parse_exactly(text: str, expected: Fraction | int) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-05-21 00:00:00Z",  # space instead of T
        "2026-05-21T00:00Z",  # no seconds
        "2026-05-21T00:00:00+0200",  # offset without colon
        "2026-W21-4",
        "20260521",
        "20260521T000000Z",
        "1779321600",
        "2026-02-30",
        "2026-13-01",
        "2026-05-21T24:00:00Z",
        "2026-05-21T00:60:00Z",
        "2026-05-21T00:00:00.Z",
        "2026-05-21T00:00:00+24:00",
        "２０２６-05-21",  # noqa: RUF001 - fullwidth digits must be rejected
        "",
        "2026-05-21T00:00:00Z ",
        "2026-05-21T00:00:00 02:00",
    ],
)
def test_rejected_forms(text: str) -> None:
    with pytest.raises(TimestampError):
        parse_instant(text)


def test_unencoded_plus_is_explained() -> None:
    with pytest.raises(TimestampError, match="%2B"):
        parse_instant("2026-05-21T00:00:00 02:00")
    with pytest.raises(TimestampError, match="%2B"):
        parse_instant("2026-05-21T00:00:00.25 02:00")
    with pytest.raises(TimestampError) as caught:
        parse_instant("2026-05-21 00:00")  # a space for T, not an offset
    assert "%2B" not in str(caught.value)


def test_formatting_round_trips() -> None:
    assert format_utc(1779372491) == "2026-05-21T14:08:11Z"
    assert parse_instant(format_utc(1779372491)) == 1779372491


@pytest.mark.parametrize(
    ("fraction", "expected_ceil"),
    [("0" * 5000, MAY_21), ("0" * 5000 + "1", MAY_21 + 1), ("9" * 10_000, MAY_21 + 1)],
)
def test_fractions_of_any_length_compare_exactly(fraction: str, expected_ceil: int) -> None:
    instant = parse_instant(f"2026-05-21T00:00:00.{fraction}Z")
    assert -(-instant // 1) == expected_ceil
    assert MAY_21 <= instant < MAY_21 + 1
