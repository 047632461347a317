"""Hostile clients for the ledger mock's HTTP layer: stdlib only, loopback only.

CONTRACT.md §1 says every answer of the server is ``application/json`` (a normal
JSON ``200`` body or the error envelope ``{"error": {"type", "message",
"param"}}``), even to bytes that are not HTTP at all; that client garbage never
gets a ``5xx``; that a malformed start is answered with a JSON ``400`` and the
connection closed at once (never held open); that the server never dies; and
that a normal client is answered within 1 s throughout any attack.

This module attacks a running server at ``(host, port)`` and reports how it
held up:

- ``catalogue()``: named malformed-HTTP cases (raw bytes plus how to send them),
  ``run_case`` plays one, ``run_catalogue`` plays them all (a small thread pool)
  while probing the server, and judges each with a verdict (see ``VERDICTS``);
- ``probe`` / ``probe_result``: one normal keep-alive ``GET`` with a test key,
  timed;
- ``slow_attacks``: one-byte sockets, slowloris, silent sockets and a client
  that never reads its (large) answers, held while probes run, then watched
  until the server's header-read / idle timeouts must have closed them;
- ``idle_flood``: thousands of idle connections, then a normal client;
- ``main``: ``python tests/hostile.py --host 127.0.0.1 --port N`` prints a
  table and a summary, and exits non-zero on any failure.

Verdicts on a case (what came back before the server closed, or before the
case's deadline):

- ``ok``: every answer is JSON, none is a 5xx, and the connection was closed or
  kept alive after complete answers to everything sent;
- ``hang``: still open at the deadline without a complete answer to everything
  sent (or after announcing ``Connection: close``). Keeping a connection open
  after complete answers is fine: that is keep-alive;
- ``non_json``: an answer that is not ``application/json``, not JSON, not the
  error envelope (on a 4xx/5xx), or not an HTTP/1.x response at all;
- ``server_error``: a 5xx;
- ``closed_silently``: closed (FIN or RST) without a single byte back. A failure
  except for the one case that sends nothing at all (``Case.silent_ok``);
- ``incomplete``: closed mid-answer, or before answering every request sent
  (pipelined requests, then garbage: each request and the garbage are owed);
- ``smuggled``: more answers than requests (a request hidden in a body served);
- ``connect_error``: could not even connect.

Every loop here is bounded in count and in time, and nothing ever connects
anywhere but ``127.0.0.1`` / ``::1``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import random
import resource
import selectors
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

__all__ = [
    "FAILURE_VERDICTS",
    "VERDICTS",
    "Case",
    "CaseResult",
    "CatalogueReport",
    "FloodReport",
    "ProbeError",
    "ProbeLoop",
    "ProbeResult",
    "Response",
    "SlowReport",
    "catalogue",
    "idle_flood",
    "main",
    "parse_responses",
    "probe",
    "probe_result",
    "raise_nofile_limit",
    "run_case",
    "run_catalogue",
    "slow_attacks",
]

PATH = "/api/v1/me/billing/transactions"
DEFAULT_KEY = "bsk_test_default"
LARGE_KEY = "bsk_test_large"
FAIR_LATENCY = 1.0  # CONTRACT: a normal client is answered within 1 s throughout any attack
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

# --- verdicts ---------------------------------------------------------------------------
OK = "ok"
HANG = "hang"  # no complete answer (or a promised close not done) and the server kept it open
NON_JSON = "non_json"  # an answer that is not application/json, not JSON, or not the envelope
SERVER_ERROR = "server_error"  # a 5xx for client garbage
CLOSED_SILENTLY = "closed_silently"  # closed (FIN or RST) without sending a single byte
INCOMPLETE = "incomplete"  # closed mid-answer, or before answering every request sent
SMUGGLED = "smuggled"  # more answers than requests the case may be read as (CL/TE confusion)
CONNECT_ERROR = "connect_error"  # could not even connect
VERDICTS = (
    OK,
    HANG,
    NON_JSON,
    SERVER_ERROR,
    CLOSED_SILENTLY,
    INCOMPLETE,
    SMUGGLED,
    CONNECT_ERROR,
)
FAILURE_VERDICTS = frozenset(VERDICTS) - {OK}
_PRIORITY = (SERVER_ERROR, NON_JSON, SMUGGLED, HANG, INCOMPLETE, CLOSED_SILENTLY, CONNECT_ERROR)

# --- how a case is sent -----------------------------------------------------------------
SEND = "send"  # send everything, then read
HALF_CLOSE = "half_close"  # send everything, shutdown(SHUT_WR), then read
SLOW = "slow"  # send a few bytes at a time with a pause in between, then read
ABORT = "abort"  # send, then reset the connection (SO_LINGER 0) without reading
MODES = (SEND, HALF_CLOSE, SLOW, ABORT)

_RECV = 65536
_SEND_PIECE = 256 * 1024


def _check_loopback(host: str) -> None:
    if host not in LOOPBACK:
        raise ValueError(f"hostile clients only talk to loopback, not {host!r}")


# --- parsing what came back ---------------------------------------------------------------


@dataclass
class Response:
    """One HTTP/1.x response as received."""

    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    @property
    def announces_close(self) -> bool:
        """Whether the server said it closes the connection after this response."""
        tokens = {t.strip().lower() for t in (self.header("connection") or "").split(",")}
        if "close" in tokens:
            return True
        return self.version == "HTTP/1.0" and "keep-alive" not in tokens

    @property
    def interim(self) -> bool:
        """A 1xx answer, which precedes the real one."""
        return 100 <= self.status < 200


@dataclass
class Parsed:
    """``parse_responses``'s result: the complete responses, and what followed them."""

    responses: list[Response]
    leftover: bytes  # the start of a response not complete (yet)
    error: str | None  # bytes that are not an HTTP/1.x response at all


_MAX_RESPONSES = 20_000


def _chunked(data: bytes, start: int) -> tuple[bytes, int] | str | None:
    """Decode a chunked body from ``start``: (body, end), ``None`` if incomplete, or an error."""
    body = bytearray()
    pos = start
    for _ in range(1_000_000):
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return f"bad chunk size {size_text[:20]!r}"
        pos = eol + 2
        if size == 0:
            for _ in range(10_000):  # trailers, up to the empty line
                eol = data.find(b"\r\n", pos)
                if eol < 0:
                    return None
                if eol == pos:
                    return bytes(body), eol + 2
                pos = eol + 2
            return "too many trailers"
        if len(data) < pos + size + 2:
            return None
        body += data[pos : pos + size]
        if data[pos + size : pos + size + 2] != b"\r\n":
            return "chunk not followed by CRLF"
        pos += size + 2
    return "too many chunks"


def parse_responses(data: bytes, *, closed: bool, head: bool = False) -> Parsed:
    """Split ``data`` into HTTP/1.x responses.

    ``closed``: the server closed the connection, so a body without framing
    ends here. ``head``: the request(s) were ``HEAD``, so no response has a body.
    """
    responses: list[Response] = []
    pos = 0
    while pos < len(data) and len(responses) < _MAX_RESPONSES:
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            rest = data[pos:]
            looks_http = b"HTTP/1."[: len(rest)] == rest[:7]
            return Parsed(responses, rest, None if looks_http else f"not HTTP: {rest[:40]!r}")
        lines = data[pos:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if (
            len(parts) < 2
            or parts[0] not in ("HTTP/1.0", "HTTP/1.1")
            or not (len(parts[1]) == 3 and parts[1].isdigit())
        ):
            return Parsed(responses, data[pos:], f"not an HTTP/1.x status line: {lines[0][:60]!r}")
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                return Parsed(responses, data[pos:], f"malformed response header {line[:60]!r}")
            headers.append((name, value.strip()))
        response = Response(
            parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers, b""
        )
        start = end + 4
        encoding = (response.header("transfer-encoding") or "").lower()
        length = response.header("content-length")
        if head or response.interim or response.status in (204, 304):
            pos = start
        elif "chunked" in encoding:
            decoded = _chunked(data, start)
            if decoded is None:
                return Parsed(responses, data[pos:], None)
            if isinstance(decoded, str):
                return Parsed(responses, data[pos:], decoded)
            response.body, pos = decoded
        elif length is not None:
            if not length.isdigit():
                return Parsed(responses, data[pos:], f"bad Content-Length {length!r}")
            if len(data) < start + int(length):
                return Parsed(responses, data[pos:], None)
            response.body = data[start : start + int(length)]
            pos = start + int(length)
        elif closed:  # delimited by the close
            response.body = data[start:]
            pos = len(data)
        else:
            return Parsed(responses, data[pos:], None)
        responses.append(response)
    return Parsed(responses, data[pos:], None)


def json_problem(response: Response, *, head: bool = False) -> str | None:
    """Why ``response`` breaks the JSON rule (``None`` if it keeps it).

    Content-Type ``application/json`` (a charset allowed), a body that parses as
    JSON, and, on a ``4xx``/``5xx``, exactly the error envelope.
    """
    if response.interim:
        if response.status == 101:
            return "101 Switching Protocols (the mock upgrades nothing)"
        return None
    content_type = response.header("content-type")
    if content_type is None:
        return f"{response.status} without Content-Type"
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return f"{response.status} with Content-Type {content_type!r}"
    if head:
        return None
    try:
        body = json.loads(response.body)
    except ValueError:
        return f"{response.status} body is not JSON: {response.body[:60]!r}"
    if response.status >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or set(body) != {"error"}
            or not isinstance(error, dict)
            or set(error) != {"type", "message", "param"}
            or not isinstance(error["type"], str)
            or not isinstance(error["message"], str)
            or not (error["param"] is None or isinstance(error["param"], str))
        ):
            return f"{response.status} body is not the error envelope: {response.body[:80]!r}"
    return None


