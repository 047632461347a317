"""The pushback governor and the pacer, on a fake clock: what waits how long, and when it stops.

No server and no sleeping: every response is built here, the clock and the
sleep are recorded, so each schedule (Retry-After in seconds or as a date,
exponential back-off, the bounds) is asserted exactly.  Last, `interpose`
against two tiny local servers: only the target's origin is governed.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from contract_tests.client import Client
from contract_tests.errors import BadArguments
from contract_tests.fuzzing import _pushed_back_cases
from contract_tests.interpose import _governor_for, governed
from contract_tests.pacing import Pacer, RateLimit
from contract_tests.pushback import (
    Governor,
    OutOfTime,
    RetryPolicy,
    Unanswered,
    never_connected,
    pushback_kind,
    retry_after_seconds,
)
from tests.broken.harness import serving

WALL = 1_780_000_000.0  # the fake wall clock, epoch seconds


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def response(status: int, retry_after: str | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    if retry_after is not None:
        answer.headers["Retry-After"] = retry_after
    answer._content = b"{}"
    return answer


def script(*steps: requests.Response | Exception) -> Callable[[], requests.Response]:
    """An `attempt` that plays `steps` in order (exceptions are raised)."""
    queue: Iterator[requests.Response | Exception] = iter(steps)

    def attempt() -> requests.Response:
        step = next(queue)
        if isinstance(step, Exception):
            raise step
        return step

    return attempt


def governor(fake: FakeTime, **policy: Any) -> Governor:
    max_duration = policy.pop("max_duration", None)
    return Governor(
        RetryPolicy(**policy),
        max_duration=max_duration,
        clock=fake.clock,
        sleep=fake.sleep,
        wall=lambda: WALL,
    )


# --- Retry-After and what counts as pushback ------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("3", 3.0),
        (" 120 ", 120.0),
        (format_datetime(datetime.fromtimestamp(WALL + 5, UTC), usegmt=True), 5.0),
        (format_datetime(datetime.fromtimestamp(WALL - 60, UTC), usegmt=True), 0.0),
        ("Wed, 21 Oct 2015 07:28:00 -0000", None),  # no zone: not an HTTP-date
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("000000000000007", 7.0),  # leading zeros are no long delay
        ("999999999", 999_999_999.0),
        ("9" * 10, math.inf),  # longer than any budget
        ("9" * 400, math.inf),  # once OverflowError: a crash, exit 1
        ("9" * 5000, math.inf),  # once ValueError (int's digit limit)
        ("Wed, 21 Oct 99999 07:28:00 GMT", None),
    ],
)
def test_retry_after_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=WALL) == seconds


def test_only_429_and_503_with_retry_after_are_pushback() -> None:
    assert pushback_kind(429, {}) == "rate_limited"
    assert pushback_kind(503, {"Retry-After": "1"}) == "unavailable"
    assert pushback_kind(503, {}) is None  # a server error the rules judge
    assert pushback_kind(500, {"Retry-After": "1"}) is None
    assert pushback_kind(200, {}) is None


def test_backoff_schedule_is_fixed_and_capped() -> None:
    policy = RetryPolicy(backoff=1.0, reset_backoff=0.25, max_backoff=5.0)
    assert [policy.delay(n, answered=True) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert [policy.delay(n, answered=False) for n in range(1, 4)] == [0.25, 0.5, 1.0]


@pytest.mark.parametrize(
    "bad",
    [
        {"max_tries": 0},
        {"max_tries": True},
        {"max_wait": -1},
        {"backoff": float("nan")},
        {"max_wait": math.inf},
    ],
)
def test_policy_refuses_unusable_bounds(bad: dict[str, Any]) -> None:
    with pytest.raises(BadArguments):
        RetryPolicy(**bad)


# --- the governor ---------------------------------------------------------------


def test_retry_after_seconds_is_waited_then_the_same_request_sent_again() -> None:
    fake = FakeTime()
    gov = governor(fake)
    answer = gov.send(script(response(429, "2"), response(503, "1"), response(200)))
    assert answer.response.status_code == 200 and answer.gave_up is None
    assert fake.sleeps == [2.0, 1.0]
    traffic = gov.traffic
    assert (traffic.requests, traffic.rate_limited, traffic.unavailable) == (3, 1, 1)
    assert (traffic.retries, traffic.waited, traffic.gave_up) == (2, 3.0, 0)


def test_an_http_date_is_waited_until() -> None:
    fake = FakeTime()
    when = format_datetime(datetime.fromtimestamp(WALL + 7, UTC), usegmt=True)
    governor(fake).send(script(response(429, when), response(200)))
    assert fake.sleeps == [7.0]


def test_429_without_retry_after_backs_off_exponentially() -> None:
    fake = FakeTime()
    answer = governor(fake).send(script(*[response(429)] * 3, response(200)))
    assert answer.response.status_code == 200
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_503_without_retry_after_is_an_answer() -> None:
    fake = FakeTime()
    gov = governor(fake)
    answer = gov.send(script(response(503)))
    assert answer.response.status_code == 503 and answer.gave_up is None
    assert fake.sleeps == [] and gov.traffic.unavailable == 0


def test_still_429_after_max_tries_is_handed_back_with_the_reason() -> None:
    fake = FakeTime()
    gov = governor(fake, max_tries=3)
    answer = gov.send(script(*[response(429, "0")] * 3))
    assert answer.response.status_code == 429
    assert answer.gave_up is not None and "429 on all 3 tries" in answer.gave_up
    assert fake.sleeps == []  # Retry-After: 0 is a retry at once
    assert (gov.traffic.rate_limited, gov.traffic.retries, gov.traffic.gave_up) == (3, 2, 1)


def test_a_huge_retry_after_is_given_up_at_once_not_a_crash() -> None:
    fake = FakeTime()
    gov = governor(fake, max_duration=60.0)
    answer = gov.send(script(response(429, "9" * 400)))
    assert answer.response.status_code == 429
    assert answer.gave_up is not None and "over 31 years" in answer.gave_up
    assert fake.sleeps == [] and gov.traffic.gave_up == 1


def test_the_waiting_budget_is_per_run() -> None:
    fake = FakeTime()
    gov = governor(fake, max_wait=5.0)
    assert gov.send(script(response(429, "3"), response(200))).gave_up is None
    # 2 s are left: a request asked to wait 3 s is given up at once, without sleeping.
    answer = gov.send(script(response(429, "3")))
    assert answer.gave_up is not None and "waiting budget" in answer.gave_up
    assert fake.sleeps == [3.0]


def test_resets_and_timeouts_are_retried_and_counted() -> None:
    fake = FakeTime()
    gov = governor(fake)
    attempt = script(requests.ConnectionError("reset"), requests.ReadTimeout("slow"), response(200))
    assert gov.send(attempt).response.status_code == 200
    assert fake.sleeps == [0.1, 0.2]
    assert (gov.traffic.resets, gov.traffic.timeouts, gov.traffic.retries) == (1, 1, 2)


def test_no_answer_after_the_bound_raises_with_the_last_error() -> None:
    fake = FakeTime()
    last = requests.ConnectionError("third")
    attempt = script(requests.ConnectionError("1"), requests.ConnectionError("2"), last)
    gov = governor(fake, max_tries=3)
    with pytest.raises(Unanswered) as raised:
        gov.send(attempt)
    assert raised.value.cause is last and "no HTTP response on all 3 tries" in raised.value.reason
    assert (gov.traffic.resets, gov.traffic.unanswered, gov.traffic.gave_up) == (3, 1, 0)


def test_a_connection_that_cannot_open_is_said_at_once_when_asked() -> None:
    refused = requests.ConnectionError(
        MaxRetryError(None, "/", NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    )
    assert never_connected(refused) and not never_connected(requests.ConnectionError("reset"))
    fake = FakeTime()
    with pytest.raises(Unanswered):
        governor(fake).send(script(refused), retry_unconnected=False)
    assert fake.sleeps == []


def test_max_duration_stops_before_sending_and_before_a_long_wait() -> None:
    fake = FakeTime()
    gov = governor(fake, max_duration=3.0)
    with pytest.raises(OutOfTime):
        gov.send(script(response(429, "5")))  # the wait would outlast the run
    assert gov.out_of_time and fake.sleeps == []
    fake.now += 10
    with pytest.raises(OutOfTime):
        gov.send(script())  # nothing is sent past the deadline


# --- the pacer ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "interval"), [("10/s", 0.1), ("600/m", 0.1), ("2.5/s", 0.4), (" 30 / min ", 2.0)]
)
def test_rate_limits_parse(text: str, interval: float) -> None:
    assert RateLimit.parse(text).interval == pytest.approx(interval)


@pytest.mark.parametrize("text", ["0/s", "10", "10/h", "x/s", "-1/s", ""])
def test_bad_rate_limits_are_bad_arguments(text: str) -> None:
    with pytest.raises(BadArguments):
        RateLimit.parse(text)


def test_the_pacer_spaces_request_starts() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit.parse("10/s"), clock=fake.clock, sleep=fake.sleep)
    starts = []
    for _ in range(4):
        pacer.wait_turn()
        starts.append(fake.now)
    fake.now += 1.0  # idle time is no credit beyond the one token
    pacer.wait_turn()
    assert starts == pytest.approx([100.0, 100.1, 100.2, 100.3])
    assert fake.sleeps == pytest.approx([0.1, 0.1, 0.1])
    assert pacer.waited == pytest.approx(0.3)


def test_the_pacer_never_waits_past_max_duration() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit.parse("1/m"), clock=fake.clock, sleep=fake.sleep)
    gov = Governor(pacer=pacer, max_duration=10.0, clock=fake.clock, sleep=fake.sleep)
    assert gov.send(script(response(200))).response.status_code == 200
    with pytest.raises(OutOfTime):
        gov.send(script(response(200)))  # its turn is 60 s away, the run ends in 10
    assert fake.sleeps == []


def test_the_pacer_paces_retries_too() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit.parse("2/s"), clock=fake.clock, sleep=fake.sleep)
    gov = Governor(RetryPolicy(), pacer=pacer, clock=fake.clock, sleep=fake.sleep)
    gov.send(script(response(429, "0"), response(200)))
    assert gov.traffic.requests == 2 and fake.sleeps == pytest.approx([0.5])
    assert gov.traffic.paced == pytest.approx(0.5) and gov.traffic.rate_limit == "2/s"


# --- fuzzing: which verdicts a pushback taints ------------------------------------


def _recorder(cases: dict[str, str | None], statuses: dict[str, int]) -> Any:
    return SimpleNamespace(
        cases={cid: SimpleNamespace(parent_id=parent) for cid, parent in cases.items()},
        checks={cid: [] for cid in cases},
        interactions={
            cid: SimpleNamespace(
                response=SimpleNamespace(
                    status_code=status, headers={"retry-after": ["1"]} if status == 503 else {}
                )
            )
            for cid, status in statuses.items()
        },
    )


def test_a_pushed_back_case_taints_its_family_only() -> None:
    recorder = _recorder(
        {"a": None, "a1": "a", "b": None, "b1": "b", "c": None},
        {"a": 200, "a1": 429, "b": 200, "b1": 401, "c": 503},
    )
    assert _pushed_back_cases(recorder) == {"a", "a1", "c"}
    assert _pushed_back_cases(_recorder({"x": None}, {"x": 200})) == set()


# --- interpose: Schemathesis' sessions through the governor -------------------------


class _FirstIs429:
    """A WSGI app answering its first request 429 (`Retry-After: 0`), then 200."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        status = "429 Too Many Requests" if self.calls == 1 else "200 OK"
        start_response(status, [("Content-Length", "2"), ("Retry-After", "0")])
        return [b"{}"]


