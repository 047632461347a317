"""What keeps the console safe to open: its headers, and which of its paths are public.

Every response under ``CONSOLE_PREFIX`` (the page, its static files, its JSON,
and the refusals in front of them) carries a strict Content-Security-Policy:
scripts and styles from the mock itself only, nothing inline, no frames, no
other origin. The page and its static files need no control token (they hold
no data); anything else under the prefix is guarded like the rest of ``/__mock/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...http.wsgi import StartResponse

__all__ = ["CONSOLE_PREFIX", "SECURITY_HEADERS", "is_public_path", "with_security_headers"]

CONSOLE_PREFIX = "/__mock/console"
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
_NAMES = frozenset(name.lower() for name, _ in SECURITY_HEADERS)
# The static files are flat: a name, no folder, no "..".
_STATIC = re.compile(r"/__mock/console/static/[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")


def is_public_path(path: str) -> bool:
    """Whether ``path`` is the console's page or one of its static files (no token needed)."""
    return path in (CONSOLE_PREFIX, CONSOLE_PREFIX + "/") or _STATIC.fullmatch(path) is not None


def with_security_headers(start_response: StartResponse) -> Callable[..., Any]:
    """``start_response`` that adds ``SECURITY_HEADERS`` (replacing any of the same name)."""

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        kept = [(name, value) for name, value in headers if name.lower() not in _NAMES]
        if exc_info is not None:
            return start_response(status, [*kept, *SECURITY_HEADERS], exc_info)
        return start_response(status, [*kept, *SECURITY_HEADERS])

    return start
