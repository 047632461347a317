"""Render an `Exchange` as a curl command that reproduces it.

Keys handed to the suite become shell variables (`$KEY`), so the header goes
in double quotes; control characters in it (the tab test) become `$'\\x09'`
runs so the line stays one copy-pasteable line.
"""

from __future__ import annotations

from contract_tests.client import Exchange
from contract_tests.redaction import Redactor

__all__ = ["to_curl"]


def _double_quoted(text: str) -> str:
    # `$` is left alone on purpose: placeholders such as $KEY must expand.
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
    return f'"{escaped}"'


def _shell_word(text: str) -> str:
    """Quote `text` as one shell word: double quotes, `$'...'` runs for control chars."""
    if not any(ord(char) < 0x20 for char in text):
        return _double_quoted(text)
    pieces: list[str] = []
    run = ""
    for char in text:
        if ord(char) < 0x20:
            if run:
                pieces.append(_double_quoted(run))
                run = ""
            pieces.append(f"$'\\x{ord(char):02x}'")
        else:
            run += char
    if run:
        pieces.append(_double_quoted(run))
    # Adjacent quoted strings form one word, and `$KEY` still expands.
    return "".join(pieces)


def to_curl(exchange: Exchange, redact: Redactor) -> str:
    """A one-line curl command for `exchange`, with every known key redacted."""
    parts = ["curl", "-sS", "-i"]
    if exchange.method == "HEAD":
        parts.append("-I")
    elif exchange.method != "GET":
        parts += ["-X", exchange.method]
    parts.append("'" + exchange.url.replace("'", "'\\''") + "'")
    if exchange.authorization is not None:
        parts += ["-H", _shell_word("Authorization: " + redact(exchange.authorization))]
    return " ".join(parts)
