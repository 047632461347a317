"""Reading a WSGI app's answer the way a server must.

PEP 3333: whatever the app returned is closed once it has been consumed, even
when iterating it fails, because apps release resources (and the mock's
truncation fault closes the connection) in ``close()``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["read_result"]


def read_result(result: Iterable[bytes]) -> bytes:
    """The body the app produced, joined; ``result.close()`` is always called if it exists."""
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
