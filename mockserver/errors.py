"""The one error envelope (CONTRACT.md §5) and the package's error root."""

from __future__ import annotations

import orjson

__all__ = ["LedgerMockError", "error_body"]


class LedgerMockError(Exception):
    """Root of every error this package raises on purpose."""


def error_body(error_type: str, message: str, param: str | None = None) -> bytes:
    """``{"error": {"type", "message", "param"}}`` as bytes: the only error shape served."""
    return orjson.dumps({"error": {"type": error_type, "message": message, "param": param}})
