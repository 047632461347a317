"""A minimal threaded HTTP/1.1 WSGI server that keeps connections open.

Werkzeug's development server closes every connection, so a contract run
(~250 requests) pays a TCP connect and a server thread per request: about a
quarter of its time. This server reads each request's body in full (by
`Content-Length`) before answering, which makes keep-alive safe, and always
sends `Content-Length`. It is test plumbing for `tests.broken.harness` only.
"""

from __future__ import annotations

import io
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_to_bytes

from mockserver import read_result
from tests.broken.wsgi import WSGIApp

__all__ = ["KeepAliveServer"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls
    server: KeepAliveServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(length) if length else "",
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "werkzeug.socket": self.connection,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE"):
                continue
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        captured: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        payload = read_result(self.server.app(environ, start_response))
        status, headers = captured
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        declared = None
        for name, value in headers:
            if name.lower() == "content-length":
                declared = value
                continue
            self.send_header(name, value)
        head = self.command == "HEAD"
        size = declared if head and declared is not None else str(len(payload))
        self.send_header("Content-Length", size)
        self.end_headers()
        if not head:
            self.wfile.write(payload)

    def __getattr__(self, name: str) -> Any:
        # http.server dispatches on `do_<METHOD>`: serve every method the same way.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)


class KeepAliveServer(ThreadingHTTPServer):
    """`ThreadingHTTPServer` running one WSGI app (daemon threads)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: WSGIApp) -> None:
        super().__init__(address, _Handler)
        self.app = app

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone (or a defect that drops the connection) is not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
