"""The bytes of a body and the charset it is labelled with, as pure functions.

JSON exchanged between systems is UTF-8 (RFC 8259 §8.1) without a byte order
mark, so a body must decode strictly: a reader that replaces bad bytes (as
`Exchange.text` does, for display) would hide a note sent in cp1252 or a
Latin-1 database column.  `application/json` defines no charset parameter;
one that names anything but UTF-8 tells every client to misread the body.
"""

from __future__ import annotations

__all__ = ["UTF8_LABELS", "charset_of", "utf8_problem"]

# "utf-8" is the registered name; "utf8" is a label the WHATWG Encoding
# Standard maps to UTF-8 too, so a client reads the body right either way.
UTF8_LABELS = frozenset({"utf-8", "utf8"})
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
