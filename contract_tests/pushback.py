"""Real services push back: wait, retry the same request, and count it.

Pointed at a real deployment the suite meets rate limits.  A `429` (or a
`503` that says when to come back with `Retry-After`) is the target asking
for time, not an answer about the contract: read as an answer it once made a
run report ten rules violated against a service that was merely metering it.
So every request of a run, the stateful checks' and Schemathesis', goes
through one `Governor`, which

- waits and sends the same request again on `429`, and on `503` with
  `Retry-After` (delay-seconds or an HTTP-date); a `429` without it backs
  off exponentially on a fixed schedule (no jitter: a run is reproducible);
- does the same when a request gets no answer at all (a reset connection, a
  timeout): the suite sends no bodies, and by the contract every method but
  GET and HEAD is a `405` that changes nothing, so sending again is harmless;
- bounds both: tries per request, seconds of waiting per run, and the run's
  `--max-duration` (`OutOfTime`);
- counts what happened (`Traffic`), for the report.

A `503` *without* `Retry-After` is an ordinary answer (a server error the
rules judge), never retried.  A request still pushed back after the bound is
handed back with the reason (`Answer.gave_up`): the callers make the rules
that needed it "could not check", never violated.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import requests
from requests.exceptions import ChunkedEncodingError
from urllib3.exceptions import MaxRetryError, NewConnectionError

from contract_tests.errors import BadArguments, ContractSuiteError
from contract_tests.pacing import Pacer

__all__ = [
    "Answer",
    "Governor",
    "OutOfTime",
    "RetryPolicy",
    "Traffic",
    "Unanswered",
    "never_connected",
    "pushback_kind",
    "retry_after_seconds",
]

# What "no answer" looks like through requests (ConnectTimeout is both of the first two).
NO_ANSWER = (requests.ConnectionError, requests.Timeout, ChunkedEncodingError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard a run insists.

    `max_tries` counts the first attempt; `max_wait` bounds the seconds slept
    before retries over the whole run.  Back-off doubles from `backoff` (a
    `429` without `Retry-After`) or `reset_backoff` (no answer), capped at
    `max_backoff`: 1, 2, 4, 8 s and 0.1, 0.2, 0.4, 0.8 s with the defaults (a reset
    is most often a stale pooled connection or a blip, and a test run should not
    sit out seconds for each).
    """

    max_tries: int = 5
    max_wait: float = 300.0
    backoff: float = 1.0
    reset_backoff: float = 0.1
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        if isinstance(self.max_tries, bool) or not isinstance(self.max_tries, int):
            raise BadArguments(f"max_tries must be an integer, got {self.max_tries!r}")
        if self.max_tries < 1:
            raise BadArguments(f"max_tries must be >= 1, got {self.max_tries}")
        for name in ("max_wait", "backoff", "reset_backoff", "max_backoff"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not value >= 0
            ):
                raise BadArguments(f"{name} must be a finite number of seconds >= 0, got {value!r}")

    def delay(self, retry: int, *, answered: bool) -> float:
        """The back-off before retry number `retry` (1-based)."""
        base = self.backoff if answered else self.reset_backoff
        return float(min(self.max_backoff, base * 2 ** (retry - 1)))


# Delay-seconds past this many digits (over 31 years) outlast any waiting budget;
# read whole, a long digit string overflows a float (or Python's int parsing limit).
MAX_DELAY_DIGITS = 9


def retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """Seconds a `Retry-After` value asks for (`now`: the wall clock, epoch seconds).

    Delay-seconds or an HTTP-date (a date in the past means at once); `None`
    when absent or unreadable; infinity for delay-seconds too long to read
    (more than any budget: the request is given up, never waited for).
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0")
        if len(digits) > MAX_DELAY_DIGITS:
            return math.inf
        return float(int(digits or "0"))
    try:
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:  # "-0000": no zone given; HTTP-dates are GMT
            return None
        return max(0.0, when.timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def pushback_kind(status: int, headers: Any) -> str | None:
    """`"rate_limited"` (429), `"unavailable"` (503 with `Retry-After`), else `None`."""
    if status == 429:
        return "rate_limited"
    if status == 503 and headers.get("Retry-After") is not None:
        return "unavailable"
    return None


def never_connected(error: BaseException) -> bool:
    """True when no connection could be opened at all (refused, unknown host), as opposed
    to one that was reset or timed out once open."""
    stack: list[BaseException] = [error]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return True
        if isinstance(current, MaxRetryError) and current.reason is not None:
            stack.append(current.reason)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


class OutOfTime(ContractSuiteError):
    """The run reached its `--max-duration`: what is not checked yet stays unchecked."""

    def __init__(self, max_duration: float) -> None:
        super().__init__(f"the run reached its --max-duration of {max_duration:g} s")
        self.max_duration = max_duration


class Unanswered(Exception):
    """No answer after the bound: `cause` is the last `requests` error, `reason` why we stopped."""

    def __init__(self, cause: Exception, reason: str) -> None:
        super().__init__(reason)
        self.cause = cause
        self.reason = reason


class Answer(NamedTuple):
    """A response, and why the governor stopped retrying if it is still a pushback."""

    response: requests.Response
    gave_up: str | None = None


@dataclass(frozen=True, slots=True)
class Traffic:
    """What the target made the run do: the report's pushback figures."""

    requests: int = 0  # attempts sent, retries included
    rate_limited: int = 0
    unavailable: int = 0
    resets: int = 0
    timeouts: int = 0
    retries: int = 0
    gave_up: int = 0  # still pushed back after the bound
    unanswered: int = 0  # still no answer after the bound
    waited: float = 0.0
    paced: float = 0.0
    rate_limit: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def pushed_back(self) -> int:
        """Answers and failures that made the run wait (429, 503 + Retry-After, none)."""
        return self.rate_limited + self.unavailable + self.resets + self.timeouts

    def summary(self) -> str:
        """One line for the text report."""
        text = (
            f"{self.requests} requests; pushback: {self.rate_limited} x 429, "
            f"{self.unavailable} x 503 (Retry-After), {self.resets} connection resets, "
            f"{self.timeouts} timeouts; {self.retries} retried, {self.gave_up} given up, "
            f"{self.unanswered} unanswered; "
            f"waited {self.waited:.1f} s (budget {self.policy.max_wait:g} s, "
            f"{self.policy.max_tries} tries a request)"
        )
        if self.rate_limit is not None:
            text += f"; paced to {self.rate_limit}: {self.paced:.1f} s"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "requests": self.requests,
            "rate_limited_429": self.rate_limited,
            "unavailable_503": self.unavailable,
            "connection_resets": self.resets,
            "timeouts": self.timeouts,
            "retries": self.retries,
            "gave_up": self.gave_up,
            "unanswered": self.unanswered,
            "waited_seconds": round(self.waited, 3),
            "paced_seconds": round(self.paced, 3),
            "rate_limit": self.rate_limit,
            "max_tries": self.policy.max_tries,
            "max_wait_seconds": self.policy.max_wait,
        }


