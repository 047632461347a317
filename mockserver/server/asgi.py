"""The WSGI app on uvicorn's event loop: the one server of ``serve``.

The app is called synchronously, on the loop itself: answers come from memory,
so a hop to a thread would only add latency and GIL hand-offs. Three things
would make the loop wait, and each is moved off it:

- generating a large ledger on its first use (``needs_build``): generated on
  a thread while the loop serves everyone else, then answered on the loop;
- a latency fault (``--enable-control``): the fault layer only notes the delay
  (``DEFER_LATENCY_KEY``) and it is awaited here, so a delayed answer holds
  nothing but its own connection;
- a request body (the control API's ``POST``s): read from the connection with
  a size cap and a deadline before the app is called;
- a long streamed answer (the console's export, ``streamed`` paths): the app
  is called on the loop (the journal, faults and drift stay single-threaded
  and the route only sets up a generator), then its body is rendered on a
  worker thread one piece at a time, each piece sent as it comes
  (``more_body``): the loop serves everyone else meanwhile, and uvicorn's
  flow control bounds what waits in memory.

A ``drop`` fault closes its own connection with no answer, and a ``truncate``
fault writes half the answer and closes; both through the request's uvicorn
cycle, which the protocol exposes to the control server only.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from uvicorn.protocols.http.httptools_impl import HEADER_VALUE_RE, STATUS_LINE

from ..core.errors import LedgerMockError
from ..http.envelope import JSON, error_body, internal_error_body
from ..http.limits import BODY_TIMEOUT, MAX_BODY_BYTES
from ..http.wsgi import WSGIApp, read_result
from ..testing.faults import DEFER_LATENCY_KEY, ConnectionDropped
from ..testing.journal import FAULT_ENVIRON_KEY, LATENCY_ENVIRON_KEY
from .protocol import BODY_INCOMPLETE_KEY, CYCLE_KEY, RAW_TARGET_KEY, JsonHttpToolsProtocol

__all__ = ["InLoopWsgi", "JsonHttpToolsProtocol", "ServerError"]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]

_INTERNAL_ERROR = internal_error_body()
_JSON = JSON.encode("ascii")
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


class ServerError(LedgerMockError):
    """What the server refuses to send: an answer HTTP/1.1 cannot carry as the app gave it."""


class _BodyRefused(LedgerMockError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class InLoopWsgi:
    """An ASGI 3 app that answers each request by calling a WSGI app, on the loop.

    Without ``control``, ``wsgi.input`` is empty and whatever body was sent is
    discarded (the endpoint takes none). With it, bodies are read (capped), and
    latency, drop and truncate faults are carried out here (module docstring).
    ``needs_build(environ)`` names an account whose ledger the request would
    generate, or ``None``. A ``GET`` of a ``streamed`` path has its body
    rendered off the loop (module docstring). Anything the app raises becomes
    the contract's JSON ``500``, never uvicorn's plain-text one.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        control: bool = False,
        needs_build: Callable[[dict[str, Any]], Callable[[], object] | None] | None = None,
        streamed: Collection[str] = (),
    ) -> None:
        self.app = app
        self.control = control
        self.needs_build = needs_build
        self.streamed = frozenset(streamed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off and WebSockets are not served
            return
        try:
            environ = _environ(scope)
            if self.needs_build is not None:
                build = self.needs_build(environ)
                if build is not None:
                    await asyncio.to_thread(build)
            if self.control:
                await self._serve_with_controls(scope, environ, receive, send)
                return
            if self._streams(environ):
                status, headers, result = self._start_wsgi(environ)
                await self._send_streamed(scope, send, status, headers, result)
                return
            status, headers, body = self._call_wsgi(environ)
        except BaseException as error:
            if _response_started(scope):  # too late for another answer: the close says it
                if not isinstance(error, (Exception, asyncio.CancelledError)):
                    raise
                return
            await _unanswered(send, error)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _serve_with_controls(
        self, scope: Scope, environ: dict[str, Any], receive: Receive, send: Send
    ) -> None:
        try:
            body = (
                await asyncio.wait_for(_read_body(environ, receive), BODY_TIMEOUT)
                if _has_body(environ)
                else b""  # no task and no timer for the GETs that are nearly all of them
            )
            if scope.get(BODY_INCOMPLETE_KEY):
                raise _BodyRefused(400, "malformed HTTP request: the body did not arrive whole")
        except _BodyRefused as refused:
            await _send_error(send, refused.status, str(refused))
            return
        except TimeoutError:
            message = f"the request body did not arrive within {BODY_TIMEOUT:g} s"
            await _send_error(send, 408, message)
            return
        if body or "CONTENT_LENGTH" in environ or "HTTP_TRANSFER_ENCODING" in environ:
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))  # as read: a chunked body is whole now
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ[DEFER_LATENCY_KEY] = True
        dropped = False
        result: Iterable[bytes] = ()
        try:
            status, headers, result = self._start_wsgi(environ)
        except ConnectionDropped:
            dropped = True
        delay = environ.get(LATENCY_ENVIRON_KEY) or 0.0
        if delay:
            await asyncio.sleep(delay)
        if dropped:
            _cut(scope, b"")
        elif environ.get(FAULT_ENVIRON_KEY) == "truncate":
            answer = await self._read(result, off_loop=self._streams(environ))
            if answer is None:
                status, headers, answer = _internal_error()
            _cut(scope, _raw_response(status, headers, answer))
        elif self._streams(environ):
            await self._send_streamed(scope, send, status, headers, result)
        else:
            answer = await self._read(result, off_loop=False)
            if answer is None:
                status, headers, answer = _internal_error()
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": answer})

    def _streams(self, environ: dict[str, Any]) -> bool:
        return environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"] in self.streamed

    async def _read(self, result: Iterable[bytes], *, off_loop: bool) -> bytes | None:
        """The whole body (closed after); ``None`` when rendering it failed."""
        try:
            if off_loop:
                return await asyncio.to_thread(read_result, result)
            return read_result(result)
        except Exception:
            sys.stderr.write("ledger-mock: unexpected error while answering a request\n")
            return None

    async def _send_streamed(
        self,
        scope: Scope,
        send: Send,
        status: int,
        headers: list[tuple[bytes, bytes]],
        result: Iterable[bytes],
    ) -> None:
        """Each piece of ``result`` rendered on a thread and sent as it comes.

        A failure half-way cannot become another answer: the connection is cut,
        so the client sees an incomplete body rather than a short one passed as
        whole. A client gone away stops the rendering at the next piece.
        """
        pieces = iter(result)
        try:
            first = await asyncio.to_thread(_next_piece, pieces)
        except Exception:
            _close(result)
            sys.stderr.write("ledger-mock: unexpected error while answering a request\n")
            status, headers, body = _internal_error()
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            piece = first
            while piece is not None:
                if _gone(scope):
                    return
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                piece = await asyncio.to_thread(_next_piece, pieces)
            await send({"type": "http.response.body", "body": b""})
        except Exception:
            sys.stderr.write("ledger-mock: unexpected error while streaming an answer\n")
            _cut(scope, b"")
        finally:
            # Cancelled mid-piece (the server stopping), the generator may still be
            # running on its thread and refuse to close: it is dropped, not raised.
            with contextlib.suppress(Exception):
                await asyncio.to_thread(_close, result)

    def _call_wsgi(self, environ: dict[str, Any]) -> Answer:
        try:
            status, headers, result = self._start_wsgi(environ)
        except ConnectionDropped:
            raise
        try:
            return status, headers, read_result(result)
        except Exception:
            sys.stderr.write("ledger-mock: unexpected error while answering a request\n")
            return _internal_error()

    def _start_wsgi(
        self, environ: dict[str, Any]
    ) -> tuple[int, list[tuple[bytes, bytes]], Iterable[bytes]]:
        """The app called: its status and headers, and its body still unread (to close)."""
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started.append((status, headers))
            return _no_write

        result: Iterable[bytes] = ()
        try:
            result = self.app(environ, start_response)
            if not started:  # PEP 3333 lets an app start its answer on the first piece
                result = _peeked(result)
            status, headers = started[-1]
            code = int(status[:3])
            names = _ENCODED_NAMES
            encoded = [(names.get(k) or _encode_name(k), _header_value(v)) for k, v in headers]
            if code not in STATUS_LINE:
                raise ServerError(f"status {status!r} has no HTTP status line")
        except ConnectionDropped:
            _close(result)
            raise
        except Exception:
            _close(result)
            sys.stderr.write("ledger-mock: unexpected error while answering a request\n")
            code, encoded, body = _internal_error()
            return code, encoded, [body]
        return code, encoded, result


