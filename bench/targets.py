"""The raw app of the throughput comparison (loaded by gunicorn by name).

``raw``: the smallest WSGI app that returns the same page body as the mock's
fixed page, whatever was asked: the floor of what ``serve``'s server can do
with these bytes. ``raw_asgi`` is ``raw`` as ``serve``'s uvicorn workers call
the mock (``mockserver.server.asgi.InLoopWsgi``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mockserver.server.asgi import InLoopWsgi

_BODY_FILE = os.environ.get("BENCH_BODY_FILE")
_BODY = Path(_BODY_FILE).read_bytes() if _BODY_FILE else b"{}"
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


def raw(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The page body, whatever was asked."""
    start_response("200 OK", list(_HEADERS))
    return (_BODY,)


raw_asgi = InLoopWsgi(raw)
