"""The gunicorn worker of ``serve``: uvicorn on uvloop, with stops that are always quiet.

gunicorn keeps the process model (preloaded app shared copy-on-write by forked
workers, supervision and restart of a worker that dies, signals, ``--port 0``);
in each worker uvicorn serves ``mockserver.server.protocol``'s connections.

A stop signal may come at any moment: while the worker boots, while it serves,
while it exits. Raising from a signal handler (what uvicorn's re-raise after a
graceful stop did through the handler it found) can land inside the event
loop's own bookkeeping and end in ``Cannot close a running event loop`` and
three chained tracebacks. Here a stop signal only ever sets a flag that the
serving coroutine looks at; the worker then returns normally and gunicorn runs
its exit hooks (the ``--cache-stats`` report) and exits 0.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from ..http.limits import IDLE_TIMEOUT
from .protocol import JsonHttpToolsProtocol

__all__ = ["STOP_SIGNALS", "ControlHttpToolsProtocol", "ControlUvicornWorker", "JsonUvicornWorker"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


class ControlHttpToolsProtocol(JsonHttpToolsProtocol):
    """The control server's connections: faults may cut them (``asgi._cut``)."""

    expose_cycle = True


class JsonUvicornWorker(UvicornWorker):
    """gunicorn worker running uvicorn: httptools, uvloop where installed, JSON errors.

    The app is already wrapped (``InLoopWsgi``), so uvicorn's proxy-header
    middleware, lifespan, WebSocket upgrades and access log are off: each would
    cost time on every request, and none has a use here.
    """

    CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012 (uvicorn_worker's own class attribute)
        "loop": "auto",
        "http": JsonHttpToolsProtocol,
        "ws": "none",
        "lifespan": "off",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
        "interface": "asgi3",
        "timeout_keep_alive": IDLE_TIMEOUT,  # the protocol's idle deadline, after an answer
        # Below gunicorn's graceful_timeout (5 s), so a connection that never drains
        # cannot get the worker killed before its exit hooks run.
        "timeout_graceful_shutdown": 4,
    }

    _stop_requested = False
    _server: Server | None = None

    def init_signals(self) -> None:
        """Stop signals set a flag from now on; nothing is raised from a handler.

        They were blocked across the fork (``serving``): unblocked here, any that
        came while the worker booted is delivered now, to this handler.
        """
        super().init_signals()
        for stop in STOP_SIGNALS:
            signal.signal(stop, self._request_stop)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def _request_stop(self, signum: int, frame: Any) -> None:
        self._stop_requested = True
        self.alive = False
        if self._server is not None:
            self._server.should_exit = True

    def run(self) -> None:
        with asyncio.Runner(loop_factory=self.config.get_loop_factory()) as runner:
            runner.run(self._serve_until_told())
        # Served and stopping: a second Ctrl-C or gunicorn's SIGQUIT must not cut
        # the exit hooks short.
        for stop in STOP_SIGNALS:
            signal.signal(stop, signal.SIG_IGN)

    async def _serve_until_told(self) -> None:
        """uvicorn's serve, unless a stop came first; SIGQUIT (gunicorn's quick stop) obeyed."""
        self.config.app = self.wsgi
        server = Server(config=self.config)
        self._server = server
        if self._stop_requested:
            return
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGQUIT, self._request_stop, signal.SIGQUIT, None)
        await server.serve(sockets=self.sockets)
        # uvicorn re-raises the stop signal it caught against the handler it found:
        # ours, which only sets the flag.
        if not server.started and not self._stop_requested:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)


class ControlUvicornWorker(JsonUvicornWorker):
    """The worker of ``serve --enable-control``: its connections can be cut by faults."""

    CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012
        **JsonUvicornWorker.CONFIG_KWARGS,
        "http": ControlHttpToolsProtocol,
    }