def test_governed_routes_the_target_origin_only_and_puts_requests_back() -> None:
    original = HTTPAdapter.send
    target, other = _FirstIs429(), _FirstIs429()
    gov = Governor()
    with (
        serving(target) as target_url,
        serving(other) as other_url,
        pytest.raises(RuntimeError),
        governed(target_url, gov),
    ):
        assert HTTPAdapter.send is not original
        # Any session, as Schemathesis makes its own: the 429 is waited out below it.
        assert requests.Session().get(target_url, timeout=10).status_code == 200
        assert requests.get(other_url, timeout=10).status_code == 429  # not ours
        raise RuntimeError("the engine crashed")
    assert HTTPAdapter.send is original
    assert (target.calls, other.calls) == (2, 1)
    assert (gov.traffic.requests, gov.traffic.rate_limited) == (2, 1)


# --- --max-duration bounds a body that trickles in ----------------------------------


BODY = b'{"items":[],"total":0,"page":1,"page_size":1}' + b" " * 34  # 80 bytes


@contextmanager
def _dripping(interval: float = 0.05) -> Iterator[str]:
    """A raw socket server: a 200 header at once, then the body a byte every `interval`.

    Every read of the socket is quick, so requests' per-read timeout never fires:
    only a deadline for the whole answer stops it (4 s without one).  A socket,
    not a WSGI server, so that nothing buffers the bytes.
    """
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(BODY)}\r\nConnection: close\r\n\r\n"
            )
            try:
                conn.sendall(head.encode())
                for index in range(len(BODY)):
                    if stop.wait(interval):
                        return
                    conn.sendall(BODY[index : index + 1])
            except OSError:  # the client hung up: what a deadline does
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_the_client_stops_a_trickling_body_at_max_duration() -> None:
    with _dripping() as url:
        client = Client(url, default_key="k", timeout=5.0, governor=Governor(max_duration=0.5))
        started = time.monotonic()
        with pytest.raises(OutOfTime):
            client.get()
        elapsed = time.monotonic() - started
        client.close()
    assert elapsed < 2.0, elapsed


