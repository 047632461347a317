"""Apps for the server comparison (loaded by gunicorn / granian by name).

``app``: the mock, built as ``ledger-mock serve`` builds it (ledgers up to 10^5
warmed before the workers fork). ``raw``: the smallest WSGI app that returns the
same page body, the floor of what a Python server can do with these bytes.
``raw_asgi`` is ``raw`` as ``serve``'s default (uvicorn) workers call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mockserver.app import EXTENSION, create_app
from mockserver.asgi import InLoopWsgi

app = create_app(page_cache_bytes=int(os.environ.get("BENCH_PAGE_CACHE_BYTES", 32 * 1024 * 1024)))
app.extensions[EXTENSION].warm(max_size=100_000)

_BODY_FILE = os.environ.get("BENCH_BODY_FILE")
_BODY = Path(_BODY_FILE).read_bytes() if _BODY_FILE else b"{}"
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


def raw(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The page body, whatever was asked."""
    start_response("200 OK", list(_HEADERS))
    return (_BODY,)


raw_asgi = InLoopWsgi(raw)
