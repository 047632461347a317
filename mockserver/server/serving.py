"""Running the app embedded in its one production server: uvicorn workers under gunicorn.

gunicorn's arbiter forks the workers from a parent that has built the app
(``preload_app``) and generated the smaller ledgers, so workers share them
copy-on-write; it restarts a worker that dies (the OOM killer's SIGKILL ends
one worker, not the server). Each worker runs uvicorn on uvloop with
``mockserver.server.protocol``'s connections (``mockserver.server.worker``). The bound
address is reported once the listening socket exists, which is what makes
``--port 0`` print the real port.

``--enable-control`` runs on the same server, with one worker: the journal, the
fault counter (``nth`` counts requests across the whole server) and drift are
state of one process, and sharing them between forked workers would need a
broker the mock does not have. Its faults never block the event loop
(``mockserver.server.asgi``).
"""

from __future__ import annotations

import hmac
import os
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from flask import Flask
from gunicorn.app.base import BaseApplication

from ..core.store import LedgerStore
from ..http.app import ledger_store, page_cache
from ..http.auth import bearer_token
from ..http.limits import DEFAULT_MAX_CONNECTIONS, IDLE_TIMEOUT
from ..testing.console.security import CONSOLE_PREFIX
from .asgi import InLoopWsgi
from .protocol import ConnectionLimits
from .stops import stop_requested
from .worker import STOP_SIGNALS

__all__ = ["connection_cap", "serve"]

_FD_HEADROOM = 64  # descriptors a worker keeps for itself beyond its connections


def _write_cache_stats(app: Flask) -> None:
    """One line per worker: how often the page and item caches answered."""
    pages = page_cache(app).stats()
    items = ledger_store(app).item_cache_info()
    item_lookups = items.hits + items.misses
    sys.stderr.write(
        f"ledger-mock: cache stats pid={os.getpid()} "
        f"page_hits={pages.hits} page_misses={pages.misses} "
        f"page_hit_rate={pages.hit_rate:.4f} page_bytes={pages.bytes} "
        f"item_hits={items.hits} item_misses={items.misses} "
        f"item_hit_rate={items.hits / item_lookups if item_lookups else 0.0:.4f}\n"
    )
    sys.stderr.flush()


def connection_cap(requested: int) -> int:
    """``requested``, lowered to what the descriptor limit allows (raised to its hard limit).

    Every open connection is a file descriptor; a worker that runs out of them
    cannot accept anyone, however idle the connections that hold them.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, requested + _FD_HEADROOM)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return max(1, min(requested, soft - _FD_HEADROOM))


def _keep_stops_for_the_workers() -> None:
    """A stop signal that reaches a worker before its own handlers must wait for them.

    A forked worker starts with the arbiter's handlers, which in a worker only
    queue the signal in the arbiter's (copied, unread) queue: a Ctrl-C to the
    process group, or the arbiter's SIGTERM/SIGQUIT, that lands while a worker
    boots was lost, and the worker served on until the arbiter killed it (no
    exit hooks, no ``--cache-stats`` line). Stop signals are blocked across
    each fork; the parent unblocks them at once, a worker once its own handlers
    are in place (``JsonUvicornWorker.init_signals``), and then receives what
    came meanwhile.
    """
    os.register_at_fork(
        before=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS),
        after_in_parent=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS),
    )


class _EmbeddedGunicorn(BaseApplication):
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:  # the ASGI wrapper the uvicorn workers serve
        return self._app


CONSOLE_EXPORT = CONSOLE_PREFIX + "/api/export"  # rendered off the event loop (asgi.py)
# The console calls that read a whole ledger; they name the key in ``?key=``.
CONSOLE_KEYED = frozenset({CONSOLE_PREFIX + "/api/balance", CONSOLE_EXPORT})


def _console_key(environ: dict[str, Any]) -> str | None:
    """The ``key`` query parameter of a console data call (balance, export), if any.

    Those name the account in the query, not in ``Authorization`` (that header
    carries the control token), and would otherwise build a large ledger on the
    loop. Given twice, the route refuses it: nothing to build.
    """
    if str(environ.get("PATH_INFO", "")) not in CONSOLE_KEYED:
        return None
    values = parse_qs(str(environ.get("QUERY_STRING", ""))).get("key")
    return values[0] if values is not None and len(values) == 1 else None


def _builder(
    store: LedgerStore, *, control_token: str | None = None
) -> Callable[[dict[str, Any]], Callable[[], object] | None]:
    """For the bridge: the ledger a request's key would generate on first use, as a call.

    With ``control_token``, a console call builds only when it carries that
    token: the guard refuses it otherwise, and an unauthenticated client must
    not make the server generate a 10^6-entry ledger.
    """
    token = control_token.encode("ascii") if control_token is not None else None

    def needs_build(environ: dict[str, Any]) -> Callable[[], object] | None:
        if str(environ.get("PATH_INFO", "")) in CONSOLE_KEYED:
            if token is not None:
                presented = bearer_token(environ.get("HTTP_AUTHORIZATION"))
                if presented is None or not hmac.compare_digest(presented.encode("ascii"), token):
                    return None
            key = _console_key(environ)
            account = store.unbuilt_account(key, include_revoked=True) if key is not None else None
        else:
            key = bearer_token(environ.get("HTTP_AUTHORIZATION"))
            # not "Bearer <key>": the app answers 401 without a ledger
            account = store.unbuilt_account(key) if key is not None else None
        if account is None:
            return None
        return lambda: store.ledger(account)

    return needs_build


def serve(
    app: Flask,
    *,
    host: str,
    port: int,
    workers: int,
    control: bool = False,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    on_ready: Callable[[str, int], None],
    cache_stats: bool = False,
    control_token: str | None = None,
) -> None:
    """Serve ``app`` until SIGINT/SIGTERM; ``on_ready(host, port)`` once listening.

    ``control`` runs the control server's worker (faults may cut connections;
    ``control_token`` is the one the app's guard asks for, see ``_builder``);
    ``max_connections`` caps each worker's open connections (see
    ``mockserver.server.protocol``). With ``cache_stats`` each worker writes its cache
    counters to stderr as it exits.
    """
    ConnectionLimits.max_connections = connection_cap(max_connections)
    _keep_stops_for_the_workers()
    store = ledger_store(app)
    served = InLoopWsgi(
        app,
        control=control,
        needs_build=_builder(store, control_token=control_token),
        streamed=(CONSOLE_EXPORT,),
    )
    worker = "ControlUvicornWorker" if control else "JsonUvicornWorker"

    def when_ready(server: Any) -> None:
        bound_host, bound_port = server.LISTENERS[0].sock.getsockname()[:2]
        on_ready(bound_host, bound_port)
        if stop_requested():  # came before the arbiter's own handlers: hand it over
            os.kill(os.getpid(), signal.SIGTERM)

    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": [address],
        "workers": workers,
        "worker_class": f"mockserver.server.worker.{worker}",
        "preload_app": True,
        "when_ready": when_ready,
        "accesslog": None,
        "loglevel": "warning",
        "keepalive": int(IDLE_TIMEOUT),
        "graceful_timeout": 5,
        "backlog": 2048,
    }
    if cache_stats:
        options["worker_exit"] = lambda server, worker: _write_cache_stats(app)
    _EmbeddedGunicorn(served, options).run()