# --- the catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One malformed (or borderline) request: its name, raw bytes and how to send them.

    ``min_responses``: complete answers owed (pipelined requests, then garbage,
    owe one each, the garbage its ``400``); fewer and the connection still open
    is a ``hang``, fewer and closed is ``incomplete``. ``max_responses``: more
    answers than this means a request hidden in a body was served (``smuggled``).
    ``silent_ok``: a close without a byte is acceptable (argued where set).
    ``slow_piece`` / ``slow_pause``: bytes per send and the pause between sends
    (``SLOW``); ``abort_after``: seconds between sending and the reset (``ABORT``).
    """

    name: str
    data: bytes
    note: str = ""
    mode: str = SEND
    min_responses: int = 1
    max_responses: int | None = None
    head: bool = False
    silent_ok: bool = False
    slow_piece: int = 1
    slow_pause: float = 0.01
    abort_after: float = 0.05


_P = PATH.encode()
_HOST = b"Host: 127.0.0.1"
_AUTH = b"Authorization: Bearer " + DEFAULT_KEY.encode()


def _req(
    start: bytes = b"GET " + _P + b" HTTP/1.1",
    *lines: bytes,
    std: bool = True,
    body: bytes = b"",
    eol: bytes = b"\r\n",
) -> bytes:
    """A request: ``start`` line, Host + Authorization (unless ``std`` is false), ``lines``."""
    head = [start, *((_HOST, _AUTH) if std else ()), *lines]
    return b"".join(line + eol for line in head) + eol + body


def _get(target: bytes = _P, key: str = DEFAULT_KEY, *lines: bytes) -> bytes:
    """A valid GET of ``target`` with ``key``."""
    auth = b"Authorization: Bearer " + key.encode()
    return _req(b"GET " + target + b" HTTP/1.1", _HOST, auth, *lines, std=False)


def _tls_client_hello(tls13: bool) -> bytes:
    """A well-formed TLS ClientHello record (1.2, or 1.3 with key share), built by hand."""
    rnd = random.Random(13 if tls13 else 12)

    def u16(n: int) -> bytes:
        return struct.pack("!H", n)

    def ext(kind: int, body: bytes) -> bytes:
        return u16(kind) + u16(len(body)) + body

    host = b"localhost"
    exts = ext(0, u16(len(host) + 3) + b"\x00" + u16(len(host)) + host)  # server_name
    exts += ext(10, u16(4) + u16(0x001D) + u16(0x0017))  # supported_groups
    exts += ext(11, b"\x01\x00")  # ec_point_formats
    exts += ext(13, u16(6) + u16(0x0403) + u16(0x0804) + u16(0x0401))  # signature_algorithms
    if tls13:
        ciphers = [0x1301, 0x1302, 0x1303, 0xC02F]
        session = rnd.randbytes(32)
        exts += ext(43, b"\x04" + u16(0x0304) + u16(0x0303))  # supported_versions
        exts += ext(51, u16(36) + u16(0x001D) + u16(32) + rnd.randbytes(32))  # key_share
        exts += ext(45, b"\x01\x01")  # psk_key_exchange_modes
    else:
        ciphers = [0xC02F, 0xC030, 0x009C, 0x002F]
        session = b""
    body = (
        u16(0x0303)
        + rnd.randbytes(32)
        + bytes([len(session)])
        + session
        + u16(2 * len(ciphers))
        + b"".join(u16(c) for c in ciphers)
        + b"\x01\x00"
        + u16(len(exts))
        + exts
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + u16(len(handshake)) + handshake


def _chunked_get(chunks: bytes, *lines: bytes) -> bytes:
    return _req(b"GET " + _P + b" HTTP/1.1", b"Transfer-Encoding: chunked", *lines, body=chunks)


def _smuggle(first: bytes, second: bytes) -> bytes:
    """CL and TE both present; the body hides a second request after a 0-chunk."""
    hidden = b"GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    body = b"0\r\n\r\n" + hidden
    headers = {
        b"cl": b"Content-Length: " + str(len(body)).encode(),
        b"te": b"Transfer-Encoding: chunked",
    }
    return _req(b"POST " + _P + b" HTTP/1.1", headers[first], headers[second], body=body)


def catalogue() -> list[Case]:
    """Every case, in a stable order; names are unique."""
    rnd = random.Random(20261130)
    pipelined = b"".join(_get(_P + b"?page_size=1") for _ in range(100))
    h2_settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    proxy_v2 = (
        b"\r\n\r\n\x00\r\nQUIT\n\x21\x11"
        + struct.pack("!H", 12)
        + socket.inet_aton("127.0.0.1") * 2
        + struct.pack("!HH", 40000, 80)
    )
    large = _get(_P + b"?page_size=200", LARGE_KEY)
    many_headers = [b"X-Hostile-%d: v" % i for i in range(200)]
    cases = [
        # --- not HTTP at all ------------------------------------------------------------
        Case("garbage_random_512", rnd.randbytes(512), "512 seeded random bytes"),
        Case("garbage_random_64k", rnd.randbytes(65536), "64 KiB seeded random bytes"),
        Case("garbage_text_line", b"hello, server\r\n\r\n", "a line of text"),
        Case("garbage_json_rpc", b'{"jsonrpc": "2.0", "method": "x", "id": 1}\n', "JSON, no HTTP"),
        Case("tls12_client_hello", _tls_client_hello(False), "TLS 1.2 ClientHello (https://)"),
        Case("tls13_client_hello", _tls_client_hello(True), "TLS 1.3 ClientHello (https://)"),
        Case("nul_bytes_100", b"\x00" * 100, "100 NUL bytes"),
        Case("nul_bytes_100_half_close", b"\x00" * 100, "100 NUL bytes, then FIN", HALF_CLOSE),
        Case("h2_preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 prior knowledge"),
        Case(
            "h2_preface_settings",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_settings,
            "HTTP/2 preface + empty SETTINGS frame",
        ),
        Case("ssh_banner", b"SSH-2.0-OpenSSH_9.6\r\n", "an ssh client"),
        Case("telnet_negotiation", b"\xff\xfd\x18\xff\xfd\x20\xff\xfb\x1f", "telnet IAC bytes"),
        Case("high_bytes_80_ff", bytes(range(0x80, 0x100)), "every byte 0x80-0xff"),
        Case("crlf_only_1000", b"\r\n" * 1000, "1000 empty lines, no request"),
        Case("single_G_half_close", b"G", "one byte, then FIN", HALF_CLOSE),
        Case(
            "partial_request_line_half_close",
            b"GET /api/v1/me/bil",
            "a request line cut short, then FIN",
            HALF_CLOSE,
        ),
        Case(
            "partial_headers_half_close",
            b"GET " + _P + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            "headers cut short (no blank line), then FIN",
            HALF_CLOSE,
        ),
        # Nothing was sent at all: there is no request to answer, and no server writes
        # anything to a connection that never spoke, so a silent close is right here.
        Case("empty_half_close", b"", "connect, FIN at once", HALF_CLOSE, silent_ok=True),
        Case("utf8_bom_then_request", b"\xef\xbb\xbf" + _get(), "a BOM before a valid request"),
        Case(
            "proxy_protocol_v1",
            b"PROXY TCP4 127.0.0.1 127.0.0.1 40000 80\r\n" + _get(),
            "HAProxy PROXY v1 line before a request",
        ),
        Case("proxy_protocol_v2", proxy_v2 + _get(), "HAProxy PROXY v2 header before a request"),
        Case(
            "rtsp_request",
            b"DESCRIBE rtsp://127.0.0.1/x RTSP/1.0\r\nCSeq: 1\r\n\r\n",
            "an RTSP request",
        ),
        # --- the request line -----------------------------------------------------------
        Case("http09_request_line", b"GET " + _P + b"\r\n", "HTTP/0.9: no version"),
        Case("http09_half_close", b"GET " + _P + b"\r\n", "HTTP/0.9, then FIN", HALF_CLOSE),
        Case("http09_blank_line", b"GET " + _P + b"\r\n\r\n", "HTTP/0.9 + an empty line"),
        Case("http10_valid", _req(b"GET " + _P + b" HTTP/1.0"), "valid HTTP/1.0 request"),
        Case(
            "http10_keep_alive",
            _req(b"GET " + _P + b" HTTP/1.0", b"Connection: keep-alive"),
            "HTTP/1.0 asking for keep-alive",
        ),
        Case("nul_in_method", _req(b"GE\x00T " + _P + b" HTTP/1.1"), "NUL inside the method"),
        Case("nul_in_target", _req(b"GET " + _P + b"\x00x HTTP/1.1"), "NUL inside the target"),
        Case("nul_after_version", _req(b"GET " + _P + b" HTTP/1.1\x00"), "NUL after the version"),
        Case(
            "nul_in_header_name", _req(b"GET " + _P + b" HTTP/1.1", b"X-A\x00b: c"), "NUL in name"
        ),
        Case(
            "nul_in_header_value", _req(b"GET " + _P + b" HTTP/1.1", b"X-A: b\x00c"), "NUL in value"
        ),
        Case(
            "request_line_1mb",
            _req(b"GET " + _P + b"?x=" + b"a" * (1 << 20) + b" HTTP/1.1"),
            "a 1 MiB request target",
        ),
        Case(
            "header_value_1mb",
            _req(b"GET " + _P + b" HTTP/1.1", b"X-Big: " + b"v" * (1 << 20)),
            "a 1 MiB header value",
        ),
        Case(
            "header_name_64k",
            _req(b"GET " + _P + b" HTTP/1.1", b"X" * 65536 + b": v"),
            "a 64 KiB header name",
        ),
        Case("headers_200", _req(b"GET " + _P + b" HTTP/1.1", *many_headers), "200 headers"),
        Case(
            "headers_10000",
            _req(b"GET " + _P + b" HTTP/1.1", *(b"X-Hostile-%d: v" % i for i in range(10000))),
            "10,000 headers",
        ),
        Case("method_lowercase_get", _req(b"get " + _P + b" HTTP/1.1"), "method `get`"),
        Case("method_brew", _req(b"BREW " + _P + b" HTTP/1.1"), "RFC 2324's BREW"),
        Case(
            "method_connect",
            _req(b"CONNECT 127.0.0.1:443 HTTP/1.1", b"Host: 127.0.0.1:443", std=False),
            "CONNECT host:443",
        ),
        Case("method_options_star", _req(b"OPTIONS * HTTP/1.1"), "OPTIONS *"),
        Case("method_long_10k", _req(b"A" * 10000 + b" " + _P + b" HTTP/1.1"), "a 10 KB method"),
        Case("method_empty", _req(b" " + _P + b" HTTP/1.1"), "no method"),
        Case("method_non_token", _req(b"G(T " + _P + b" HTTP/1.1"), "'(' in the method"),
        Case("method_trace", _req(b"TRACE " + _P + b" HTTP/1.1"), "TRACE (405)"),
        Case("method_delete", _req(b"DELETE " + _P + b" HTTP/1.1"), "DELETE (405)"),
        Case("method_head", _req(b"HEAD " + _P + b" HTTP/1.1"), "HEAD (no body)", head=True),
        Case(
            "method_post_with_body",
            _req(b"POST " + _P + b" HTTP/1.1", b"Content-Length: 2", body=b"{}"),
            "POST with a body (405)",
        ),
        Case(
            "absolute_form_double_slash",
            _req(b"GET http://x//api/v1/me/billing/transactions HTTP/1.1"),
            "absolute-form, // path",
        ),
        Case("absolute_form", _req(b"GET http://x" + _P + b" HTTP/1.1"), "absolute-form target"),
        Case(
            "absolute_form_https",
            _req(b"GET https://127.0.0.1:443" + _P + b" HTTP/1.1"),
            "absolute-form https target",
        ),
        Case("absolute_form_no_path", _req(b"GET http://x HTTP/1.1"), "absolute-form, no path"),
        Case("authority_form_get", _req(b"GET 127.0.0.1:80 HTTP/1.1"), "authority-form on GET"),
        Case("path_pct2f", _req(b"GET /api/v1/me%2Fbilling/transactions HTTP/1.1"), "%2F"),
        Case("path_double_slash", _req(b"GET /api/v1//me/billing/transactions HTTP/1.1"), "//"),
        Case("target_with_space", _req(b"GET /api/v1/me billing/x HTTP/1.1"), "space in target"),
        Case("target_non_ascii", _req("GET /api/v1/mé/€ HTTP/1.1".encode()), "UTF-8 in target"),
        Case(
            "target_raw_bytes_80_ff",
            _req(b"GET " + _P + bytes(range(0x80, 0x100)) + b" HTTP/1.1"),
            "raw bytes 0x80-0xff in the target",
        ),
        Case("target_empty", _req(b"GET  HTTP/1.1"), "no target"),
        Case("target_relative", _req(b"GET api/v1/me/billing/transactions HTTP/1.1"), "no /"),
        Case("target_fragment", _req(b"GET " + _P + b"#frag HTTP/1.1"), "a #fragment"),
        Case("target_bad_percent", _req(b"GET " + _P + b"%zz?page=%G1% HTTP/1.1"), "bad %-escape"),
        Case(
            "target_dot_segments", _req(b"GET /api/v1/../v1/me/billing/transactions HTTP/1.1"), ".."
        ),
        Case("target_backslashes", _req(b"GET \\api\\v1\\me HTTP/1.1"), "backslashes"),
        Case("target_tab", _req(b"GET /api/v1/me\tx HTTP/1.1"), "a tab inside the target"),
        Case("target_del_char", _req(b"GET " + _P + b"\x7f HTTP/1.1"), "DEL in the target"),
        Case("version_http_1_2", _req(b"GET " + _P + b" HTTP/1.2"), "HTTP/1.2"),
        Case("version_http_2_0", _req(b"GET " + _P + b" HTTP/2.0"), "HTTP/2.0 on HTTP/1 framing"),
        Case("version_http_9_9", _req(b"GET " + _P + b" HTTP/9.9"), "HTTP/9.9"),
        Case("version_lowercase", _req(b"GET " + _P + b" http/1.1"), "http/1.1"),
        Case("version_no_minor", _req(b"GET " + _P + b" HTTP/1"), "HTTP/1"),
        Case("version_two_digits", _req(b"GET " + _P + b" HTTP/11.1"), "HTTP/11.1"),
        Case("version_other_protocol", _req(b"GET " + _P + b" FOO/1.1"), "FOO/1.1"),
        Case("request_line_extra_token", _req(b"GET " + _P + b" HTTP/1.1 extra"), "4 tokens"),
        Case("request_line_double_space", _req(b"GET  " + _P + b" HTTP/1.1"), "two spaces"),
        Case("request_line_leading_space", _req(b" GET " + _P + b" HTTP/1.1"), "leading space"),
        Case("request_line_tabs", _req(b"GET\t" + _P + b"\tHTTP/1.1"), "tabs as separators"),
        Case("request_line_method_only", b"GET\r\n\r\n", "only a method"),
        # --- header fields ----------------------------------------------------------------
        Case("host_missing", _req(b"GET " + _P + b" HTTP/1.1", _AUTH, std=False), "no Host"),
        Case("host_twice", _req(b"GET " + _P + b" HTTP/1.1", b"Host: evil.example"), "two Host"),
        Case("host_empty", _req(b"GET " + _P + b" HTTP/1.1", b"Host:", _AUTH, std=False), "Host:"),
        Case(
            "host_invalid",
            _req(b"GET " + _P + b" HTTP/1.1", b"Host: a b/c", _AUTH, std=False),
            "Host with space and /",
        ),
        Case("header_name_space", _req(b"GET " + _P + b" HTTP/1.1", b"X Foo: bar"), "X Foo:"),
        Case(
            "header_space_before_colon",
            _req(b"GET " + _P + b" HTTP/1.1", _HOST, b"Authorization : Bearer x", std=False),
            "name SP colon",
        ),
        Case("header_name_non_token", _req(b"GET " + _P + b" HTTP/1.1", b"X(Foo): bar"), "X(Foo)"),
        Case(
            "header_name_non_ascii", _req(b"GET " + _P + b" HTTP/1.1", b"X-\xe9: v"), "0xe9 in name"
        ),
        Case("header_name_empty", _req(b"GET " + _P + b" HTTP/1.1", b": value"), "empty name"),
        Case("header_no_colon", _req(b"GET " + _P + b" HTTP/1.1", b"NoColonHere"), "no colon"),
        Case(
            "header_obs_fold",
            _req(b"GET " + _P + b" HTTP/1.1", b"X-Folded: a", b"  continued"),
            "obs-fold continuation line",
        ),
        Case(
            "header_obs_fold_first",
            _req(b"GET " + _P + b" HTTP/1.1", b" X-Leading: space", std=False),
            "continuation right after the request line",
        ),
        Case("bare_lf_line_endings", _req(eol=b"\n"), "LF instead of CRLF everywhere"),
        Case("bare_cr_line_endings", _req(eol=b"\r"), "CR instead of CRLF everywhere"),
        Case(
            "mixed_line_endings",
            b"GET " + _P + b" HTTP/1.1\r\n" + _HOST + b"\n" + _AUTH + b"\r\n\n",
            "CRLF, LF, CRLF, LF",
        ),
        Case("header_value_bare_cr", _req(b"GET " + _P + b" HTTP/1.1", b"X-A: b\rc"), "CR inside"),
        Case("header_value_ctl", _req(b"GET " + _P + b" HTTP/1.1", b"X-A: b\x01c"), "0x01 inside"),
        Case("header_value_del", _req(b"GET " + _P + b" HTTP/1.1", b"X-A: b\x7fc"), "DEL inside"),
        Case(
            "header_value_obs_text", _req(b"GET " + _P + b" HTTP/1.1", b"X-A: \xff\xfe"), "obs-text"
        ),
        Case("authorization_twice", _req(b"GET " + _P + b" HTTP/1.1", _AUTH), "two Authorization"),
        # --- message body framing ---------------------------------------------------------
        Case("cl_te_smuggle", _smuggle(b"cl", b"te"), "CL then TE: chunked", max_responses=1),
        Case("te_cl_smuggle", _smuggle(b"te", b"cl"), "TE: chunked then CL", max_responses=1),
        Case(
            "cl_duplicate_different",
            _req(
                b"POST " + _P + b" HTTP/1.1", b"Content-Length: 2", b"Content-Length: 5", body=b"{}"
            ),
            "two different Content-Length",
        ),
        Case(
            "cl_duplicate_same",
            _req(
                b"POST " + _P + b" HTTP/1.1", b"Content-Length: 2", b"Content-Length: 2", body=b"{}"
            ),
            "the same Content-Length twice",
        ),
        Case("cl_negative", _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: -1"), "CL -1"),
        Case(
            "cl_huge",
            _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: 99999999999999999999"),
            "CL 10^20",
        ),
        Case("cl_non_numeric", _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: abc"), "CL abc"),
        Case("cl_plus_sign", _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: +0"), "CL +0"),
        Case("cl_hex", _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: 0x0"), "CL 0x0"),
        Case(
            "cl_comma_list",
            _req(b"POST " + _P + b" HTTP/1.1", b"Content-Length: 2, 5", body=b"{}"),
            "CL 2, 5",
        ),
        Case("cl_inner_space", _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: 1 0"), "CL 1 0"),
        Case(
            "cl_short_body_half_close",
            _req(b"POST " + _P + b" HTTP/1.1", b"Content-Length: 10", body=b"short"),
            "CL 10, 5 bytes sent, then FIN",
            HALF_CLOSE,
        ),
        Case(
            "te_gzip",
            _req(b"GET " + _P + b" HTTP/1.1", b"Transfer-Encoding: gzip", body=b"x"),
            "TE gzip",
        ),
        Case(
            "te_xchunked",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b": xchunked"),
            "xchunked",
        ),
        Case(
            "te_chunked_gzip",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b": chunked, gzip"),
            "TE chunked, gzip (chunked not last)",
        ),
        Case(
            "te_gzip_chunked",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b": gzip, chunked"),
            "TE gzip, chunked (a coding not decoded)",
        ),
        Case(
            "te_identity",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b": identity"),
            "identity",
        ),
        Case(
            "te_leading_space",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b":  chunked"),
            "TE value ' chunked' (extra OWS)",
        ),
        Case(
            "te_vertical_tab",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b":\x0bchunked"),
            "TE value VT + chunked",
        ),
        Case(
            "te_space_before_colon",
            _chunked_get(b"0\r\n\r\n").replace(b"Encoding: chunked", b"Encoding : chunked"),
            "'Transfer-Encoding : chunked'",
        ),
        Case("te_chunked_bad_size", _chunked_get(b"zz\r\nhello\r\n0\r\n\r\n"), "chunk size zz"),
        Case("te_chunked_negative_size", _chunked_get(b"-1\r\nx\r\n0\r\n\r\n"), "chunk size -1"),
        Case("te_chunked_huge_size", _chunked_get(b"f" * 40 + b"\r\nx\r\n0\r\n\r\n"), "2^160"),
        Case("te_chunked_size_space", _chunked_get(b"5 \r\nhello\r\n0\r\n\r\n"), "'5 ' size"),
        Case("te_chunked_extension", _chunked_get(b"5;a=b\r\nhello\r\n0\r\n\r\n"), "chunk ext"),
        Case(
            "te_chunked_missing_crlf", _chunked_get(b"5\r\nhelloXX0\r\n\r\n"), "no CRLF after data"
        ),
        Case(
            "te_chunked_trailers",
            _chunked_get(b"5\r\nhello\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"),
            "chunked body with trailers",
        ),
        Case(
            "te_chunked_no_terminator_half_close",
            _chunked_get(b"5\r\nhello\r\n"),
            "chunked body without its 0-chunk, then FIN",
            HALF_CLOSE,
        ),
        Case(
            "te_on_http10",
            _req(b"POST " + _P + b" HTTP/1.0", b"Transfer-Encoding: chunked", body=b"0\r\n\r\n"),
            "chunked on HTTP/1.0",
        ),
        Case(
            "te_chunked_twice",
            _chunked_get(b"0\r\n\r\n", b"Transfer-Encoding: chunked"),
            "TE: chunked twice",
        ),
        Case(
            "te_uppercase",
            _chunked_get(b"0\r\n\r\n").replace(b": chunked", b": CHUNKED"),
            "CHUNKED",
        ),
        # --- Expect, Upgrade, bodies on GET -----------------------------------------------
        Case(
            "expect_100_with_body",
            _req(
                b"POST " + _P + b" HTTP/1.1",
                b"Expect: 100-continue",
                b"Content-Length: 2",
                body=b"{}",
            ),
            "Expect: 100-continue, body sent at once",
        ),
        Case(
            "expect_100_no_body",
            _req(b"GET " + _P + b" HTTP/1.1", b"Expect: 100-continue"),
            "Expect: 100-continue on a bodiless GET",
        ),
        Case(
            "expect_unknown", _req(b"GET " + _P + b" HTTP/1.1", b"Expect: 200-ok"), "Expect: 200-ok"
        ),
        Case(
            "upgrade_h2c",
            _req(
                b"GET " + _P + b" HTTP/1.1",
                b"Connection: Upgrade, HTTP2-Settings",
                b"Upgrade: h2c",
                b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
            ),
            "Upgrade: h2c (curl --http2)",
        ),
        Case(
            "upgrade_websocket",
            _req(
                b"GET " + _P + b" HTTP/1.1",
                b"Connection: Upgrade",
                b"Upgrade: websocket",
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                b"Sec-WebSocket-Version: 13",
            ),
            "a WebSocket handshake",
        ),
        Case(
            "upgrade_then_bytes",
            _req(b"GET " + _P + b" HTTP/1.1", b"Connection: Upgrade", b"Upgrade: foo")
            + b"\x00\x01raw",
            "Upgrade: foo, then raw bytes",
            min_responses=2,
        ),
        Case(
            "body_on_get",
            _req(b"GET " + _P + b" HTTP/1.1", b"Content-Length: 5", body=b"hello"),
            "GET with a 5-byte body",
        ),
        Case("body_on_get_chunked", _chunked_get(b"5\r\nhello\r\n0\r\n\r\n"), "GET, chunked body"),
        # --- pipelining and connection handling -------------------------------------------
        Case(
            "pipelined_100_then_garbage",
            pipelined + b"\x00\x01\x02 garbage\r\n\r\n",
            "100 valid requests, then garbage: 100 answers and a 400",
            min_responses=101,
        ),
        Case("pipelined_2_valid", _get() + _get(), "two valid requests", min_responses=2),
        Case(
            "pipelined_valid_then_http09",
            _get() + b"GET " + _P + b"\r\n",
            "a valid request, then HTTP/0.9",
            min_responses=2,
        ),
        Case(
            "pipelined_valid_then_nul",
            _get() + b"\x00" * 100,
            "a valid request, then 100 NUL bytes",
            min_responses=2,
        ),
        Case("valid_then_half_close", _get(), "a valid request, then FIN", HALF_CLOSE),
        Case("large_answer_half_close", large, "a 42 KB answer owed, then FIN", HALF_CLOSE),
        Case("pipelined_10_large", large * 10, "ten 42 KB answers", min_responses=10),
        Case("connection_close", _get(_P, DEFAULT_KEY, b"Connection: close"), "asks to close"),
        # --- timing and aborts --------------------------------------------------------------
        Case(
            "slow_valid_request",
            _get(),
            "a valid request, one byte every 5 ms",
            SLOW,
            slow_pause=0.005,
        ),
        Case("slow_garbage", b"\x00\x01\x02\x03" * 16, "garbage, one byte every 10 ms", SLOW),
        Case("abort_mid_request", b"GET " + _P + b" HTTP/1.1\r\nHost:", "RST mid-headers", ABORT),
        Case("abort_after_request", large, "RST before reading a 42 KB answer", ABORT),
        Case(
            "abort_pipelined_large",
            large * 200,
            "200 pipelined 42 KB answers owed, none read, RST after 0.5 s",
            ABORT,
            abort_after=0.5,
        ),
    ]
    names = [case.name for case in cases]
    duplicates = {name for name in names if names.count(name) > 1}
    assert not duplicates, f"duplicate case names: {sorted(duplicates)}"
    assert all(case.mode in MODES for case in cases)
    return cases


# --- playing one case ------------------------------------------------------------------------


@dataclass
class CaseResult:
    """What a case got back, and the verdict on it."""

    name: str
    verdict: str
    statuses: list[int]
    detail: str
    elapsed: float
    received: int
    closed_by_server: bool

    @property
    def failed(self) -> bool:
        """Whether the verdict is a failure."""
        return self.verdict in FAILURE_VERDICTS

    @property
    def status(self) -> str:
        """The answers' statuses, short (``400``, ``200x100,400``), or ``-``."""
        if not self.statuses:
            return "-"
        runs: list[tuple[int, int]] = []
        for code in self.statuses:
            if runs and runs[-1][0] == code:
                runs[-1] = (code, runs[-1][1] + 1)
            else:
                runs.append((code, 1))
        return ",".join(f"{c}x{n}" if n > 1 else str(c) for c, n in runs)


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    _check_loopback(host)
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0), as a crashed client does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def run_case(
    host: str, port: int, case: Case, *, deadline: float = 3.0, linger: float = 0.3
) -> CaseResult:
    """Play ``case`` on a new connection and judge what came back within ``deadline`` s.

    Reads (while still sending, so an early answer is not lost) until the
    server closes, the answers owed are complete on a connection the server
    keeps alive (and stay so for ``linger`` s more), or the deadline passes.
    """
    started = time.monotonic()
    try:
        sock = _connect(host, port, timeout=deadline)
    except OSError as error:
        return CaseResult(case.name, CONNECT_ERROR, [], str(error), 0.0, 0, False)
    received = bytearray()
    closed = reset = send_failed = False
    try:
        if case.mode == ABORT:
            with contextlib.suppress(OSError):
                sock.sendall(case.data)  # with the connect timeout: ``deadline``
            time.sleep(case.abort_after)
            _reset(sock)
            return CaseResult(
                case.name, OK, [], "client reset (judged by the probes)", 0.0, 0, False
            )
        sock.setblocking(False)
        closed, reset, send_failed = _exchange(sock, case, received, started + deadline, linger)
    finally:
        sock.close()
    elapsed = time.monotonic() - started
    verdict, statuses, detail = judge(case, bytes(received), closed=closed, reset=reset)
    if send_failed and verdict == OK:
        detail = (detail + "; " if detail else "") + "server stopped reading"
    return CaseResult(case.name, verdict, statuses, detail, elapsed, len(received), closed)


