"""Bearer credentials (CONTRACT.md §2): parsing only; key lookup is the config's job."""

from __future__ import annotations

import re

__all__ = ["bearer_token", "is_token"]

# Scheme (any case), one or more spaces, one RFC 6750 b64token. Tabs, a second
# token and comma-joined repeats of the header all fail to match.
_TOKEN = r"[A-Za-z0-9\-._~+/]+=*"
_BEARER = re.compile(rf"[Bb][Ee][Aa][Rr][Ee][Rr] +({_TOKEN})", re.ASCII)
_TOKEN_ONLY = re.compile(_TOKEN, re.ASCII)


def is_token(text: str) -> bool:
    """Whether ``text`` could ever be presented as a Bearer token."""
    return _TOKEN_ONLY.fullmatch(text) is not None


def bearer_token(header: str | None) -> str | None:
    """The token of a well-formed ``Authorization: Bearer`` value, else ``None``."""
    if header is None:
        return None
    match = _BEARER.fullmatch(header.strip(" \t"))
    return match[1] if match else None