class Governor:
    """Sends through `attempt` callables under one policy, pace and deadline (thread-safe)."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        pacer: Pacer | None = None,
        max_duration: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.pacer = pacer
        self.max_duration = max_duration
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._deadline = None if max_duration is None else clock() + max_duration
        self._lock = threading.Lock()
        self._traffic = Traffic(
            policy=self.policy, rate_limit=None if pacer is None else str(pacer.limit)
        )
        self.out_of_time = False

    @property
    def traffic(self) -> Traffic:
        """The figures so far."""
        with self._lock:
            paced = 0.0 if self.pacer is None else self.pacer.waited
            return replace(self._traffic, paced=paced)

    def remaining(self) -> float | None:
        """Seconds left before `--max-duration`, or `None` without one."""
        if self._deadline is None:
            return None
        return self._deadline - self._clock()

    def check_time(self) -> None:
        """Raise `OutOfTime` once the run's deadline has passed."""
        left = self.remaining()
        if left is not None and left <= 0:
            self._out_of_time()

    def send(
        self, attempt: Callable[[], requests.Response], *, retry_unconnected: bool = True
    ) -> Answer:
        """Send, retrying pushback and silence within the bounds.

        Returns the first answer that is no pushback, or the last pushback with
        the reason the governor stopped; raises `Unanswered` after the bound
        when no attempt got an answer (at once, with `retry_unconnected=False`,
        when no connection could be opened at all), `OutOfTime` past the deadline.
        """
        tries = 0
        while True:
            self.check_time()
            if self.pacer is not None:
                self._pace()
            tries += 1
            self._add(requests=1)
            try:
                response = attempt()
            except NO_ANSWER as error:
                timeout = isinstance(error, requests.Timeout)
                self._add(**{"timeouts" if timeout else "resets": 1})
                what = "timed out" if timeout else "got no HTTP response"
                delay = self.policy.delay(tries, answered=False)
                if not retry_unconnected and never_connected(error):
                    stop: str | None = "no connection could be opened"
                else:
                    stop = self._stop_reason(tries, delay, what)
                if stop is not None:
                    self._add(unanswered=1)
                    raise Unanswered(error, stop) from error
                self._wait(delay)
                continue
            kind = pushback_kind(response.status_code, response.headers)
            if kind is None:
                return Answer(response)
            self._add(**{kind: 1})
            asked = retry_after_seconds(response.headers.get("Retry-After"), now=self._wall())
            delay = self.policy.delay(tries, answered=True) if asked is None else asked
            stop = self._stop_reason(tries, delay, f"was answered {response.status_code}", asked)
            if stop is not None:
                self._add(gave_up=1)
                return Answer(response, stop)
            _discard(response)
            self._wait(delay)

    def _stop_reason(
        self, tries: int, delay: float, what: str, asked: float | None = None
    ) -> str | None:
        """Why not to retry (`None`: retry after `delay`); `OutOfTime` if the wait would
        outlast the run."""
        if tries >= self.policy.max_tries:
            return f"the request {what} on all {tries} tries (--max-tries {self.policy.max_tries})"
        with self._lock:
            left = self.policy.max_wait - self._traffic.waited
        if delay > left:
            if asked is not None:
                shown = f"{asked:g} s" if math.isfinite(asked) else "a delay of over 31 years"
                return (
                    f"the request {what} with Retry-After: {shown}, more than the "
                    f"{max(left, 0):.1f} s left of the run's waiting budget "
                    f"({self.policy.max_wait:g} s)"
                )
            return (
                f"the request {what} and the run's waiting budget "
                f"({self.policy.max_wait:g} s) is spent"
            )
        remaining = self.remaining()
        if remaining is not None and delay >= remaining:
            self._out_of_time()
        return None

    def _pace(self) -> None:
        """Wait for this request's turn under `--rate-limit`, never past the deadline."""
        assert self.pacer is not None
        delay = self.pacer.reserve()
        remaining = self.remaining()
        if remaining is not None and delay >= remaining:
            self._out_of_time()
        if delay > 0:
            self._sleep(delay)

    def _wait(self, delay: float) -> None:
        self._add(retries=1, waited=delay)
        if delay > 0:
            self._sleep(delay)

    def _add(self, **counts: float) -> None:
        with self._lock:
            changes = {name: getattr(self._traffic, name) + value for name, value in counts.items()}
            self._traffic = replace(self._traffic, **changes)

    def _out_of_time(self) -> None:
        self.out_of_time = True
        assert self.max_duration is not None
        raise OutOfTime(self.max_duration)


def _discard(response: requests.Response) -> None:
    """Read and release a pushback answer so its connection can carry the retry."""
    try:
        _ = response.content
    except requests.RequestException:
        pass
    finally:
        response.close()