def _exchange(
    sock: socket.socket, case: Case, received: bytearray, end_at: float, linger: float
) -> tuple[bool, bool, bool]:
    """Send ``case.data`` (as its mode says) and read; (closed, reset, send failed).

    Once every answer owed is complete on a connection kept alive, reads on for
    ``linger`` s more (an answer to garbage after a valid request comes later)
    and stops there if that still holds.
    """
    data = memoryview(case.data)
    sent = 0
    shut = False
    send_failed = False
    next_send = time.monotonic()
    piece = case.slow_piece if case.mode == SLOW else _SEND_PIECE
    linger_until: float | None = None
    changed = True
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        for _ in range(1_000_000):  # bounded; the deadline ends it long before
            now = time.monotonic()
            if now >= end_at:
                return False, False, send_failed
            sending = sent < len(data) and not send_failed
            if not sending:
                if case.mode == HALF_CLOSE and not shut:
                    shut = True
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)
                if changed:
                    changed = False
                    ready = _answered_and_kept_alive(case, received)
                    linger_until = (linger_until or now + linger) if ready else None
                if linger_until is not None and now >= linger_until:
                    return False, False, send_failed
            want_write = sending and now >= next_send
            selector.modify(
                sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if want_write else 0)
            )
            wait = end_at - now
            if sending and not want_write:
                wait = min(wait, next_send - now)
            if linger_until is not None:
                wait = min(wait, linger_until - now)
            for _key, mask in selector.select(max(wait, 0.0)):
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(_RECV)
                    except BlockingIOError:
                        chunk = None
                    except OSError:  # ECONNRESET: what was read before still counts
                        return True, True, send_failed
                    if chunk == b"":
                        return True, False, send_failed
                    if chunk:
                        received += chunk
                        changed = True
                if mask & selectors.EVENT_WRITE and sent < len(data):
                    try:
                        sent += sock.send(data[sent : sent + piece])
                    except BlockingIOError:
                        pass
                    except OSError:  # EPIPE / ECONNRESET: the server gave up reading
                        send_failed = True
                        changed = True
                    if case.mode == SLOW:
                        next_send = time.monotonic() + case.slow_pause
                    if sent == len(data):
                        changed = True
    return False, False, send_failed


