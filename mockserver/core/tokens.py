"""What a Bearer token may look like (RFC 6750 ``b64token``): configured keys, control tokens."""

from __future__ import annotations

import re

__all__ = ["TOKEN_PATTERN", "is_token"]

TOKEN_PATTERN = r"[A-Za-z0-9\-._~+/]+=*"
_TOKEN_ONLY = re.compile(TOKEN_PATTERN, re.ASCII)


def is_token(text: str) -> bool:
    """Whether ``text`` could ever be presented as a Bearer token."""
    return _TOKEN_ONLY.fullmatch(text) is not None
