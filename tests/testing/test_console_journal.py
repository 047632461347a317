"""What the journal keeps for the console, and ``GET /__mock/console/api/journal``.

The error's ``type`` and ``param`` read back from the envelope, the time taken,
the console's own mark, the near-miss hint, the key shown redacted; the
``after``/``limit``/``key`` filters; hostile text carried as data, never markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockserver import controls, create_app
from mockserver.testing import journal as journal_module
from mockserver.testing.console import routes
from mockserver.testing.hints import hints as real_hints

LISTING = "/api/v1/me/billing/transactions"
JOURNAL = "/__mock/console/api/journal"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def app() -> Flask:
    return create_app(control=True)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


def _entries(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{JOURNAL}?{query}")
    assert response.status_code == 200, response.data
    entries: list[dict[str, Any]] = response.get_json()["entries"]
    return entries


def test_an_error_answer_keeps_its_type_and_param(client: FlaskClient) -> None:
    client.get(f"{LISTING}?page=0", headers=bearer("bsk_test_docs"))
    client.get(LISTING, headers=bearer("bsk_test_docs"))
    client.head(f"{LISTING}?page_size=0", headers=bearer("bsk_test_docs"))
    ok_head, ok, bad = _entries(client)
    assert (bad["status"], bad["error"]) == (
        400,
        {"type": "invalid_request_error", "param": "page"},
    )
    assert (ok["status"], ok["error"]) == (200, None)
    assert (ok_head["status"], ok_head["error"]) == (400, None)  # a HEAD has no body to read
    assert [e["id"] for e in (ok_head, ok, bad)] == [2, 1, 0]  # newest first
    assert all(e["latency_ms"] >= 0 and e["fault"] is None for e in (ok_head, ok, bad))


def test_the_endpoint_bytes_do_not_depend_on_the_console_mark(client: FlaskClient) -> None:
    plain = client.get(f"{LISTING}?page_size=3", headers=bearer("bsk_test_docs"))
    marked = client.get(
        f"{LISTING}?page_size=3", headers={**bearer("bsk_test_docs"), "X-Ledger-Console": "1"}
    )
    assert marked.data == plain.data
    assert dict(marked.headers) == dict(plain.headers)
    console, client_request = _entries(client)
    assert (console["console"], client_request["console"]) == (True, False)


def test_near_misses_and_keys(client: FlaskClient) -> None:
    client.get(f"{LISTING}?pageSize=5", headers=bearer("bsk_test_docs"))
    client.get(f"{LISTING}/", headers=bearer("bsk_test_docs"))
    client.get(LISTING, headers=bearer("bsk_test_revoked"))
    client.get(LISTING, headers=bearer("bsk_live_not_a_key"))
    client.get(LISTING, headers={"Authorization": "Token bsk_test_docs"})
    scheme, unknown, revoked, slash, size = _entries(client)
    assert size["status"] == 200 and "'page_size'" in size["hint"]
    assert "hints" not in size  # one shape: the hint is one string or null
    assert size["key"] == {
        "fingerprint": journal_module.key_fingerprint("bsk_test_docs"),
        "account": "docs",
        "status": "active",
        "redacted": "bsk_test_…",
    }
    assert slash["status"] == 404 and "trailing slash" in slash["hint"]
    assert slash["error"] == {"type": "not_found_error", "param": None}
    assert revoked["status"] == 401 and "revoked" in revoked["hint"]
    assert revoked["key"]["status"] == "revoked" and revoked["key"]["account"] == "revoked"
    assert unknown["key"]["status"] == "unknown" and unknown["key"]["redacted"] is None
    assert "not one of the mock's keys" in unknown["hint"]
    assert scheme["key"] is None and "Bearer" in scheme["hint"]
    body = client.get(JOURNAL).get_data(as_text=True)
    for key in ("bsk_test_docs", "bsk_test_revoked", "bsk_live_not_a_key"):
        assert key not in body


def test_after_limit_and_key_filters(client: FlaskClient) -> None:
    for page in range(1, 6):
        client.get(f"{LISTING}?page={page}", headers=bearer("bsk_test_docs"))
    client.get(LISTING, headers=bearer("bsk_test_default"))
    assert [e["id"] for e in _entries(client)] == [5, 4, 3, 2, 1, 0]
    assert [e["id"] for e in _entries(client, "after=3")] == [5, 4]
    assert [e["id"] for e in _entries(client, "limit=2")] == [5, 4]
    assert [e["id"] for e in _entries(client, "key=bsk_test_docs&limit=2")] == [4, 3]
    assert [e["id"] for e in _entries(client, "key=bsk_test_default")] == [5]
    assert _entries(client, "after=5") == []
    listing = client.get(JOURNAL).get_json()
    assert (listing["latest"], listing["dropped"], listing["generation"]) == (5, 0, 0)


def test_a_reset_starts_a_new_generation(client: FlaskClient) -> None:
    client.get(LISTING, headers=bearer("bsk_test_docs"))
    before = client.get(JOURNAL).get_json()
    assert client.post("/__mock/reset").status_code == 200
    after = client.get(JOURNAL).get_json()
    assert after["generation"] == before["generation"] + 1
    assert (after["entries"], after["latest"]) == ([], -1)


def test_faults_show_in_the_journal(app: Flask, client: FlaskClient) -> None:
    mock = controls(app)
    assert mock.faults is not None
    mock.faults.inject("rate_limit", nth=1, retry_after=3)
    mock.faults.inject("latency", nth=2, delay=0.05)
    limited = client.get(LISTING, headers=bearer("bsk_test_docs"))
    assert limited.status_code == 429
    client.get(LISTING, headers=bearer("bsk_test_docs"))
    slow, rate = _entries(client)
    assert rate["fault"] == "rate_limit"
    assert rate["error"] == {"type": "rate_limit_error", "param": None}
    assert slow["injected_latency_ms"] == 50.0 and slow["latency_ms"] >= 50.0


def test_a_truncated_answer_is_not_read_back(app: Flask, client: FlaskClient) -> None:
    mock = controls(app)
    assert mock.faults is not None
    mock.faults.inject("truncate", nth=1)
    response = client.get(f"{LISTING}?page=0", headers=bearer("bsk_test_docs"))
    assert response.status_code == 400
    (entry,) = _entries(client)
    assert (entry["fault"], entry["error"]) == ("truncate", None)


def test_hostile_targets_are_carried_as_data(client: FlaskClient) -> None:
    path = "/<script>alert(1)</script>"
    query = "q=%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E"
    client.get(f"{path}?{query}", headers=bearer("bsk_test_docs"))
    response = client.get(JOURNAL)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    (entry,) = response.get_json()["entries"]
    assert entry["target"] == f"{path}?{query}"
    assert entry["status"] == 404 and entry["hint"] is None


def test_the_control_journal_gains_limit_and_error_fields(client: FlaskClient) -> None:
    for page in ("1", "2", "x"):
        client.get(f"{LISTING}?page={page}", headers=bearer("bsk_test_docs"))
    everything = client.get("/__mock/journal").get_json()["requests"]
    assert [r["index"] for r in everything] == [0, 1, 2]
    newest = client.get("/__mock/journal?limit=2").get_json()
    assert [r["index"] for r in newest["requests"]] == [1, 2]
    last = newest["requests"][-1]
    assert (last["error_type"], last["error_param"]) == ("invalid_request_error", "page")
    assert last["elapsed_ms"] >= 0
    assert client.get("/__mock/journal?limit=007").get_json()["requests"] == everything


def test_the_journal_entry_api(app: Flask, client: FlaskClient) -> None:
    client.get(f"{LISTING}?kind=nope", headers=bearer("bsk_test_docs"))
    mock = controls(app)
    assert mock.journal is not None
    (entry,) = mock.journal.entries
    assert (entry.error_type, entry.error_param) == ("invalid_request_error", "kind")
    assert entry.elapsed > 0 and entry.at >= 0
    assert mock.journal.newest(after=0) == []
    assert mock.journal.newest(key_id=journal_module.key_fingerprint("bsk_test_docs")) == [entry]


class _Body:
    """A WSGI result that records whether it was read and closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        self.read = True
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("status", "headers", "read_back"),
    [
        ("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")], False),
        ("400 Bad", [("Content-Type", "application/json"), ("Content-Length", "80")], True),
        ("400 Bad", [("Content-Type", "text/plain"), ("Content-Length", "80")], False),
        ("400 Bad", [("Content-Type", "application/json")], False),  # length unknown
        ("400 Bad", [("Content-Type", "application/json"), ("Content-Length", "99999")], False),
    ],
)
def test_only_small_json_errors_are_read_back(
    status: str, headers: list[tuple[str, str]], read_back: bool
) -> None:
    body = b'{"error":{"type":"invalid_request_error","message":"m","param":"page"}}'
    result = _Body([body])

    def app(environ: dict[str, Any], start_response: Any) -> _Body:
        start_response(status, headers)
        return result

    journal = journal_module.Journal()
    middleware = journal_module.JournalMiddleware(app, journal)
    answer = middleware({"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}, lambda *a: None)
    (entry,) = journal.entries
    if read_back:
        assert answer == [body] and result.read and result.closed
        assert (entry.error_type, entry.error_param) == ("invalid_request_error", "page")
    else:
        assert answer is result and not result.read and not result.closed
        assert entry.error_type is None


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1]", b'{"error": "x"}', b'{"error": {"type": 1}}']
)
def test_error_of_ignores_what_is_not_an_envelope(body: bytes) -> None:
    assert journal_module.error_of(body) is None


