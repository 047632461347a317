"""Running the app on gunicorn (a production WSGI server), embedded.

The app is built in the arbiter before workers fork (``preload_app``) and the
smaller ledgers are generated there, so workers share them copy-on-write.
The bound address is reported once the sockets exist, which is what makes
``--port 0`` print the real port.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from .app import PAGE_CACHE
from .errors import error_body
from .rendering import item_cache_info

__all__ = ["JsonErrorWorker", "serve"]

_CLIENT_ERROR_STATUS = {
    http_errors.LimitRequestLine: (414, "URI Too Long"),
    http_errors.LimitRequestHeaders: (431, "Request Header Fields Too Large"),
    http_errors.ExpectationFailed: (417, "Expectation Failed"),
    http_errors.UnsupportedTransferCoding: (501, "Not Implemented"),
}


class JsonErrorWorker(ThreadWorker):
    """gunicorn's threaded worker, minus its HTML error page.

    Requests that are not valid HTTP (raw non-ASCII or NUL bytes in the request
    line, broken headers) never reach the app; gunicorn answers them itself, and
    the contract says every answer is the JSON error envelope.
    """

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        response_header_fault = isinstance(
            exc, (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)
        )
        if isinstance(exc, http_errors.ParseException) and not response_header_fault:
            status, reason = _CLIENT_ERROR_STATUS.get(type(exc), (400, "Bad Request"))
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
            body = error_body("invalid_request_error", f"malformed HTTP request: {reason.lower()}")
        else:
            self.log.exception("Error handling request")
            status, reason = 500, "Internal Server Error"
            body = error_body("api_error", "internal error in the mock (please report it)")
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        try:
            write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("Failed to send error message.")


def _write_cache_stats(app: Flask) -> None:
    """One line per worker: how often the page and item caches answered."""
    pages = app.extensions[PAGE_CACHE].stats()
    items = item_cache_info()
    item_lookups = items.hits + items.misses
    sys.stderr.write(
        f"ledger-mock: cache stats pid={os.getpid()} "
        f"page_hits={pages.hits} page_misses={pages.misses} "
        f"page_hit_rate={pages.hit_rate:.4f} page_bytes={pages.bytes} "
        f"item_hits={items.hits} item_misses={items.misses} "
        f"item_hit_rate={items.hits / item_lookups if item_lookups else 0.0:.4f}\n"
    )
    sys.stderr.flush()


class _EmbeddedGunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(
    app: Flask,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int = 4,
    on_ready: Callable[[str, int], None],
    cache_stats: bool = False,
) -> None:
    """Serve ``app`` until SIGINT/SIGTERM; ``on_ready(host, port)`` once listening.

    With ``cache_stats`` each worker writes its cache counters to stderr as it exits.
    """

    def when_ready(server: Any) -> None:
        bound_host, bound_port = server.LISTENERS[0].sock.getsockname()[:2]
        on_ready(bound_host, bound_port)

    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": [address],
        "workers": workers,
        "worker_class": "mockserver.serving.JsonErrorWorker",
        "threads": threads,
        "preload_app": True,
        "when_ready": when_ready,
        "accesslog": None,
        "loglevel": "warning",
        "limit_request_line": 0,  # long query strings get the contract's 400, not a 414 page
        "limit_request_field_size": 0,
        "keepalive": 5,
        "graceful_timeout": 5,
    }
    if cache_stats:
        options["worker_exit"] = lambda server, worker: _write_cache_stats(app)
    _EmbeddedGunicorn(app, options).run()
