"""Running the app on a production server, embedded: uvicorn, gunicorn, or granian.

Each is driven so that the app is built in the parent before workers fork
(``preload_app``) and the smaller ledgers are generated there, so workers share
them copy-on-write. The bound address is reported once the listening socket
exists, which is what makes ``--port 0`` print the real port.

``uvicorn`` (the default) runs gunicorn's process model with uvicorn in each
worker (``mockserver.asgi``): HTTP parsed in C, keep-alive on an event loop, and
malformed HTTP answered with the contract's JSON envelope. ``gunicorn`` alone
(threads; ``JsonErrorWorker``) is what ``--enable-control`` runs on, since a
latency fault sleeps on its thread and a drop fault closes its socket.
``granian`` (the ``fast`` extra) parses HTTP in Rust and is faster still, but
answers protocol-level garbage itself with an empty ``400`` (no Content-Type).
For granian the listening socket is made here and handed to granian's workers,
so ``--port 0`` reports the port every worker really accepts on (see
``_serve_granian``).
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.util import Finalize
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from .app import PAGE_CACHE
from .errors import error_body
from .rendering import item_cache_info

__all__ = [
    "DEFAULT_SERVER",
    "FAST_EXTRA_HINT",
    "SERVERS",
    "JsonErrorWorker",
    "ServerUnavailable",
    "serve",
    "server_available",
]

SERVERS = ("uvicorn", "gunicorn", "granian")
DEFAULT_SERVER = "uvicorn"
CONTROL_SERVER = "gunicorn"  # the server --enable-control runs on (see the module docstring)
FAST_EXTRA_HINT = "pip install 'bytespike-ledger-mock[fast]'"


class ServerUnavailable(RuntimeError):
    """The chosen server is not installed."""


def server_available(server: str) -> bool:
    """Whether ``server`` can be imported (uvicorn and gunicorn are dependencies)."""
    return server in ("uvicorn", "gunicorn") or importlib.util.find_spec(server) is not None


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
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:  # the Flask app, or its ASGI wrapper for uvicorn workers
        return self._app


def serve(
    app: Flask,
    *,
    host: str,
    port: int,
    workers: int,
    server: str = DEFAULT_SERVER,
    threads: int | None = None,
    on_ready: Callable[[str, int], None],
    cache_stats: bool = False,
) -> None:
    """Serve ``app`` until SIGINT/SIGTERM; ``on_ready(host, port)`` once listening.

    ``server`` is one of ``SERVERS`` (``ServerUnavailable`` if it is not
    installed); ``threads`` is the Python threads per gunicorn or granian worker
    (the server's default when ``None``; a uvicorn worker has its event loop).
    With ``cache_stats`` each worker writes its cache counters to stderr as it
    exits.
    """
    if server == "uvicorn":
        from .asgi import InLoopWsgi

        _serve_gunicorn(
            app,
            InLoopWsgi(app),
            host=host,
            port=port,
            workers=workers,
            worker_class="mockserver.asgi.JsonUvicornWorker",
            threads=1,
            on_ready=on_ready,
            cache_stats=cache_stats,
        )
    elif server == "gunicorn":
        _serve_gunicorn(
            app,
            app,
            host=host,
            port=port,
            workers=workers,
            worker_class="mockserver.serving.JsonErrorWorker",
            threads=threads or GUNICORN_THREADS,
            on_ready=on_ready,
            cache_stats=cache_stats,
        )
    elif server == "granian":
        _serve_granian(
            app,
            host=host,
            port=port,
            workers=workers,
            threads=threads or GRANIAN_THREADS,
            on_ready=on_ready,
            cache_stats=cache_stats,
        )
    else:
        raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")


GUNICORN_THREADS = 4
GRANIAN_THREADS = 1


def _serve_gunicorn(
    app: Flask,
    served: Any,
    *,
    host: str,
    port: int,
    workers: int,
    worker_class: str,
    threads: int,
    on_ready: Callable[[str, int], None],
    cache_stats: bool,
) -> None:
    def when_ready(server: Any) -> None:
        bound_host, bound_port = server.LISTENERS[0].sock.getsockname()[:2]
        on_ready(bound_host, bound_port)

    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": [address],
        "workers": workers,
        "worker_class": worker_class,
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
    _EmbeddedGunicorn(served, options).run()


_WORKER_STOP_SECONDS = 5.0  # a granian worker's graceful stop, as gunicorn's graceful_timeout


def _stop_on_sigterm_only(on_exit: Callable[[], None]) -> None:
    """In a forked granian worker: stop on the parent's SIGTERM, reliably.

    granian's worker waits for its stop signal in ``threading.Event.wait`` on
    the main thread while its Rust threads serve; a signal the kernel hands to
    another thread, or one that comes while the worker is still starting (its
    parent's handler still installed), is lost and the worker never exits, so
    neither does ``serve`` (seen in about one stop in ten). Here SIGTERM and
    SIGINT are blocked from the fork on (the parent blocks them around it, the
    worker keeps them blocked, threads started later inherit the mask) and one
    thread takes SIGTERM with ``sigwait``: once granian's worker
    handler is installed it is called (a graceful stop), and the worker exits
    by itself (after ``on_exit``) if that has not ended it within
    ``_WORKER_STOP_SECONDS`` or if it was not serving yet. SIGINT stays
    blocked: Ctrl-C reaches the whole process group, and stopping the workers
    is their parent's job. (The parent sends SIGKILL after twice that.)
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    inherited = signal.getsignal(signal.SIGTERM)

    def wait_for_sigterm() -> None:
        signal.sigwait({signal.SIGTERM})
        handler = signal.getsignal(signal.SIGTERM)
        if callable(handler) and handler is not inherited:
            handler(signal.SIGTERM, None)
            time.sleep(_WORKER_STOP_SECONDS)  # the worker normally exits meanwhile
        on_exit()
        os._exit(0)

    threading.Thread(target=wait_for_sigterm, name="ledger-mock-sigterm", daemon=True).start()


def _serve_granian(
    app: Flask,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    on_ready: Callable[[str, int], None],
    cache_stats: bool,
) -> None:
    """granian's process manager, serving one listening socket made here.

    On Linux granian has each worker bind the address itself (``SO_REUSEPORT``),
    so with port 0 every worker would pick a different port, none of them known
    to the caller. Instead the listener is made (by granian's own ``SocketSpec``,
    so with its socket options), bound and listening before anything else, its
    real address goes to ``on_ready``, and granian is handed it through the
    shared-socket path it takes on other platforms: the workers inherit the
    descriptor, connections made meanwhile wait in the backlog. Workers are
    forked, so they share the app and its warmed ledgers copy-on-write, as with
    gunicorn's preload. This overrides one private method of granian's
    ``MPServer``; ``tests/test_serve_granian.py`` pins the behaviour and
    ``pyproject.toml`` the tested granian versions.
    """
    try:
        from granian.constants import Interfaces
        from granian.log import LogLevels
        from granian.net import SocketSpec
        from granian.server.mp import MPServer
    except ImportError:
        raise ServerUnavailable(f"--server granian needs granian: {FAST_EXTRA_HINT}") from None

    backlog = 1024
    # granian's own listener (its socket options), bound now; listening now too, so
    # connections made as soon as the address is printed wait in the backlog.
    holder = SocketSpec(host, port, backlog).build()
    listener = socket.socket(fileno=holder.get_fd())
    listener.listen(backlog)
    listener.set_inheritable(True)

    class _PreboundGranian(MPServer):
        def _init_shared_socket(self) -> None:
            # What granian's shared-socket path (``AbstractServer._init_shared_socket``
            # off Linux, then ``MPServer``'s) sets, with the listener bound above.
            state: Any = self
            state._ssp = None  # no per-worker bind
            state._shd = holder
            state._sfd = listener.fileno()
            state._sso = listener  # inherited by the forked workers; closed on shutdown

    reported = False

    def report() -> None:  # once per worker, however it exits
        nonlocal reported
        if cache_stats and not reported:
            reported = True
            _write_cache_stats(app)

    def load() -> Flask:  # in each worker, after the fork
        Finalize(app, report, exitpriority=10)  # run as a worker returns from its target
        return app

    bound_host, bound_port = listener.getsockname()[:2]
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    os.register_at_fork(  # no instant where a worker has its parent's handlers in force
        before=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals),
        after_in_parent=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals),
        after_in_child=lambda: _stop_on_sigterm_only(report),
    )
    if "fork" in multiprocessing.get_all_start_methods():
        # Workers must inherit the socket and the preloaded app, not re-import them.
        multiprocessing.set_start_method("fork", force=True)
    server = _PreboundGranian(
        "mockserver:app",  # only named in logs: ``load`` hands over the built app
        address=bound_host,
        port=bound_port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backlog=backlog,
        log_level=LogLevels.warning,
        workers_kill_timeout=int(2 * _WORKER_STOP_SECONDS),  # the last resort: SIGKILL
    )
    # Reported from granian's start-up hook: its SIGINT/SIGTERM handlers are in place
    # by then (a caller may stop it as soon as it reads the address) and no worker
    # has forked yet (``on_ready`` may prepare state for them to share).
    server.on_startup(lambda: on_ready(bound_host, bound_port))
    server.serve(target_loader=load, wrap_loader=False)
