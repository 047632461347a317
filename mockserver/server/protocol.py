"""HTTP/1.1 connections for the default server: uvicorn's httptools protocol, made hostile-proof.

uvicorn parses HTTP with httptools (llhttp, in C) and is fast, but it trusts its
peers: a socket that sends nothing, or one byte, or an HTTP/0.9 request line, is
held for ever; a ``Transfer-Encoding`` it will not decode reaches the app and is
refused only after the answer; its own error answers are ``text/plain``; and a
worker keeps every connection it accepts. The contract says every answer is the
JSON envelope, and a mock that one rude client can stall is useless in CI. So
each connection here has:

- a head deadline (``limits.HEAD_TIMEOUT``): from the first byte of a request to the
  end of its headers; past it, a JSON ``408`` and the close;
- an idle deadline (``limits.IDLE_TIMEOUT``): a connection with no request under way
  (new, or kept alive after an answer) is closed; one whose peer does not read
  its answers is aborted rather than held until it does;
- a head size cap (``limits.MAX_HEAD_BYTES``, a JSON ``431``);
- a JSON ``400`` and the close, at once, for anything that is not an HTTP/1.0 or
  1.1 request: bytes llhttp refuses, an HTTP/0.9 request line (llhttp waits
  for headers that never come), another version, a ``Transfer-Encoding``
  other than a single ``chunked`` (llhttp refused it only after the app had
  answered, so the client saw ``200`` then ``400`` on one connection);
- a cap on open connections per worker (``max_connections``): past it, the
  connection idle the longest is closed to make room (an idle socket costs its
  owner nothing to reopen), and only when every connection has a request under
  way is the newcomer refused with a JSON ``503`` and ``Retry-After``.

Valid requests pipelined before bad bytes are answered first, in order, and
then the refusal; ``Upgrade``/``CONNECT`` requests are answered as plain HTTP
and the requests after them parsed (uvicorn dropped them). Each response goes
out in one socket write.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections import OrderedDict
from typing import Any, ClassVar, cast

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..core.errors import LedgerMockError
from ..http.envelope import raw_error_reply
from ..http.limits import (
    CLOSE_GRACE,
    DEFAULT_MAX_CONNECTIONS,
    HEAD_TIMEOUT,
    IDLE_TIMEOUT,
    MAX_HEAD_BYTES,
    MAX_PIPELINE,
    WRITE_STALL_TIMEOUT,
)

__all__ = [
    "BODY_INCOMPLETE_KEY",
    "CYCLE_KEY",
    "RAW_TARGET_KEY",
    "ConnectionLimits",
    "JsonHttpToolsProtocol",
]

# The request target as sent, fragment and all, put in the scope by the protocol.
RAW_TARGET_KEY = "ledger_mock.raw_target"
# A weak reference to the request's uvicorn cycle, for faults that cut the connection.
CYCLE_KEY = "ledger_mock.cycle"
# Set in the scope when the request's body can never arrive whole (bad chunk, early end).
BODY_INCOMPLETE_KEY = "ledger_mock.body_incomplete"
_MAX_BLANK_BYTES = 8
# llhttp reads "RTSP/1.0" as version 1.0 of HTTP: such a request line is refused here.
_RTSP_LINE = re.compile(rb"(?:^|\n)[!-~]+ +[^ \r\n]+ +RTSP/")
_INTERIM = b"HTTP/1.1 100 "
_FEED_SLICE = 4096  # bytes parsed at a time, so the queue of pipelined requests stays bounded


_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


class ConnectionLimits:
    """How many connections one worker keeps open (set in the parent, inherited by forks)."""

    max_connections: ClassVar[int] = DEFAULT_MAX_CONNECTIONS


class _Refusal(LedgerMockError):
    """Raised from a parser callback: answer with this JSON error and close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
        if data.startswith(_INTERIM):  # "100 Continue": the client waits for it to send a body
            self.flush()
            if not self._transport.is_closing():
                self._transport.write(data)
            return
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            pending = self._pending
            if not self._transport.is_closing():  # a reset peer: nothing can be sent
                self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))
            pending.clear()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