def _answered_and_kept_alive(case: Case, received: bytearray) -> bool:
    """Every answer owed is complete, and the last does not announce a close."""
    parsed = parse_responses(bytes(received), closed=False, head=case.head)
    answers = [r for r in parsed.responses if not r.interim]
    return (
        parsed.error is None
        and not parsed.leftover
        and len(answers) >= case.min_responses
        and not answers[-1].announces_close
        and all(json_problem(r, head=case.head) is None for r in answers)
    )


def judge(case: Case, data: bytes, *, closed: bool, reset: bool) -> tuple[str, list[int], str]:
    """The verdict on ``data`` received for ``case``: (verdict, statuses, detail)."""
    parsed = parse_responses(data, closed=closed, head=case.head)
    answers = [r for r in parsed.responses if not r.interim]
    statuses = [r.status for r in parsed.responses]
    problems: dict[str, str] = {}
    for response in parsed.responses:
        if response.status >= 500:
            problems.setdefault(SERVER_ERROR, f"{response.status} {response.reason}")
        issue = json_problem(response, head=case.head)
        if issue:
            problems.setdefault(NON_JSON, issue)
    if parsed.error:  # what follows is unreadable: no answer count is judged
        problems.setdefault(NON_JSON, parsed.error + ("" if closed else ", held open"))
    if case.max_responses is not None and len(answers) > case.max_responses:
        problems[SMUGGLED] = f"{len(answers)} answers to {case.max_responses} request(s)"
    how = "reset" if reset else "closed"
    if parsed.error:
        pass
    elif not closed:
        if not data:
            problems[HANG] = "no byte back, connection held open"
        elif parsed.leftover and parsed.error is None:
            problems[HANG] = f"partial answer held open ({len(parsed.leftover)} bytes)"
        elif len(answers) < case.min_responses:
            problems[HANG] = f"{len(answers)} of {case.min_responses} answers, held open"
        elif answers and answers[-1].announces_close:
            problems[HANG] = "announced Connection: close, left open"
    elif not data:
        if not case.silent_ok:
            problems[CLOSED_SILENTLY] = f"{how} without a byte"
    elif parsed.leftover and parsed.error is None:
        problems[INCOMPLETE] = f"{how} mid-answer ({len(parsed.leftover)} bytes of it)"
    elif len(answers) < case.min_responses:
        problems[INCOMPLETE] = f"{how} after {len(answers)} of {case.min_responses} answers"
    for verdict in _PRIORITY:
        if verdict in problems:
            others = "; ".join(v for k, v in problems.items() if k != verdict)
            return verdict, statuses, problems[verdict] + (f" (also: {others})" if others else "")
    detail = ("closed" if closed else "kept alive") + (" (reset)" if reset else "")
    return OK, statuses, detail