def test_the_target_is_the_one_sent_not_the_decoded_path() -> None:
    """Over a real server ``RAW_URI`` is the target as sent; ``%2F`` is not a ``/``."""
    app = create_app(control=True)
    with app.test_client() as test_client:
        test_client.get(
            "/api/v1/me/billing/transactions%2F?page=1",
            headers=bearer("bsk_test_docs"),
            environ_overrides={"RAW_URI": "/api/v1/me/billing/transactions%2F?page=1"},
        )
        (entry,) = _entries(test_client)
    assert entry["target"] == "/api/v1/me/billing/transactions%2F?page=1"
    assert entry["status"] == 404
    assert entry["hint"] is not None and "trailing slash" not in entry["hint"]


def test_an_absolute_form_target_is_judged_on_its_path() -> None:
    app = create_app(control=True)
    sent = "http://127.0.0.1:8080/api/v1/me/billing/transactions?pageSize=2"
    with app.test_client() as test_client:
        test_client.get(
            "/api/v1/me/billing/transactions?pageSize=2",
            headers=bearer("bsk_test_docs"),
            environ_overrides={"RAW_URI": sent},
        )
        (entry,) = _entries(test_client)
    assert entry["target"] == sent
    assert entry["hint"] is not None and "'page_size'" in entry["hint"]
    assert "base URL" not in entry["hint"]


