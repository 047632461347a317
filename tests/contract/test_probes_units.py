"""The new probes' pure parts: each reading of CONTRACT.md they encode, on its own.

Integer spellings whose octal reading differs, every offset shape written one
second either side of an instant, strict UTF-8 and the charset label, and the
`%2B` hint of the unencoded `+` (the kill table proves the probes end to end).
"""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction
from typing import Any

import pytest

from contract_tests.checks._encoding import charset_of, charset_problem, utf8_problem
from contract_tests.checks._items import item_problems
from contract_tests.checks.filters import OFFSETS, _with_offset
from contract_tests.checks.params import LEADING_ZEROS, NON_ASCII_INTEGERS, plus_hint
from contract_tests.client import Exchange
from contract_tests.curl import to_curl
from contract_tests.redaction import Redactor, basic_credentials
from contract_tests.timestamps import parse_instant

DOCS_NOTE = "Goodwill credit \u2014 failed Doubao call burst, ticket #312"


def _octal(text: str) -> int | None:
    try:
        return int(text, 8)
    except ValueError:
        return None


def test_leading_zero_cases_tell_decimal_from_octal() -> None:
    """Apart from the plain `001`/`007` case, every pair reads differently in octal."""
    differing = [
        (page, size)
        for page, size in LEADING_ZEROS
        if (_octal(page), _octal(size)) != (int(page), int(size))
    ]
    assert len(differing) == len(LEADING_ZEROS) - 1
    assert all(page.startswith("0") and size.startswith("0") for page, size in LEADING_ZEROS)
    # `08`/`09` are no octal number at all: an octal reader must refuse or misread them.
    assert any(_octal(size) is None for _, size in LEADING_ZEROS)


def test_strict_integers_include_what_python_int_and_isdigit_accept() -> None:
    assert "1_0" in NON_ASCII_INTEGERS and int("1_0") == 10
    superscript = "\u00b2"
    assert superscript in NON_ASCII_INTEGERS and superscript.isdigit()
    with pytest.raises(ValueError):
        int(superscript)


def test_offsets_cover_both_signs_and_every_minute_shape() -> None:
    signs = {offset[0] for offset in OFFSETS}
    minutes = {offset[4:] for offset in OFFSETS}
    assert signs == {"+", "-"}
    assert {"00", "30", "45"} <= minutes
    assert {"+14:00", "-14:00", "+00:00", "-00:00", "-00:30"} <= set(OFFSETS)
    assert any(o[0] == "-" and o[4:] != "00" for o in OFFSETS)  # negative, with minutes


@pytest.mark.parametrize("offset", OFFSETS)
def test_each_offset_form_is_the_same_instant(offset: str) -> None:
    instant = Fraction(1_780_000_000)  # 2026-05-28, a whole second
    for t in (instant, instant + 1):
        text = _with_offset(t, offset)
        assert text.endswith(offset) and len(text) == 25, text
        assert parse_instant(text) == t


def test_utf8_problem_is_strict() -> None:
    body = f'{{"note": "{DOCS_NOTE}"}}'
    assert utf8_problem(body.encode("utf-8")) is None
    cp1252 = utf8_problem(body.encode("cp1252"))
    assert cp1252 is not None and "97" in cp1252 and "not UTF-8" in cp1252
    assert utf8_problem(b"\xef\xbb\xbf{}") == "the body starts with a UTF-8 byte order mark"
    truncated = DOCS_NOTE.encode()[:17]  # cut inside the em dash
    assert utf8_problem(b'{"note": "' + truncated + b'"}') is not None


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("application/json", None),
        ("application/json; charset=utf-8", "utf-8"),
        ('application/json;charset="UTF-8"', "utf-8"),
        ("application/json;charset=ISO-8859-1", "iso-8859-1"),
        ("application/json; foo=bar; Charset = windows-1252 ", "windows-1252"),
    ],
)
def test_charset_of(content_type: str, charset: str | None) -> None:
    assert charset_of(content_type) == charset


@pytest.mark.parametrize(
    ("message", "hint"),
    [
        ("the offset's '+' arrived as a space: percent-encode it as %2B", True),
        ("since: bad timestamp (send '+' as %2b)", True),
        ("a + in the query is decoded as a space", True),
        ("encode the plus sign of the offset", True),
        ("since is not a valid timestamp", False),
        ("expected RFC 3339 'YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM]'", False),
        ("", False),
    ],
)
def test_plus_hint(message: str, hint: bool) -> None:
    assert plus_hint(message) is hint


