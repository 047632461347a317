"""Broken bytes: bodies not in UTF-8, or labelled with another charset (CONTRACT.md §1).

Every admin note of the mock carries an em dash (as the docs' example does:
"Goodwill credit — failed Doubao call burst"), so a body in another encoding
differs from UTF-8 on every page that lists an admin entry; ASCII-only bodies
read the same in all of them.
"""

from __future__ import annotations

from tests.broken.registry import defect
from tests.broken.wsgi import Environ, Middleware, Reply, WSGIApp, is_listing

_EM_DASH = "\u2014".encode()


class _Reencode(Middleware):
    """Re-encodes every JSON body the mock sends (its bytes are UTF-8)."""

    encoding = "cp1252"
    content_type: str | None = None

    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if not reply.body:
            return reply
        body = reply.body.decode("utf-8").encode(self.encoding, errors="replace")
        return reply.with_body(body, self.content_type)


@defect("JSON-UTF8", profile="documented")
def body_cp1252(mock: WSGIApp) -> WSGIApp:
    """Bodies are encoded in cp1252, the Windows default, instead of UTF-8.

    `json.dumps(ensure_ascii=False).encode()` on a host whose default encoding is
    cp1252: the em dash of every admin note goes out as the single byte 0x97.
    """
    return _Reencode(mock)


class _Latin1Servlet(_Reencode):
    encoding = "utf-8"
    content_type = "application/json;charset=ISO-8859-1"


@defect("JSON-CHARSET", profile="documented")
def charset_iso_8859_1(mock: WSGIApp) -> WSGIApp:
    """`Content-Type: application/json;charset=ISO-8859-1`, a servlet container's default.

    The JSON writer still sends UTF-8 bytes: the bytes are right and only the
    label is wrong, but a client that honours it reads the em dash of every
    admin note as three Latin-1 characters (`â\x80\x94`).
    """
    return _Latin1Servlet(mock)


class _Latin1Column(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if not is_listing(environ, reply):
            return reply
        return reply.with_body(reply.body.replace(_EM_DASH, "\u2014".encode("cp1252")))


@defect("JSON-UTF8")
def note_latin1_column(mock: WSGIApp) -> WSGIApp:
    """Notes come from a legacy `latin1` column and are copied into the UTF-8 body as bytes.

    The rest of the page is UTF-8; the em dash of each admin note is the byte
    0x97, which no UTF-8 reader accepts (a replacing decoder shows U+FFFD).
    """
    return _Latin1Column(mock)


class _Bom(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        return reply.with_body(b"\xef\xbb\xbf" + reply.body) if reply.body else reply


@defect("JSON-UTF8", profile="documented", quick=False)
def utf8_bom(mock: WSGIApp) -> WSGIApp:
    """Every body starts with a UTF-8 byte order mark (`Encoding.UTF8` of .NET writes one).

    RFC 8259 forbids it; `json.loads` on the text refuses it.
    """
    return _Bom(mock)