@pytest.mark.parametrize(
    "header",
    ["Bearer\tbsk_test_docs", "Bearer bsk_test_docs extra", "Bearer bsk_test_docs,Bearer x"],
    ids=["tab", "two-tokens", "joined-headers"],
)
def test_a_malformed_bearer_header_is_not_read_as_a_key(client: FlaskClient, header: str) -> None:
    response = client.get(LISTING, headers={"Authorization": header})
    assert response.status_code == 401
    (entry,) = _entries(client)
    assert entry["key"] is None  # never fingerprinted as bsk_test_docs
    assert entry["hint"] is not None and "malformed Authorization header" in entry["hint"]
    assert "not one of the mock's keys" not in entry["hint"]


def test_hints_are_worked_out_once_per_entry(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = real_hints

    def counting(**kwargs: Any) -> list[str]:
        calls.append(kwargs["path"])
        return real(**kwargs)

    monkeypatch.setattr(routes, "hints", counting)
    app = create_app(control=True)
    with app.test_client() as fresh:
        for _ in range(3):
            fresh.get(f"{LISTING}?pageSize=2", headers=bearer("bsk_test_docs"))
        for _ in range(4):  # polls ask for the same entries again
            assert len(_entries(fresh)) == 3
    assert len(calls) == 3


def test_order_asc_reads_a_burst_oldest_first_page_by_page(client: FlaskClient) -> None:
    for page in range(1, 8):
        client.get(f"{LISTING}?page={page}", headers=bearer("bsk_test_docs"))
    client.get(LISTING, headers=bearer("bsk_test_default"))
    assert [e["id"] for e in _entries(client, "after=1&limit=3&order=asc")] == [2, 3, 4]
    assert [e["id"] for e in _entries(client, "after=4&limit=3&order=asc")] == [5, 6, 7]
    assert _entries(client, "after=7&order=asc") == []
    assert [e["id"] for e in _entries(client, "order=asc&limit=2")] == [0, 1]
    assert [e["id"] for e in _entries(client, "after=3&order=asc&key=bsk_test_docs")] == [4, 5, 6]
    assert [e["id"] for e in _entries(client, "after=5&order=desc")] == [7, 6]
    refused = client.get(f"{JOURNAL}?order=up")
    assert refused.status_code == 400 and refused.get_json()["error"]["param"] == "order"


def test_oldest_reads_only_what_was_kept() -> None:
    journal = journal_module.Journal(max_entries=3)
    for index in range(6):
        journal.record({"PATH_INFO": f"/p{index}"}, 200, None)
    assert [e.index for e in journal.oldest()] == [3, 4, 5]
    assert [e.index for e in journal.oldest(after=1, limit=2)] == [3, 4]
    assert [e.index for e in journal.oldest(after=4)] == [5]
    assert journal_module.Journal().oldest() == []