def _internal_error() -> Answer:
    return 500, _json_headers(_INTERNAL_ERROR), _INTERNAL_ERROR


def _peeked(result: Iterable[bytes]) -> Iterable[bytes]:
    """``result`` with its first piece already produced (so ``start_response`` has run)."""
    pieces = iter(result)
    first = next(pieces, None)
    if first is None:
        _close(result)
        return [b""]
    rest = list(pieces)
    _close(result)
    return [first, *rest]


def _next_piece(pieces: Iterator[bytes]) -> bytes | None:
    """The next non-empty piece, or ``None`` at the end (a thread's unit of work)."""
    for piece in pieces:
        if piece:
            return piece
    return None


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _gone(scope: Scope) -> bool:
    reference = scope.get(CYCLE_KEY)
    cycle = reference() if reference is not None else None
    return bool(cycle is not None and cycle.disconnected)


def _has_body(environ: dict[str, Any]) -> bool:
    return "HTTP_TRANSFER_ENCODING" in environ or environ.get("CONTENT_LENGTH", "") not in ("", "0")


async def _read_body(environ: dict[str, Any], receive: Receive) -> bytes:
    """The request body, whole: at most ``MAX_BODY_BYTES`` (a JSON ``413`` past it)."""
    declared = environ.get("CONTENT_LENGTH", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _BodyRefused(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)  # the client went away; its answer goes nowhere
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyRefused(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def _unanswered(send: Send, error: BaseException) -> None:
    """A request that raised before its answer started: the JSON ``503`` or ``500``, then close.

    ``CancelledError`` is the server stopping past its grace period while the
    request waited (a latency fault, a body, a first-use ledger); anything else
    is a bug of the mock. Other ``BaseException``s (``SystemExit``) go on.
    """
    if isinstance(error, asyncio.CancelledError):
        await _send_closing(send, 503, error_body("api_error", "the mock is shutting down: retry"))
    elif isinstance(error, Exception):
        sys.stderr.write("ledger-mock: unexpected error while answering a request\n")
        await _send_closing(send, 500, _INTERNAL_ERROR)
    else:
        raise error


async def _send_error(send: Send, status: int, message: str) -> None:
    await _send_closing(send, status, error_body("invalid_request_error", message))


async def _send_closing(send: Send, status: int, body: bytes) -> None:
    """A JSON answer, then the close: the rest of an unread body may still be on the wire."""
    headers = [*_json_headers(body), (b"Connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _response_started(scope: Scope) -> bool:
    """Whether uvicorn has sent this request's status line (known on the control server,
    whose protocol exposes the cycle; elsewhere an exception comes before any send)."""
    reference = scope.get(CYCLE_KEY)
    cycle = reference() if reference is not None else None
    return bool(cycle is not None and cycle.response_started)


def _cut(scope: Scope, data: bytes) -> None:
    """Write ``data`` (maybe nothing) and close the connection: no answer follows from uvicorn."""
    reference = scope.get(CYCLE_KEY)
    cycle = reference() if reference is not None else None
    if cycle is None:  # not served by the control protocol: nothing to cut
        return
    cycle.disconnected = True  # uvicorn sends nothing more for this request
    cycle.keep_alive = False
    if data:
        cycle.transport.write(data)
    cycle.transport.close()


def _raw_response(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A response as bytes, exactly as given: a truncated body keeps its full Content-Length."""
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = [f"HTTP/1.1 {status} {reason}".encode("latin-1")]
    lines.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


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
        raise ServerError(f"header value {value!r} has control characters")
    return encoded


def _no_write(data: bytes) -> None:
    raise ServerError("the WSGI write() callable is not supported")


def _json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Content-Type", _JSON), (b"Content-Length", str(len(body)).encode())]
