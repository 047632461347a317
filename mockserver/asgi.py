"""The WSGI app on uvicorn's event loop: the default server of ``serve``.

gunicorn keeps the process model (preloaded app shared copy-on-write by forked
workers, supervision, signals, ``--port 0``); in each worker uvicorn parses HTTP
with httptools (llhttp, in C) on uvloop, which costs a fraction of gunicorn's
own Python parser and keeps connections alive without a thread each.

The app is called synchronously, on the loop itself: without the control API
it never waits on anything (answers come from memory), so a hop to a thread
would only add latency and GIL hand-offs. That is also why ``serve`` keeps
``--enable-control`` on gunicorn's threads: a latency fault sleeps, and a drop
fault needs the raw socket.
"""

from __future__ import annotations

import asyncio
import io
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast
from urllib.parse import unquote_to_bytes

import httptools
from gunicorn.arbiter import Arbiter
from uvicorn.protocols.http.httptools_impl import (
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
)
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from .errors import error_body
from .wsgi_result import read_result

__all__ = ["InLoopWsgi", "JsonHttpToolsProtocol", "JsonUvicornWorker"]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# The request target as sent, fragment and all, put in the scope by the protocol.
RAW_TARGET_KEY = "ledger_mock.raw_target"
_INTERNAL_ERROR = error_body("api_error", "internal error in the mock (please report it)")
_NO_INPUT = b""


