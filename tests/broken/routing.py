"""Broken routing, methods and media types (CONTRACT.md §1)."""

from __future__ import annotations

from tests.broken.registry import defect
from tests.broken.wsgi import ENDPOINT, Environ, Middleware, Reply, WSGIApp, error_reply

_HTML_404 = (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
    b"<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n"
)


class _Html404(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status == 404:
            return reply.with_body(_HTML_404, "text/html; charset=utf-8")
        return reply


@defect("JSON-EVERYWHERE", "PATH-404")
def html_404(mock: WSGIApp) -> WSGIApp:
    """Unknown paths get the web framework's HTML 404 page."""
    return _Html404(mock)


class _TrailingSlash(Middleware):
    def handle(self, environ: Environ) -> Reply:
        if environ.get("PATH_INFO") == ENDPOINT + "/":
            return self.forward({**environ, "PATH_INFO": ENDPOINT})
        return self.forward(environ)


@defect("PATH-404-TRAILING-SLASH")
def trailing_slash_served(mock: WSGIApp) -> WSGIApp:
    """`/transactions/` is served like `/transactions` (a `strict_slashes=False` route)."""
    return _TrailingSlash(mock)


class _NoAllow(Middleware):
    def handle(self, environ: Environ) -> Reply:
        return self.forward(environ).without_header("Allow")


@defect("METHOD-405-ALLOW")
def method_405_without_allow(mock: WSGIApp) -> WSGIApp:
    """A 405 has no `Allow` header."""
    return _NoAllow(mock)


class _AuthBeforeRouting(Middleware):
    def handle(self, environ: Environ) -> Reply:
        routed = environ.get("PATH_INFO") == ENDPOINT and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        )
        if not routed:
            probe = self.forward({**environ, "PATH_INFO": ENDPOINT, "REQUEST_METHOD": "GET"})
            if probe.status == 401:
                return probe
        return self.forward(environ)


@defect("ROUTING-BEFORE-AUTH")
def auth_before_routing(mock: WSGIApp) -> WSGIApp:
    """An authentication middleware runs before routing: unknown paths without a key get 401."""
    return _AuthBeforeRouting(mock)


class _HeadNotAllowed(Middleware):
    head_as_get = False

    def handle(self, environ: Environ) -> Reply:
        if environ.get("REQUEST_METHOD") == "HEAD" and environ.get("PATH_INFO") == ENDPOINT:
            reply = error_reply(405, "invalid_request_error", "method not allowed")
            return reply.with_header("Allow", "GET").with_body(b"")
        return self.forward(environ)


@defect("HEAD-LIKE-GET")
def head_not_allowed(mock: WSGIApp) -> WSGIApp:
    """The route is declared GET-only: `HEAD` gets 405."""
    return _HeadNotAllowed(mock)


class _OptionsAnswered(Middleware):
    def handle(self, environ: Environ) -> Reply:
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("PATH_INFO") == ENDPOINT:
            return Reply(
                200,
                [("Content-Type", "text/html; charset=utf-8"), ("Allow", "GET, HEAD, OPTIONS")],
            ).with_body(b"")
        return self.forward(environ)


@defect("METHOD-405")
def options_answered(mock: WSGIApp) -> WSGIApp:
    """`OPTIONS` is answered 200 with an empty body (the framework's automatic OPTIONS)."""
    return _OptionsAnswered(mock)


class _TextPlainErrors(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status == 400 and environ.get("PATH_INFO") == ENDPOINT:
            message = reply.json()["error"]["message"]
            return reply.with_body(f"Bad Request: {message}".encode(), "text/plain; charset=utf-8")
        return reply


@defect("JSON-ENDPOINT", profile="documented")
def text_plain_400(mock: WSGIApp) -> WSGIApp:
    """A 400 of the endpoint is `text/plain` ("Bad Request: ..."), not a JSON envelope."""
    return _TextPlainErrors(mock)
