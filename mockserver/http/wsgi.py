"""WSGI in one place: the type aliases every layer uses, and reading an app's answer.

PEP 3333: whatever the app returned is closed once it has been consumed, even
when iterating it fails, because apps release resources (and the mock's
truncation fault closes the connection) in ``close()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Environ", "StartResponse", "WSGIApp", "read_result"]

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def read_result(result: Iterable[bytes]) -> bytes:
    """The body the app produced, joined; ``result.close()`` is always called if it exists."""
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