def test_a_governed_session_stops_a_trickling_body_at_max_duration() -> None:
    with _dripping() as url, governed(url, Governor(max_duration=0.5)):
        started = time.monotonic()
        with pytest.raises(OutOfTime):
            requests.get(url + "/me/billing/transactions", timeout=5)
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed


def test_a_body_read_in_pieces_is_the_whole_content() -> None:
    """Without a deadline the streamed read gives back every byte, as `.content` would."""
    with _dripping(interval=0.002) as url:
        client = Client(url, default_key="k", timeout=5.0)
        exchange = client.get()
        client.close()
    assert exchange.status == 200 and exchange.content == BODY
    assert exchange.body["total"] == 0


# --- interpose: what it saves and puts back, and which origin it routes ------------


def test_governed_calls_and_restores_the_method_in_place_when_it_begins() -> None:
    real = HTTPAdapter.send
    calls: list[str] = []

    def earlier_patch(
        self: HTTPAdapter, request: requests.PreparedRequest, *a: Any, **k: Any
    ) -> Any:
        calls.append(request.url or "")
        return real(self, request, *a, **k)

    try:
        HTTPAdapter.send = earlier_patch  # type: ignore[method-assign]
        with serving(_FirstIs429()) as url, governed(url, Governor()):
            assert requests.get(url, timeout=10).status_code == 200
        assert HTTPAdapter.send is earlier_patch  # put back, not requests' own
        assert len(calls) == 2  # the 429 and its retry, both through the patch
    finally:
        HTTPAdapter.send = real  # type: ignore[method-assign]


def test_governed_leaves_a_later_patch_alone() -> None:
    real = HTTPAdapter.send

    def later_patch(self: HTTPAdapter, *a: Any, **k: Any) -> Any:
        return real(self, *a, **k)

    try:
        with governed("http://127.0.0.1:9/api/v1", Governor()):
            HTTPAdapter.send = later_patch  # type: ignore[method-assign]
        assert HTTPAdapter.send is later_patch
    finally:
        HTTPAdapter.send = real  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("base_url", "request_url"),
    [
        ("http://bücher.example/api/v1", "http://xn--bcher-kva.example/api/v1/x"),
        ("HTTP://Example.COM:80/api/v1", "http://example.com/api/v1/x"),
        ("https://example.com:443", "https://example.com/x"),
    ],
)
def test_the_target_origin_is_matched_as_requests_prepares_it(
    base_url: str, request_url: str
) -> None:
    gov = Governor()
    with governed(base_url, gov):
        assert _governor_for(request_url) is gov
        assert _governor_for("http://other.example/x") is None
