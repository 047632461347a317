"""The one error envelope (CONTRACT.md §5): every error body the mock serves is built here.

``error_body`` is the shape; ``json_headers`` the headers of a JSON body;
``internal_error_body`` the ``500`` every layer answers with when something it
did not foresee goes wrong; ``raw_error_reply`` the whole HTTP/1.1 reply a server
writes itself (bad request lines, deadlines, caps) before any app is involved.
"""

from __future__ import annotations

import orjson

__all__ = [
    "INTERNAL_ERROR_MESSAGE",
    "JSON",
    "error_body",
    "error_type_for",
    "internal_error_body",
    "json_headers",
    "raw_error_reply",
]

JSON = "application/json"
INTERNAL_ERROR_MESSAGE = "internal error in the mock (please report it)"


def error_body(error_type: str, message: str, param: str | None = None) -> bytes:
    """``{"error": {"type", "message", "param"}}`` as bytes: the only error shape served."""
    return orjson.dumps({"error": {"type": error_type, "message": message, "param": param}})


def internal_error_body() -> bytes:
    """The body of the mock's own ``500``."""
    return error_body("api_error", INTERNAL_ERROR_MESSAGE)


def error_type_for(status: int) -> str:
    """The envelope's ``type`` for a refusal that is nobody's but the request's (or ours)."""
    return "api_error" if status >= 500 else "invalid_request_error"


def json_headers(body: bytes) -> list[tuple[str, str]]:
    """``Content-Type`` and ``Content-Length`` of a JSON ``body``."""
    return [("Content-Type", JSON), ("Content-Length", str(len(body)))]


def raw_error_reply(
    status: int, reason: str, message: str, *, retry_after: int | None = None
) -> bytes:
    """A whole ``Connection: close`` HTTP/1.1 error reply, head and envelope, as bytes."""
    body = error_body(error_type_for(status), message)
    retry = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n{retry}"
        f"Content-Type: {JSON}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body