# --- probes ------------------------------------------------------------------------------------


class ProbeError(RuntimeError):
    """A probe got no proper answer."""


@dataclass
class ProbeResult:
    """One normal client's request: how long it took and what came back."""

    at: float  # time.monotonic() when it started
    latency: float  # seconds, connect included
    status: int | None
    error: str | None  # None: a 200 JSON page
    retry_after: str | None = None
    context: str = ""  # e.g. the cases in flight when it ran

    @property
    def ok(self) -> bool:
        """A JSON 200 came back."""
        return self.error is None

    @property
    def refused(self) -> bool:
        """Answered, but refused with a JSON 503 and Retry-After (overload shedding)."""
        return self.status == 503 and self.retry_after is not None

    @property
    def answered(self) -> bool:
        """Some complete JSON answer came back (a 200, or a refusal with Retry-After)."""
        return self.ok or self.refused


def _probe_request(host: str, key: str, path: str) -> bytes:
    shown = f"[{host}]" if ":" in host else host
    return (
        f"GET {path} HTTP/1.1\r\nHost: {shown}\r\nAuthorization: Bearer {key}\r\n"
        "Connection: keep-alive\r\nAccept: application/json\r\nUser-Agent: hostile-probe\r\n\r\n"
    ).encode()


def probe_result(
    host: str,
    port: int,
    *,
    timeout: float = 5.0,
    key: str = DEFAULT_KEY,
    path: str = PATH + "?page_size=5",
) -> ProbeResult:
    """One normal keep-alive GET on a new connection; never raises."""
    started = time.monotonic()
    end_at = started + timeout
    try:
        sock = _connect(host, port, timeout=timeout)
    except OSError as error:
        return ProbeResult(started, time.monotonic() - started, None, f"connect: {error}")
    received = bytearray()
    try:
        sock.settimeout(max(end_at - time.monotonic(), 0.001))
        sock.sendall(_probe_request(host, key, path))
        for _ in range(100_000):
            parsed = parse_responses(bytes(received), closed=False)
            answers = [r for r in parsed.responses if not r.interim]
            if answers or parsed.error:
                break
            left = end_at - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer within {timeout} s")
            sock.settimeout(left)
            chunk = sock.recv(_RECV)
            if not chunk:
                parsed = parse_responses(bytes(received), closed=True)
                answers = [r for r in parsed.responses if not r.interim]
                if not answers:
                    raise ConnectionError(f"closed after {len(received)} bytes")
                break
            received += chunk
    except OSError as error:
        return ProbeResult(
            started, time.monotonic() - started, None, f"{type(error).__name__}: {error}"
        )
    finally:
        sock.close()
    latency = time.monotonic() - started
    if parsed.error or not answers:
        return ProbeResult(started, latency, None, parsed.error or "no answer")
    answer = answers[0]
    problem = json_problem(answer)
    retry = answer.header("retry-after")
    if answer.status != 200 or problem:
        return ProbeResult(
            started, latency, answer.status, problem or f"status {answer.status}", retry
        )
    return ProbeResult(started, latency, 200, None, retry)


