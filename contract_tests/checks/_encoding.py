"""The bytes of a body and the charset it is labelled with, as pure functions.

JSON exchanged between systems is UTF-8 (RFC 8259 §8.1) without a byte order
mark, so a body must decode strictly: a reader that replaces bad bytes (as
`Exchange.text` does, for display) would hide a note sent in cp1252 or a
Latin-1 database column.  `application/json` defines no charset parameter;
one that a client honours is harmless while it reads the bytes as UTF-8 does
(`us-ascii` on an ASCII body) and a breach once it does not (`iso-8859-1` on
an em dash, or a label no decoder knows).
"""

from __future__ import annotations

import codecs

__all__ = ["charset_of", "charset_problem", "utf8_problem"]

_BOM = b"\xef\xbb\xbf"


def utf8_problem(content: bytes) -> str | None:
    """What keeps `content` from being UTF-8 JSON text as sent (None: nothing)."""
    if content.startswith(_BOM):
        return "the body starts with a UTF-8 byte order mark"
    try:
        content.decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        bad = content[error.start : error.end]
        around = content[max(0, error.start - 24) : error.end + 8]
        return f"byte(s) {bad.hex(' ')} at offset {error.start} are not UTF-8: ...{around!r}..."
    return None


def charset_of(content_type: str) -> str | None:
    """The `charset` parameter of a Content-Type value, lower-cased and unquoted, if any."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').strip().lower()
    return None


def charset_problem(charset: str, content: bytes) -> str | None:
    """How a client that honours `charset` would misread `content` (None: it reads it right).

    Bytes that are not UTF-8 at all are JSON-UTF8's breach, not the label's.
    """
    try:
        codecs.lookup(charset)
    except LookupError:
        return f"charset={charset} is no known encoding: a client cannot decode the body"
    try:
        meant = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        read = content.decode(charset)
    except (UnicodeDecodeError, ValueError):
        return f"the body does not decode as {charset}"
    if read == meant:
        return None
    at = next((i for i, (a, b) in enumerate(zip(read, meant, strict=False)) if a != b), 0)
    said, meant_here = read[at : at + 12], meant[at : at + 12]
    return f"read as {charset}, the body says {said!r} where it means {meant_here!r}"