def test_item_digits_are_ascii_digits() -> None:
    """`\\d` would take any Unicode digit: a card's last four and period dates are ASCII."""
    card = {"provider": "stripe", "receipt_id": "ch_1", "method": "card_visa_4242"}
    topup: dict[str, Any] = {
        "id": 1,
        "created_at": "2026-05-21T14:08:11Z",
        "kind": "topup",
        "amount_usd": 50,
        "balance_after_usd": 50,
        "source": card,
        "note": None,
    }
    assert item_problems(topup) == []
    fullwidth = {
        **topup,
        "source": {**card, "method": "card_visa_\uff14\uff12\uff14\uff12"},
    }
    assert [rule for rule, _ in item_problems(fullwidth)] == ["SOURCE-TOPUP-EXACT"]


# --- JSON-CHARSET: only a label that makes a client misread the bytes ----------------


@pytest.mark.parametrize(
    ("charset", "body", "misread"),
    [
        ("utf-8", DOCS_NOTE.encode(), False),
        ("utf8", DOCS_NOTE.encode(), False),
        ("us-ascii", b'{"note": "Goodwill credit \\u2014 ticket"}', False),  # ensure_ascii
        ("iso-8859-1", b'{"total": 0}', False),  # ASCII reads the same in Latin-1
        ("iso-8859-1", DOCS_NOTE.encode(), True),  # the em dash becomes three characters
        ("us-ascii", DOCS_NOTE.encode(), True),  # not ASCII at all
        ("windows-1252", DOCS_NOTE.encode(), True),
        ("utf-16", b'{"total": 0}', True),
        ("klingon-8", b'{"total": 0}', True),  # no decoder knows it
    ],
)
def test_charset_problem_is_a_misreading(charset: str, body: bytes, misread: bool) -> None:
    assert (charset_problem(charset, body) is not None) is misread


def test_charset_problem_leaves_non_utf8_bytes_to_json_utf8() -> None:
    assert charset_problem("windows-1252", DOCS_NOTE.encode("cp1252")) is None


# --- redaction: the keys and every variant the suite derives from them --------------

KEY = "bsk_live_Abc123xyz"


def _shell(word: str, key: str) -> str:
    """What bash makes of one word of a curl line, with `$KEY` exported."""
    done = subprocess.run(
        ["bash", "-c", f"printf %s {word}"],
        capture_output=True,
        text=True,
        timeout=10,
        env={"KEY": key, "PATH": os.environ.get("PATH", "")},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {KEY}",
        f"Bearer {KEY}x",
        f"Bearer {KEY[:-1]}",
        f"Basic {basic_credentials(KEY)}",
        f"Token {KEY}",
    ],
)
def test_curl_lines_hide_every_variant_and_still_rebuild_it(header: str) -> None:
    redact = Redactor({KEY: "$KEY"})
    exchange = Exchange("GET", "http://h/api/v1/x", "/x", "", header)
    line = to_curl(exchange, redact)
    word = line.split(" -H ", 1)[1]
    for secret in (KEY, KEY[:-1], basic_credentials(KEY)):
        assert secret.lower() not in line.lower(), line
    assert _shell(word, KEY) == f"Authorization: {header}"


def test_redaction_is_case_insensitive() -> None:
    redact = Redactor({KEY: "$KEY"})
    text = f"echoed {KEY.upper()} and {KEY.swapcase()[:-1]} back"
    shown = redact(text)
    assert KEY.lower()[:-1] not in shown.lower(), shown
    assert shown == "echoed $KEY and ${KEY%?} back"


def test_redaction_prefers_the_longest_key() -> None:
    redact = Redactor({"bsk_test_default": "$KEY", "bsk_test_default_2": "$SECOND_KEY"})
    assert redact("Bearer bsk_test_default_2") == "Bearer $SECOND_KEY"
    assert redact("Bearer bsk_test_default_") == "Bearer ${SECOND_KEY%?}"
    assert redact("Bearer bsk_test_defaul") == "Bearer ${KEY%?}"
    assert redact("no key here") == "no key here"