def probe(host: str, port: int, *, timeout: float = 5.0, key: str = DEFAULT_KEY) -> float:
    """Latency (s) of one normal keep-alive GET with ``key``; ``ProbeError`` if not a JSON 200."""
    result = probe_result(host, port, timeout=timeout, key=key)
    if not result.ok:
        raise ProbeError(f"probe failed after {result.latency:.3f} s: {result.error}")
    return result.latency


class ProbeLoop:
    """Probes in a background thread, every ``interval`` s, until stopped (or ``limit`` s)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        interval: float = 0.25,
        timeout: float = 5.0,
        limit: float = 600.0,
        context: Callable[[], str] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.interval, self.timeout, self.limit = interval, timeout, limit
        self.context = context
        self.results: list[ProbeResult] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hostile-probe", daemon=True)

    def __enter__(self) -> ProbeLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 5)

    def _run(self) -> None:
        end_at = time.monotonic() + self.limit
        for _ in range(int(self.limit / max(self.interval, 0.01)) + 1):
            if self._stop.is_set() or time.monotonic() >= end_at:
                return
            context = self.context() if self.context else ""
            result = probe_result(self.host, self.port, timeout=self.timeout)
            result.context = context
            self.results.append(result)
            self._stop.wait(self.interval)


@dataclass
class ProbeStats:
    """A summary of probe results: counts, worst latency and the failures."""

    count: int
    max_latency: float
    failures: list[ProbeResult]
    slow: list[ProbeResult]
    refused: list[ProbeResult]

    @classmethod
    def of(cls, results: Sequence[ProbeResult]) -> ProbeStats:
        """Summarise ``results``."""
        return cls(
            count=len(results),
            max_latency=max((r.latency for r in results), default=0.0),
            failures=[r for r in results if not r.answered],
            slow=[r for r in results if r.answered and r.latency > FAIR_LATENCY],
            refused=[r for r in results if r.refused],
        )

    def problems(self, *, what: str) -> list[str]:
        """Human-readable failures: deaths, refusals (503 + Retry-After), answers after 1 s."""
        out = []
        if self.failures:
            first = self.failures[0]
            out.append(
                f"{what}: {len(self.failures)} of {self.count} probes failed (death), first: "
                f"{first.error} after {first.latency:.2f} s"
                + (f" [in flight: {first.context}]" if first.context else "")
            )
        if self.refused:
            first = self.refused[0]
            out.append(
                f"{what}: {len(self.refused)} of {self.count} probes refused with a JSON 503 + "
                f"Retry-After {first.retry_after} (answered, but not served)"
                + (f" [in flight: {first.context}]" if first.context else "")
            )
        if self.slow:
            worst = max(self.slow, key=lambda r: r.latency)
            out.append(
                f"{what}: {len(self.slow)} probes answered after more than {FAIR_LATENCY} s "
                f"(worst {worst.latency:.2f} s"
                + (f", in flight: {worst.context}" if worst.context else "")
                + ")"
            )
        return out


# --- the catalogue run -----------------------------------------------------------------------


@dataclass
class CatalogueReport:
    """Every case's result, and the probes made meanwhile."""

    results: list[CaseResult]
    probes: list[ProbeResult]
    elapsed: float

    @property
    def failures(self) -> list[CaseResult]:
        """The failing cases, in catalogue order."""
        return [r for r in self.results if r.failed]

    @property
    def probe_stats(self) -> ProbeStats:
        """The probes, summarised."""
        return ProbeStats.of(self.probes)

    def count(self, verdict: str) -> int:
        """How many cases got ``verdict``."""
        return sum(r.verdict == verdict for r in self.results)

    def summary(self) -> str:
        """One line: failures by kind, deaths, the worst probe latency."""
        stats = self.probe_stats
        return (
            f"cases={len(self.results)} hangs={self.count(HANG)} non_json={self.count(NON_JSON)} "
            f"5xx={self.count(SERVER_ERROR)} silent_closes={self.count(CLOSED_SILENTLY)} "
            f"incomplete={self.count(INCOMPLETE)} smuggled={self.count(SMUGGLED)} "
            f"connect_errors={self.count(CONNECT_ERROR)} deaths={len(stats.failures)} "
            f"refused_probes={len(stats.refused)} "
            f"slow_probes={len(stats.slow)} max_probe_latency={stats.max_latency:.3f}s "
            f"elapsed={self.elapsed:.1f}s"
        )

    def problems(self) -> list[str]:
        """Every failure, one line each (empty: the server held up)."""
        lines = [f"{r.name}: {r.verdict} [{r.status}] {r.detail}" for r in self.failures]
        return lines + self.probe_stats.problems(what="probes during the catalogue")


def run_catalogue(
    host: str,
    port: int,
    cases: Iterable[Case] | None = None,
    *,
    deadline: float = 3.0,
    concurrency: int = 4,
    probe_interval: float = 0.2,
    probe_timeout: float = 3.0,
    probe_each: bool = True,
    linger: float = 0.3,
) -> CatalogueReport:
    """Play every case (``concurrency`` at a time) while a background loop probes the server.

    With ``probe_each`` each worker also probes right after its case (with
    ``concurrency=1`` that is a probe between every two cases). A probe with no
    JSON 200 (or 503 + Retry-After) within ``probe_timeout`` is a death.
    """
    _check_loopback(host)
    chosen = list(catalogue() if cases is None else cases)
    in_flight: set[str] = set()
    lock = threading.Lock()
    started = time.monotonic()

    def context() -> str:
        with lock:
            return ",".join(sorted(in_flight))

    def play(case: Case) -> tuple[CaseResult, ProbeResult | None]:
        with lock:
            in_flight.add(case.name)
        try:
            result = run_case(host, port, case, deadline=deadline, linger=linger)
        finally:
            with lock:
                in_flight.discard(case.name)
        after = None
        if probe_each:
            after = probe_result(host, port, timeout=probe_timeout)
            after.context = f"after {case.name}"
        return result, after

    limit = (len(chosen) / max(concurrency, 1) + 2) * (deadline + 2 * probe_timeout) + 30
    with (
        ProbeLoop(
            host, port, interval=probe_interval, timeout=probe_timeout, limit=limit, context=context
        ) as loop,
        ThreadPoolExecutor(max_workers=max(concurrency, 1)) as pool,
    ):
        played = list(pool.map(play, chosen))
    probes = [*loop.results, *(after for _, after in played if after is not None)]
    probes.sort(key=lambda r: r.at)
    return CatalogueReport([r for r, _ in played], probes, time.monotonic() - started)


# --- holding many sockets ---------------------------------------------------------------------


