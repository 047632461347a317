"""``InLoopWsgi``: the WSGI app as ``serve``'s uvicorn workers call it, without a server.

What reaches the app must be what gunicorn would hand it (the app judges raw
paths and joined headers), and nothing the app does may surface as uvicorn's
plain-text 500.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from mockserver import create_app
from mockserver.server.asgi import InLoopWsgi

Message = dict[str, Any]


def _scope(
    method: str = "GET",
    raw_path: bytes = b"/api/v1/me/billing/transactions",
    query: bytes = b"",
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": query,
        "headers": list(headers),
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
    }


def _call(app: Any, scope: dict[str, Any]) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, body = sent
    assert start["type"] == "http.response.start" and body["type"] == "http.response.body"
    return start["status"], dict(start["headers"]), body["body"]


def _echo_environ() -> tuple[InLoopWsgi, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        seen.append(environ)
        start_response("204 No Content", [("X-Seen", "yes")])
        return iter(())

    return InLoopWsgi(app), seen


def test_the_environ_is_what_gunicorn_would_build() -> None:
    bridge, seen = _echo_environ()
    status, headers, body = _call(
        bridge,
        _scope(
            raw_path=b"/api/v1/caf%C3%A9%2Fx",
            query=b"page=2&kind=topup",
            headers=[
                (b"authorization", b"Bearer a"),
                (b"authorization", b"Bearer b"),
                (b"content-type", b"text/plain"),
                (b"x_forwarded_for", b"spoofed"),
                (b"x-padded", b"value \t "),
            ],
        ),
    )
    assert (status, headers, body) == (204, {b"X-Seen": b"yes"}, b"")
    environ = seen[0]
    assert environ["PATH_INFO"] == "/api/v1/caf\xc3\xa9/x"  # PEP 3333: bytes read as latin-1
    assert environ["RAW_URI"] == "/api/v1/caf%C3%A9%2Fx?page=2&kind=topup"
    assert environ["QUERY_STRING"] == "page=2&kind=topup"
    assert environ["HTTP_AUTHORIZATION"] == "Bearer a,Bearer b"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["HTTP_X_PADDED"] == "value"  # trailing blanks stripped, as gunicorn does
    assert not any("FORWARDED" in key for key in environ)
    assert environ["wsgi.input"].read() == b""


def test_the_mock_answers_as_its_test_client_does() -> None:
    flask_app = create_app()
    client = flask_app.test_client()
    bridge = InLoopWsgi(flask_app)
    cases = [
        ("GET", b"/api/v1/me/billing/transactions", b"page_size=3", b"Bearer bsk_test_docs"),
        ("HEAD", b"/api/v1/me/billing/transactions", b"page_size=3", b"Bearer bsk_test_docs"),
        ("GET", b"/api/v1/me/billing/transactions", b"page=0", b"Bearer bsk_test_docs"),
        ("GET", b"/api/v1/me/billing/transactions", b"", b"Bearer nope"),
        ("POST", b"/api/v1/me/billing/transactions", b"", b""),
        ("GET", b"/api//v1/me/billing/transactions", b"", b""),
    ]
    for method, path, query, auth in cases:
        status, headers, body = _call(
            bridge, _scope(method, path, query, [(b"authorization", auth)] if auth else [])
        )
        expected = client.open(
            path.decode(),
            method=method,
            query_string=query.decode(),
            headers={"Authorization": auth.decode()} if auth else {},
        )
        assert status == expected.status_code, (method, path, query)
        assert body == expected.data, (method, path, query)
        assert headers[b"Content-Type"] == b"application/json"
        assert headers[b"Content-Length"] == str(expected.content_length).encode()


def test_an_exception_in_the_app_is_the_json_500() -> None:
    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise ZeroDivisionError

    status, headers, body = _call(InLoopWsgi(broken), _scope())
    assert status == 500
    assert headers[b"Content-Type"] == b"application/json"
    assert int(headers[b"Content-Length"]) == len(body)
    assert json.loads(body)["error"]["type"] == "api_error"


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        ("200 OK", [("X-Bad", "a\x01b")]),  # uvicorn would refuse it in the middle of sending
        ("200 OK", [("X-Bad", "caf\u00e9\u2603")]),  # not latin-1
        ("999 WHAT", []),  # no status line for it
    ],
)
def test_headers_uvicorn_would_refuse_are_the_json_500(
    status: str, headers: list[tuple[str, str]]
) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, headers)
        return [b"{}"]

    code, sent, body = _call(InLoopWsgi(app), _scope())
    assert code == 500 and sent[b"Content-Type"] == b"application/json"
    assert json.loads(body)["error"]["type"] == "api_error"


def test_the_raw_target_from_the_protocol_is_the_raw_uri() -> None:
    bridge, seen = _echo_environ()
    scope = _scope(query=b"a=1")
    scope["ledger_mock.raw_target"] = b"/api/v1/me/billing/transactions?a=1#//"
    _call(bridge, scope)
    assert seen[0]["RAW_URI"] == "/api/v1/me/billing/transactions?a=1#//"


def test_the_result_is_closed_even_when_iterating_fails() -> None:
    closed: list[bool] = []

    class Result:
        def __iter__(self) -> Iterator[bytes]:
            raise OSError("disk gone")

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Result:
        start_response("200 OK", [])
        return Result()

    status, _, _ = _call(InLoopWsgi(app), _scope())
    assert status == 500 and closed == [True]


def test_non_http_scopes_are_ignored() -> None:
    bridge, seen = _echo_environ()
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(bridge({"type": "lifespan"}, receive, send))
    assert sent == [] and seen == []


def _messages(app: Any, scope: dict[str, Any]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _pieces_app(fail_after: int | None = None) -> tuple[Any, list[int]]:
    """Yields three pieces, each recording the thread that rendered it."""
    threads: list[int] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/csv")])

        def body() -> Iterator[bytes]:
            for index in range(3):
                if fail_after is not None and index == fail_after:
                    raise RuntimeError("rendering failed")
                threads.append(threading.get_ident())
                yield f"piece{index}\n".encode()

        return body()

    return app, threads


def test_a_streamed_path_is_rendered_on_a_thread_and_sent_piece_by_piece() -> None:
    app, threads = _pieces_app()
    bridge = InLoopWsgi(app, streamed=("/export",))
    sent = _messages(bridge, _scope(raw_path=b"/export"))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    bodies = sent[1:]
    assert [m["body"] for m in bodies] == [b"piece0\n", b"piece1\n", b"piece2\n", b""]
    assert [m.get("more_body", False) for m in bodies] == [True, True, True, False]
    assert threads and threading.get_ident() not in threads
    # Elsewhere (and for HEAD) the answer is read whole, on the loop, as before.
    plain = _messages(InLoopWsgi(app, streamed=("/export",)), _scope(raw_path=b"/other"))
    assert [m.get("body") for m in plain[1:]] == [b"piece0\npiece1\npiece2\n"]


def test_a_streamed_answer_failing_before_its_first_piece_is_the_json_500() -> None:
    app, _ = _pieces_app(fail_after=0)
    sent = _messages(InLoopWsgi(app, streamed=("/export",)), _scope(raw_path=b"/export"))
    assert sent[0]["status"] == 500
    assert json.loads(sent[1]["body"])["error"]["type"] == "api_error"