def _environ(scope: Scope) -> dict[str, Any]:
    """The PEP 3333 environ gunicorn would build for the same request.

    ``PATH_INFO`` is the raw path percent-decoded to bytes and read as latin-1
    (PEP 3333), not uvicorn's UTF-8 ``path``; ``RAW_URI`` is the request target
    exactly as sent (``JsonHttpToolsProtocol`` puts it in the scope), which is
    what the app judges ``//`` and ``%2F`` on. Repeated headers are joined with
    a comma, trailing blanks are stripped and names containing ``_`` are
    dropped, as gunicorn does, so the same text reaches the app whichever
    server runs it.
    """
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    target: bytes = scope.get(RAW_TARGET_KEY) or (raw_path + b"?" + query if query else raw_path)
    server = scope.get("server") or ("127.0.0.1", 0)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "RAW_URI": target.decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(_NO_INPUT),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1")
        if "_" in name:
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        value = raw_value.rstrip(b" \t").decode("latin-1")  # as gunicorn strips them
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class InLoopWsgi:
    """An ASGI 3 app that answers each request by calling a WSGI app, on the loop.

    For WSGI apps that never block and never read a request body (the mock
    without its control API): ``wsgi.input`` is empty, and uvicorn discards
    whatever body was sent. Anything the app raises becomes the contract's JSON
    ``500``, never uvicorn's plain-text one.
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off and WebSockets are not served
            return
        status, headers, body = self._call_wsgi(_environ(scope))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _call_wsgi(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started.append((status, headers))
            return _no_write

        try:
            body = read_result(self.app(environ, start_response))
            status, headers = started[-1]
            code = int(status[:3])
            names = _ENCODED_NAMES
            encoded = [(names.get(k) or _encode_name(k), _header_value(v)) for k, v in headers]
            if code not in STATUS_LINE:
                raise ValueError(f"status {status!r} has no HTTP status line")
        except Exception:
            sys.stderr.write("ledger-mock: unexpected error while answering a request\n")
            return 500, _json_headers(_INTERNAL_ERROR), _INTERNAL_ERROR
        return code, encoded, body


_ENCODED_NAMES: dict[str, bytes] = {}


def _encode_name(name: str) -> bytes:
    """Header names repeat on every response; each is encoded once (a bounded set)."""
    encoded = name.encode("latin-1")
    if len(_ENCODED_NAMES) < 256:
        _ENCODED_NAMES[name] = encoded
    return encoded


def _header_value(value: str) -> bytes:
    """Encoded; refused here (so the answer is the JSON 500) rather than by uvicorn mid-send."""
    encoded = value.encode("latin-1")
    if HEADER_VALUE_RE.search(encoded):
        raise ValueError(f"header value {value!r} has control characters")
    return encoded


def _no_write(data: bytes) -> None:
    raise RuntimeError("the WSGI write() callable is not supported")


def _json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]


class _CoalescingTransport:
    """A transport that holds a response's writes and sends them as one.

    uvicorn writes the status line and headers, then the body, each straight to
    the socket: two ``send`` calls and, with ``TCP_NODELAY``, two segments per
    response. Profiled under the mixed workload those two writes were 38 % of a
    worker's time. Held here, they go out in one write when the response is
    complete (or the connection closes). Everything else is the real transport.
    """

    __slots__ = ("_pending", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            pending = self._pending
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))
            pending.clear()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class JsonHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol: one write per response, JSON for bytes that are not HTTP.

    Requests that are not HTTP never reach the app (there is no method or path
    to route on), and the contract says every answer is ``application/json``:
    uvicorn's own answer is ``text/plain``.
    """

    _refuse_when_done = False  # bytes that are not HTTP followed requests still answering

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = cast(asyncio.Transport, _CoalescingTransport(transport))

    def data_received(self, data: bytes) -> None:
        """uvicorn's, except for what follows a request in the same read.

        After bytes that are not HTTP, the valid requests before them are still
        answered (in order) before the JSON ``400`` and the close; uvicorn sent
        the ``400`` at once and the earlier answers were lost. An ``Upgrade`` or
        ``CONNECT`` request (``curl --http2`` sends ``Upgrade: h2c``) is answered
        as plain HTTP, since nothing is upgraded here, and the requests after it
        are parsed; uvicorn dropped them and logged two warnings per request.
        """
        self._unset_keepalive_if_required()
        while True:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade as upgrade:
                offset = upgrade.args[0] if upgrade.args else len(data)
                data = data[offset:]
                if data:
                    continue
            except httptools.HttpParserError:
                if self.pipeline or (self.cycle is not None and not self.cycle.response_complete):
                    self._refuse_when_done = True
                    self.flow.pause_reading()
                else:
                    self.send_400_response("")
            return

    def on_headers_complete(self) -> None:
        self.scope[RAW_TARGET_KEY] = self.url  # type: ignore[literal-required]
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        cast(_CoalescingTransport, self.transport).flush()
        super().on_response_complete()
        if self._refuse_when_done and not self.pipeline and self.cycle.response_complete:
            self.send_400_response("")

    def send_400_response(self, msg: str) -> None:
        body = error_body("invalid_request_error", "malformed HTTP request: bad request")
        head = (
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()


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
        # Below gunicorn's graceful_timeout (5 s), so a connection that never drains
        # cannot get the worker killed before its exit hooks run.
        "timeout_graceful_shutdown": 4,
    }

    def init_signals(self) -> None:
        """Stop signals end the worker with ``SystemExit``, so gunicorn's exit hooks run.

        uvicorn takes SIGTERM/SIGINT over while it serves, and once it has shut
        down gracefully it raises the signal again against the handler it found.
        That was ``SIG_DFL``, which killed the worker before ``worker_exit`` (the
        ``--cache-stats`` report) could run.
        """
        super().init_signals()
        for stop in _STOP_SIGNALS:  # until the loop takes them over
            signal.signal(stop, _exit_worker)

    def run(self) -> None:
        try:
            with asyncio.Runner(loop_factory=self.config.get_loop_factory()) as runner:
                runner.run(self._serve_until_told())
        finally:
            # Served and stopping: a second Ctrl-C or gunicorn's SIGQUIT must not cut
            # its exit hooks short (closing the loop put SIGQUIT back to its default).
            for stop in _STOP_SIGNALS:
                signal.signal(stop, signal.SIG_IGN)

    async def _serve_until_told(self) -> None:
        """uvicorn's serve, with gunicorn's SIGQUIT (its quick stop, sent on Ctrl-C) obeyed.

        ``uvicorn_worker`` maps SIGQUIT to gunicorn's ``handle_exit``, which only
        marks the worker as not alive; uvicorn never looks, so the worker kept
        serving until gunicorn killed it 5 s later, without its exit hooks.
        """
        self.config.app = self.wsgi
        server = Server(config=self.config)

        def stop() -> None:
            self.alive = False
            server.should_exit = True

        asyncio.get_running_loop().add_signal_handler(signal.SIGQUIT, stop)
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _exit_worker(signum: int, frame: Any) -> None:
    raise SystemExit(0)