def raise_nofile_limit() -> int:
    """Raise this process's RLIMIT_NOFILE soft limit to the hard limit; the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Held:
    """One attacking socket held open, and what happened to it."""

    sock: socket.socket
    group: str
    opened: float
    pending: bytes = b""  # still to send as soon as the socket takes it
    trickle: list[bytes] = field(default_factory=list)  # sent one per interval
    interval: float = 2.0
    next_trickle: float = 0.0
    reads: bool = True  # a non-reader never reads
    received: bytearray = field(default_factory=bytearray)
    closed_after: float | None = None  # seconds after opening that the server closed it
    reset: bool = False

    @property
    def closed(self) -> bool:
        """The server closed (or reset) it."""
        return self.closed_after is not None


def _open_many(
    host: str, port: int, count: int, *, within: float, rcvbuf: int | None = None
) -> tuple[list[socket.socket], int]:
    """Open ``count`` connections, non-blocking, within ``within`` s: (connected, failed)."""
    _check_loopback(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    connecting: dict[int, socket.socket] = {}
    connected: list[socket.socket] = []
    failed = 0
    end_at = time.monotonic() + within
    with selectors.DefaultSelector() as selector:
        for _ in range(count):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError:
                failed += 1
                continue
            if rcvbuf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            code = sock.connect_ex((host, port))
            if code == 0:
                connected.append(sock)
            elif code in (errno.EINPROGRESS, errno.EAGAIN):
                connecting[sock.fileno()] = sock
                selector.register(sock, selectors.EVENT_WRITE)
            else:
                failed += 1
                sock.close()
        for _ in range(100_000):
            left = end_at - time.monotonic()
            if not connecting or left <= 0:
                break
            for key, _mask in selector.select(min(left, 0.5)):
                sock = connecting.pop(key.fd)
                selector.unregister(sock)
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    connected.append(sock)
                else:
                    failed += 1
                    sock.close()
    for sock in connecting.values():
        failed += 1
        sock.close()
    return connected, failed


def _watch(held: Sequence[Held], *, until: float, done: Callable[[], bool] | None = None) -> None:
    """Service ``held`` sockets until ``until`` (monotonic) or ``done()``.

    Reads whatever the server sends (noting when it closes), sends each
    socket's pending bytes and its trickle lines on schedule.
    """
    by_fd = {h.sock.fileno(): h for h in held}
    with selectors.DefaultSelector() as selector:
        registered: dict[int, int] = {}
        for _ in range(10_000_000):
            now = time.monotonic()
            if now >= until or (done is not None and done()):
                return
            for h in held:
                if h.closed:
                    continue
                if h.trickle and now >= h.next_trickle:
                    h.pending += h.trickle.pop(0)
                    h.next_trickle = now + h.interval
                events = (selectors.EVENT_READ if h.reads else 0) | (
                    selectors.EVENT_WRITE if h.pending else 0
                )
                fd = h.sock.fileno()
                if events != registered.get(fd, 0):
                    if fd in registered and events:
                        selector.modify(h.sock, events)
                    elif events:
                        selector.register(h.sock, events)
                    else:
                        selector.unregister(h.sock)
                    if events:
                        registered[fd] = events
                    else:
                        registered.pop(fd, None)
            if not registered:
                time.sleep(min(0.05, max(until - now, 0.0)))
                continue
            for key, mask in selector.select(min(0.05, max(until - now, 0.0))):
                h = by_fd[key.fd]
                if h.closed:
                    continue
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = h.sock.recv(_RECV)
                    except BlockingIOError:
                        chunk = None
                    except OSError:
                        h.reset = True
                        chunk = b""
                    if chunk == b"":
                        h.closed_after = time.monotonic() - h.opened
                    elif chunk:
                        h.received += chunk
                if mask & selectors.EVENT_WRITE and h.pending and not h.closed:
                    try:
                        n = h.sock.send(h.pending[:_SEND_PIECE])
                        h.pending = h.pending[n:]
                    except BlockingIOError:
                        pass
                    except OSError:  # the server closed it: EPIPE / ECONNRESET
                        h.reset = True
                        h.closed_after = time.monotonic() - h.opened
                if h.closed and key.fd in registered:
                    selector.unregister(h.sock)
                    registered.pop(key.fd)


def _answers_problems(held: Iterable[Held], *, what: str) -> list[str]:
    """Anything non-JSON or 5xx the server sent on ``held`` sockets."""
    seen: list[str] = []
    for h in held:
        if not h.received:
            continue
        parsed = parse_responses(bytes(h.received), closed=h.closed)
        for response in parsed.responses:
            issue = json_problem(response)
            if issue or response.status >= 500:
                seen.append(issue or f"{response.status} {response.reason}")
        if parsed.error:
            seen.append(parsed.error)
    if not seen:
        return []
    return [f"{what}: {len(seen)} bad answers, first: {seen[0]}"]


@dataclass
class GroupReport:
    """One kind of held socket: how many, and when the server closed them."""

    group: str
    count: int
    opened: int
    closed: int
    close_limit: float | None  # must be closed by then (s after opening); None: no rule
    close_times: list[float]
    bad_answers: list[str]

    def problems(self, *, grace: float) -> list[str]:
        """Sockets the server left open too long, and bad answers."""
        out = list(self.bad_answers)
        if self.opened < self.count:
            out.append(f"{self.group}: only {self.opened} of {self.count} sockets connected")
        if self.close_limit is not None:
            late = [t for t in self.close_times if t > self.close_limit + grace]
            still_open = self.opened - self.closed
            if still_open:
                out.append(
                    f"{self.group}: {still_open} of {self.opened} sockets still open "
                    f"{self.close_limit + grace:.1f} s after connecting "
                    f"(timeout {self.close_limit} s)"
                )
            if late:
                out.append(
                    f"{self.group}: {len(late)} closed late (latest {max(late):.1f} s, "
                    f"timeout {self.close_limit} s)"
                )
        return out

    def line(self) -> str:
        """One line for the table."""
        times = (
            f"closed after {min(self.close_times):.1f}-{max(self.close_times):.1f} s"
            if self.close_times
            else "none closed"
        )
        return (
            f"{self.group}: {self.opened}/{self.count} opened, "
            f"{self.closed} closed by server, {times}"
        )


@dataclass
class SlowReport:
    """``slow_attacks``' outcome."""

    groups: list[GroupReport]
    probes: list[ProbeResult]
    grace: float
    elapsed: float

    def close_problems(self) -> list[str]:
        """Sockets the server left open past its timeouts, and bad answers on them."""
        return [p for g in self.groups for p in g.problems(grace=self.grace)]

    def probe_problems(self) -> list[str]:
        """Probes that failed (deaths) or took more than 1 s while the sockets were held."""
        return ProbeStats.of(self.probes).problems(what="probes during slow attacks")

    def problems(self) -> list[str]:
        """Every failure (empty: the server held up)."""
        return self.close_problems() + self.probe_problems()


def slow_attacks(
    host: str,
    port: int,
    *,
    one_byte: int = 20,
    slowloris: int = 10,
    silent: int = 20,
    non_readers: int = 2,
    non_reader_requests: int = 200,
    hold: float = 3.0,
    header_timeout: float = 10.0,
    idle_timeout: float = 5.0,
    silent_timeout: float | None = None,
    grace: float = 2.0,
    trickle_interval: float = 2.0,
    wait_for_close: bool = True,
    probe_interval: float = 0.25,
    probe_timeout: float = 5.0,
) -> SlowReport:
    """Hold slow and silent sockets open while probing; then see the server close them.

    Groups: ``one_byte`` sockets send ``G`` and stay silent; ``slowloris``
    sockets send a request line, then a header line every ``trickle_interval``
    s, never the blank line; ``silent`` sockets send nothing; ``non_readers``
    send ``non_reader_requests`` pipelined requests for a 42 KB page
    (``page_size=200`` on ``bsk_test_large``) and never read.

    Probes run throughout. For at least ``hold`` s, and with ``wait_for_close``
    until the server must have closed them: one-byte and slowloris sockets
    within ``header_timeout`` (a request's head must be complete by then,
    trickle or not), silent ones within ``silent_timeout`` (default
    ``idle_timeout``: a connection that never sent a byte is idle), plus
    ``grace``. Non-readers have no closing rule (the server may wait on them
    as long as they keep their connection; it must only stay fair).
    """
    silent_limit = idle_timeout if silent_timeout is None else silent_timeout
    started = time.monotonic()
    raise_nofile_limit()
    plans: list[tuple[str, int, float | None]] = [
        ("one_byte", one_byte, header_timeout),
        ("slowloris", slowloris, header_timeout),
        ("silent", silent, silent_limit),
        ("non_reader", non_readers, None),
    ]
    held: list[Held] = []
    opened: dict[str, int] = {}
    request_line = b"GET " + _P + b" HTTP/1.1\r\n" + _HOST + b"\r\n"
    lines_needed = math.ceil((max(header_timeout, hold) + grace) / trickle_interval) + 2
    large = _get(_P + b"?page_size=200", LARGE_KEY)
    try:
        for group, count, _limit in plans:
            rcvbuf = 4096 if group == "non_reader" else None
            socks, _failed = _open_many(host, port, count, within=5.0, rcvbuf=rcvbuf)
            opened[group] = len(socks)
            now = time.monotonic()
            for sock in socks:
                h = Held(sock, group, now)
                if group == "one_byte":
                    h.pending = b"G"
                elif group == "slowloris":
                    h.pending = request_line
                    h.trickle = [b"X-Slow-%d: x\r\n" % i for i in range(min(lines_needed, 1000))]
                    h.interval = trickle_interval
                    h.next_trickle = now + trickle_interval
                elif group == "non_reader":
                    h.pending = large * non_reader_requests
                    h.reads = False
                held.append(h)
        watched = [h for h in held if h.reads]
        limits = [limit for _, _, limit in plans if limit is not None]
        end_at = started + max(hold, (max(limits) + grace) if wait_for_close else 0.0) + 1.0

        def done() -> bool:
            return time.monotonic() - started >= hold and (
                not wait_for_close or all(h.closed for h in watched)
            )

        with ProbeLoop(host, port, interval=probe_interval, timeout=probe_timeout) as loop:
            _watch(held, until=end_at, done=done)
        elapsed = time.monotonic() - started
        groups = []
        for group, count, limit in plans:
            members = [h for h in held if h.group == group]
            closed = [h for h in members if h.closed]
            groups.append(
                GroupReport(
                    group,
                    count,
                    opened[group],
                    len(closed),
                    limit if wait_for_close else None,
                    [h.closed_after for h in closed if h.closed_after is not None],
                    _answers_problems(members, what=group),
                )
            )
        return SlowReport(groups, loop.results, grace, elapsed)
    finally:
        for h in held:
            _reset(h.sock)