# Connections of this worker, least recently active first (what eviction picks from).
_RECENT: OrderedDict[JsonHttpToolsProtocol, None] = OrderedDict()


class JsonHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines, caps and JSON refusals (module docstring)."""

    expose_cycle: ClassVar[bool] = False  # put CYCLE_KEY in the scope (the control server)

    _pending_refusal: _Refusal | None = None  # decided while earlier requests still answer
    _head_pending = False  # a request has begun and its headers are not all in
    _began_here = False  # a request began during the current data_received
    _line_checked = False  # the pending request's line was seen whole and is HTTP/1.x
    _head_buf = b""  # bytes of the pending head, until its request line is checked
    _head_bytes = 0
    _head_timer: asyncio.TimerHandle | None = None
    _lost = False
    _eof = False  # the peer closed its side: answer what it sent, then close
    _in_message = False  # between a request's first byte and its end (body included)
    _divert = 0  # bytes of an Upgrade request's body still to come (llhttp stops before it)
    _backlog = b""  # bytes received but not parsed while MAX_PIPELINE requests wait
    _write_stall: asyncio.TimerHandle | None = None
    _blank_bytes = 0  # line ends before any request (RFC 9112 lets a server skip a few)

    # Connection life

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = cast(asyncio.Transport, _CoalescingTransport(transport))
        _RECENT[self] = None
        if len(_RECENT) > ConnectionLimits.max_connections and not self._make_room():
            self._answer_and_close(503, "too many open connections: retry shortly")
            return
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        _RECENT.pop(self, None)
        self._cancel_head_timer()
        if self._write_stall is not None:
            self._write_stall.cancel()
            self._write_stall = None
        self._unset_keepalive_if_required()
        super().connection_lost(exc)

    def _busy(self) -> bool:
        """A request of this connection is being answered, or waits to be."""
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def _make_room(self) -> bool:
        """Close the connection idle the longest (never one being answered); False if none."""
        victim = next((other for other in _RECENT if other is not self and not other._busy()), None)
        if victim is None:
            return False
        _RECENT.pop(victim, None)
        victim.transport.abort()
        return True

    def _arm_idle(self) -> None:
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(
            IDLE_TIMEOUT, self.timeout_keep_alive_handler
        )

    def timeout_keep_alive_handler(self) -> None:
        """Idle too long: close; abort if the peer has not read what it was sent."""
        if self.transport.is_closing():
            return
        if self.transport.get_write_buffer_size():
            self.transport.abort()
        else:
            self._close()

    def _close(self) -> None:
        """Close after flushing, but never wait on a peer that does not read."""
        self.transport.close()
        self.loop.call_later(CLOSE_GRACE, self._abort_if_open)

    def _abort_if_open(self) -> None:
        if not self._lost:
            self.transport.abort()

    def pause_writing(self) -> None:
        """The peer stopped reading: it has ``WRITE_STALL_TIMEOUT`` to start again."""
        super().pause_writing()
        if self._write_stall is None:
            self._write_stall = self.loop.call_later(WRITE_STALL_TIMEOUT, self.transport.abort)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._write_stall is not None:
            self._write_stall.cancel()
            self._write_stall = None

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self._head_pending and not self.transport.is_closing():
            message = f"the request head did not arrive within {HEAD_TIMEOUT:g} s"
            self._refuse(_Refusal(408, message))

    # Bytes in

    def data_received(self, data: bytes) -> None:
        """Feed the parser; refuse what is not HTTP/1.x, each refusal after earlier answers."""
        if self._pending_refusal is not None or self.transport.is_closing():
            return
        if self._backlog:  # parsing is held until the queued requests are answered
            self._backlog += data
            if len(self._backlog) > MAX_HEAD_BYTES:
                self._refuse(_Refusal(400, "malformed HTTP request: too much sent unanswered"))
            return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        if self._divert:
            data = self._take_body(data)
            if not data:
                return
        if b"RTSP/" in data and _RTSP_LINE.search(data):
            self._refuse(_Refusal(400, "malformed HTTP request: RTSP is not served"))
            return
        whole = data
        began_before = self._head_pending
        self._began_here = False
        while data:
            if len(self.pipeline) >= MAX_PIPELINE:
                # Parse no further ahead: the rest waits (reading paused) until the
                # queue drains, so one connection never queues thousands of requests.
                self._backlog = data
                self.flow.pause_reading()
                return
            piece, data = data[:_FEED_SLICE], data[_FEED_SLICE:]
            try:
                self.parser.feed_data(piece)
            except httptools.HttpParserUpgrade as upgrade:
                # Nothing is upgraded here: answer as plain HTTP and parse what follows,
                # past the request's own body (llhttp stops before it).
                offset = upgrade.args[0] if upgrade.args else len(piece)
                data = piece[offset:] + data
                cut = self._expect_upgrade_body()
                if cut is not None:
                    self._refuse(cut)
                    return
                if self._divert:
                    data = self._take_body(data)
            except httptools.HttpParserError as error:
                refusal = error.__context__
                if not isinstance(refusal, _Refusal):
                    refusal = _Refusal(400, "malformed HTTP request: bad request")
                self._refuse(refusal)
                return
        if self._head_pending:
            self._check_pending_head(whole, continued=began_before and not self._began_here)
        elif not self._in_message and not self._began_here and not whole.strip(b"\r\n"):
            self._blank_bytes += len(whole)
            if self._blank_bytes > _MAX_BLANK_BYTES:
                self._refuse(_Refusal(400, "malformed HTTP request: line ends, no request"))

    def _expect_upgrade_body(self) -> _Refusal | None:
        """After an ``Upgrade`` request's head: its ``Content-Length`` bytes are its body.

        llhttp hands back the bytes after the head as another protocol's; read as
        requests, a body would be smuggled in as a request of its own. A chunked
        body there is refused rather than decoded by hand.
        """
        lengths = [value for name, value in self.headers if name == b"content-length"]
        if any(name == b"transfer-encoding" for name, _ in self.headers):
            return _Refusal(400, "malformed HTTP request: a chunked body with Upgrade")
        length = int(lengths[0]) if lengths and lengths[0].strip().isdigit() else 0
        cycle = self.cycle
        if length > 0 and cycle is not None:
            self._divert = length
            cycle.more_body = True
            self._in_message = True
        return None

    def _take_body(self, data: bytes) -> bytes:
        """The diverted body's bytes go to its request; what follows them is returned."""
        part, rest = data[: self._divert], data[self._divert :]
        self._divert -= len(part)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.body += part
            if not self._divert:
                cycle.more_body = False
            cycle.message_event.set()
        if not self._divert:
            self._in_message = False
        return rest

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """The peer is done sending: answer what it sent whole, refuse what it cut short.

        Returning ``True`` keeps our side open for that answer; the connection
        closes once nothing is left to answer.
        """
        self._eof = True
        if self._head_pending:
            message = "malformed HTTP request: the connection ended inside a request head"
            self._refuse(_Refusal(400, message))
            return True
        if self._awaiting_body():
            self._end_body_early()
            return True
        if self._busy():
            return True
        return None  # nothing to answer: the transport closes

    def _awaiting_body(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.more_body and not cycle.response_complete

    def _end_body_early(self) -> None:
        """The body will never be whole: the app is told so (``BODY_INCOMPLETE_KEY``)."""
        cycle = self.cycle
        cycle.scope[BODY_INCOMPLETE_KEY] = True  # type: ignore[literal-required]
        cycle.more_body = False
        cycle.message_event.set()

    def _check_pending_head(self, data: bytes, *, continued: bool) -> None:
        """A head still incomplete: within its cap, and not an HTTP/0.9 request line?

        Its deadline starts here, when a read ends inside it (heads that arrive
        whole in one read, nearly all of them, never cost a timer).
        """
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timeout)
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse(_Refusal(431, f"the request head is over {MAX_HEAD_BYTES} bytes"))
            return
        if self._line_checked:
            return
        buffer = self._head_buf + data if continued else data
        verdict = _request_line_verdict(buffer, self.url)
        if verdict is None:
            self._head_buf = buffer
        elif verdict:
            self._line_checked = True
            self._head_buf = b""
        else:
            self._refuse(_Refusal(400, "malformed HTTP request: no HTTP version (HTTP/0.9)"))

    def _refuse(self, refusal: _Refusal) -> None:
        """Answer ``refusal`` and close, once the requests before it are answered."""
        self._cancel_head_timer()
        if self._awaiting_body():  # bad bytes inside a body its app is reading
            self._end_body_early()
        if self._busy():
            self._pending_refusal = refusal
            self.flow.pause_reading()
        else:
            self._answer_and_close(refusal.status, refusal.message)

    def _answer_and_close(self, status: int, message: str) -> None:
        retry_after = 1 if status == 503 else None
        self.transport.write(
            raw_error_reply(status, _REASONS[status], message, retry_after=retry_after)
        )
        self._close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's own refusals (plain text) are the JSON envelope too."""
        self._answer_and_close(400, "malformed HTTP request: bad request")

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._unset_keepalive_if_required()
        self._head_pending = True
        self._began_here = True
        self._line_checked = False
        self._head_buf = b""
        self._head_bytes = 0
        self._blank_bytes = 0
        self._in_message = True
        if self in _RECENT:
            _RECENT.move_to_end(self)

    def on_headers_complete(self) -> None:
        self._head_pending = False
        self._head_buf = b""
        self._cancel_head_timer()
        if self.parser.get_http_version() not in ("1.1", "1.0"):
            raise _Refusal(400, "malformed HTTP request: only HTTP/1.0 and HTTP/1.1 are served")
        codings = [value for name, value in self.headers if name == b"transfer-encoding"]
        if codings and (len(codings) > 1 or codings[0].strip().lower() != b"chunked"):
            raise _Refusal(400, "malformed HTTP request: unsupported Transfer-Encoding")
        self.scope[RAW_TARGET_KEY] = self.url  # type: ignore[literal-required]
        super().on_headers_complete()
        if self.expose_cycle:
            self.scope[CYCLE_KEY] = weakref.ref(self.cycle)  # type: ignore[literal-required]

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_message = False
        self._blank_bytes = 0

    def on_response_complete(self) -> None:
        cast(_CoalescingTransport, self.transport).flush()
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if self._backlog and len(self.pipeline) <= MAX_PIPELINE // 2:
            held, self._backlog = self._backlog, b""
            self._feed(held)
            if self.transport.is_closing():
                return
        if self.pipeline or self._backlog:  # uvicorn resumed reading: not yet
            self.flow.pause_reading()
        refusal = self._pending_refusal
        if refusal is not None and not self._busy():
            self._answer_and_close(refusal.status, refusal.message)
        elif self._eof and not self._busy():
            self._close()
        elif self._busy() or self._head_pending:  # uvicorn armed the idle deadline regardless
            self._unset_keepalive_if_required()


def _request_line_verdict(buffer: bytes, url: bytes) -> bool | None:
    """Whether the request line in ``buffer`` (ending with the pending head) names a version.

    ``None`` while the line is not complete. llhttp takes ``GET /path`` followed
    by a line end as HTTP/0.9 and waits for headers; an HTTP/0.9 client waits
    for an answer. The line is the last one in ``buffer`` that starts with a
    method token and ``url``.
    """
    if not url:
        return None
    needle = b" " + url
    at = buffer.rfind(needle)
    while at >= 0:
        start = buffer.rfind(b"\n", 0, at) + 1
        method = buffer[start:at].rstrip(b" ")
        if method and b" " not in method and b":" not in method:
            follows = buffer[at + len(needle) : at + len(needle) + 1]
            if not follows:
                return None
            return follows == b" "
        at = buffer.rfind(needle, 0, at)
    return None
