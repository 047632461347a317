"""`--rate-limit N/s`: one pace for every request of a run, Schemathesis' included.

A real deployment may meter its clients; a checker that outruns the meter
spends its run waiting out 429s.  The pacer spaces the *starts* of requests at
least `1/rate` seconds apart (a token bucket holding one token), shared by the
stateful checks and the fuzzing phase so that the whole run stays under the
rate, whoever sends.  The clock and the sleep are injected, so tests can run
it without waiting.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from contract_tests.errors import BadArguments

__all__ = ["Pacer", "RateLimit"]

_RATE = re.compile(r"(?P<count>\d+(?:\.\d+)?)\s*/\s*(?P<unit>s|sec|second|m|min|minute)")
_PER = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `count` requests per `per` seconds."""

    count: float
    per: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """`"10/s"`, `"600/m"`, `"2.5/s"`; `BadArguments` for anything else."""
        match = _RATE.fullmatch(text.strip().lower())
        if match is None:
            raise BadArguments(f"a rate limit is N/s or N/m (e.g. 10/s), got {text!r}")
        count = float(match["count"])
        if count <= 0:
            raise BadArguments(f"a rate limit needs a positive number of requests, got {text!r}")
        return cls(count, _PER[match["unit"]])

    @property
    def interval(self) -> float:
        """Seconds between the starts of two requests."""
        return self.per / self.count

    def __str__(self) -> str:
        unit = "s" if self.per == 1.0 else "m"
        return f"{self.count:g}/{unit}"


class Pacer:
    """Hands out request starts no closer than `limit.interval` (thread-safe)."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: float | None = None
        self.waited = 0.0

    def reserve(self) -> float:
        """Take the next start; return how long to wait for it (the caller waits)."""
        with self._lock:
            now = self._clock()
            start = now if self._next is None else max(now, self._next)
            self._next = start + self.limit.interval
            delay = start - now
            self.waited += delay
        return delay

    def wait_turn(self) -> float:
        """Block until this request may start; return how long it waited."""
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)
        return delay