# --- the idle flood ------------------------------------------------------------------------------


@dataclass
class FloodReport:
    """``idle_flood``'s outcome."""

    requested: int
    connected: int
    connect_failures: int
    connect_seconds: float
    probes: list[ProbeResult]  # made with every idle connection open
    watch_probes: list[ProbeResult]  # made while waiting for the server to close them
    close_limit: float | None
    closed: int
    close_times: list[float]
    bad_answers: list[str]
    grace: float

    def answered_within(self, seconds: float = FAIR_LATENCY) -> bool:
        """Every probe got a real JSON 200 within ``seconds``."""
        return bool(self.probes) and all(p.ok and p.latency <= seconds for p in self.probes)

    def service_problems(self) -> list[str]:
        """Normal clients not served (a 503 + Retry-After reported apart: answered, refused)."""
        out = list(self.bad_answers)
        if self.connected < self.requested:
            out.append(
                f"idle flood: only {self.connected} of {self.requested} connected "
                f"({self.connect_failures} failed within {self.connect_seconds:.1f} s)"
            )
        for p in self.probes:
            if p.refused:
                out.append(
                    f"idle flood: normal client refused (503, Retry-After {p.retry_after}) "
                    f"after {p.latency:.3f} s: answered but not served"
                )
            elif not p.ok:
                out.append(f"idle flood: normal client failed after {p.latency:.3f} s: {p.error}")
            elif p.latency > FAIR_LATENCY:
                out.append(f"idle flood: normal client answered only after {p.latency:.3f} s")
        return out + ProbeStats.of(self.watch_probes).problems(what="idle flood, while waiting")

    def close_problems(self) -> list[str]:
        """Idle sockets the server had not closed by ``close_limit + grace``."""
        if self.close_limit is None:
            return []
        out = []
        still_open = self.connected - self.closed
        if still_open:
            out.append(
                f"idle flood: {still_open} of {self.connected} idle sockets still open "
                f"{self.close_limit + self.grace:.1f} s after connecting "
                f"(idle timeout {self.close_limit} s)"
            )
        late = [t for t in self.close_times if t > self.close_limit + self.grace]
        if late:
            out.append(f"idle flood: {len(late)} closed late (latest {max(late):.1f} s)")
        return out

    def problems(self) -> list[str]:
        """Every failure."""
        return self.service_problems() + self.close_problems()

    def line(self) -> str:
        """One line for the table."""
        probe_text = ", ".join(
            f"{p.status or '-'} in {p.latency * 1000:.0f} ms" for p in self.probes
        )
        times = (
            f"{self.closed} closed by server after {min(self.close_times):.1f}-"
            f"{max(self.close_times):.1f} s"
            if self.close_times
            else f"{self.closed} closed by server"
        )
        return (
            f"idle flood: {self.connected}/{self.requested} open in {self.connect_seconds:.2f} s; "
            f"probes: {probe_text}; {times}"
        )


def idle_flood(
    host: str,
    port: int,
    count: int = 2000,
    *,
    probes: int = 3,
    probe_timeout: float = 5.0,
    connect_within: float = 15.0,
    idle_timeout: float | None = None,
    grace: float = 2.0,
    probe_interval: float = 0.5,
) -> FloodReport:
    """Open ``count`` idle connections (never a byte sent), then probe a normal client.

    RLIMIT_NOFILE's soft limit is first raised to the hard limit. ``probes``
    normal requests are made, one after the other, with the flood open. With
    ``idle_timeout`` the flood is then watched (probing on) until the server
    has closed every idle socket or ``idle_timeout + grace`` s have passed.
    All sockets are closed at the end, whatever happens.
    """
    _check_loopback(host)
    raise_nofile_limit()
    started = time.monotonic()
    socks: list[socket.socket] = []
    try:
        socks, failed = _open_many(host, port, count, within=connect_within)
        connect_seconds = time.monotonic() - started
        opened_at = time.monotonic()
        results = []
        for _ in range(max(probes, 1)):
            results.append(probe_result(host, port, timeout=probe_timeout))
            time.sleep(0.05)
        held = [Held(sock, "idle", opened_at) for sock in socks]
        watch_probes: list[ProbeResult] = []
        if idle_timeout is not None:
            end_at = opened_at + idle_timeout + grace
            with ProbeLoop(host, port, interval=probe_interval, timeout=probe_timeout) as loop:
                _watch(held, until=end_at, done=lambda: all(h.closed for h in held))
            watch_probes = loop.results
        closed = [h for h in held if h.closed]
        return FloodReport(
            requested=count,
            connected=len(socks),
            connect_failures=failed,
            connect_seconds=connect_seconds,
            probes=results,
            watch_probes=watch_probes,
            close_limit=idle_timeout,
            closed=len(closed),
            close_times=[h.closed_after for h in closed if h.closed_after is not None],
            bad_answers=_answers_problems(held, what="idle flood"),
            grace=grace,
        )
    finally:
        for sock in socks:
            _reset(sock)


# --- command line --------------------------------------------------------------------------------


def _table(results: Sequence[CaseResult], *, only_failures: bool = False) -> str:
    rows = [r for r in results if r.failed or not only_failures]
    width = max((len(r.name) for r in rows), default=4)
    lines = [f"{'case':<{width}}  {'verdict':<15}  {'status':<12}  detail"]
    for r in rows:
        detail = r.detail if len(r.detail) <= 110 else r.detail[:107] + "..."
        lines.append(f"{r.name:<{width}}  {r.verdict:<15}  {r.status:<12}  {detail}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Attack a running server, print what held and what broke; 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", choices=sorted(LOOPBACK))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--deadline", type=float, default=3.0, help="seconds per case")
    parser.add_argument("--concurrency", type=int, default=1, help="cases at a time")
    parser.add_argument("--case", action="append", default=[], help="only this case (repeatable)")
    parser.add_argument("--failures-only", action="store_true", help="table of failures only")
    parser.add_argument("--skip-slow", action="store_true", help="no slow-socket attacks")
    parser.add_argument("--skip-flood", action="store_true", help="no idle flood")
    parser.add_argument("--flood-count", type=int, default=2000)
    parser.add_argument("--header-timeout", type=float, default=10.0)
    parser.add_argument("--idle-timeout", type=float, default=5.0)
    parser.add_argument("--grace", type=float, default=2.0)
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    cases = catalogue()
    if args.list:
        for case in cases:
            print(f"{case.name:<40} {case.mode:<10} {len(case.data):>8} B  {case.note}")
        print(f"{len(cases)} cases")
        return 0
    if args.case:
        unknown = set(args.case) - {c.name for c in cases}
        if unknown:
            parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.name in args.case]
    report = run_catalogue(
        args.host, args.port, cases, deadline=args.deadline, concurrency=args.concurrency
    )
    print(_table(report.results, only_failures=args.failures_only))
    problems = report.problems()
    extra: list[str] = []
    if not args.skip_slow:
        slow = slow_attacks(
            args.host,
            args.port,
            header_timeout=args.header_timeout,
            idle_timeout=args.idle_timeout,
            grace=args.grace,
        )
        extra += [g.line() for g in slow.groups]
        stats = ProbeStats.of(slow.probes)
        extra.append(f"slow attacks: {stats.count} probes, max latency {stats.max_latency:.3f} s")
        problems += slow.problems()
    if not args.skip_flood:
        flood = idle_flood(
            args.host,
            args.port,
            args.flood_count,
            idle_timeout=args.idle_timeout,
            grace=args.grace,
        )
        extra.append(flood.line())
        problems += flood.problems()
    if extra:
        print()
        print("\n".join(extra))
    print()
    if problems:
        print("FAILURES:")
        print("\n".join(f"  {p}" for p in problems))
    print(report.summary())
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
