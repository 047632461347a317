"""Bearer credentials (CONTRACT.md §2): parsing only; key lookup is the config's job."""

from __future__ import annotations

import re

from ..core.tokens import TOKEN_PATTERN, is_token

__all__ = ["bearer_token", "is_token"]

# Scheme (any case), one or more spaces, one RFC 6750 b64token. Tabs, a second
# token and comma-joined repeats of the header all fail to match.
_BEARER = re.compile(rf"[Bb][Ee][Aa][Rr][Ee][Rr] +({TOKEN_PATTERN})", re.ASCII)


def bearer_token(header: str | None) -> str | None:
    """The token of a well-formed ``Authorization: Bearer`` value, else ``None``."""
    if header is None:
        return None
    match = _BEARER.fullmatch(header.strip(" \t"))
    return match[1] if match else None
