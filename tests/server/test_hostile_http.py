"""CONTRACT.md §1 against hostile clients, on a real ``serve`` (both server flavours).

Every answer is ``application/json`` (a JSON page or the error envelope), even to
bytes that are not HTTP; never a ``5xx`` for client garbage; a malformed start
gets its JSON ``400`` and the connection is closed at once, never held open;
the server never dies; and a normal client is answered within 1 s throughout
any attack. The attacks themselves live in ``tests/hostile.py`` (also a
command-line tool: ``python tests/hostile.py --host 127.0.0.1 --port N``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest

from mockserver.http.limits import HEAD_TIMEOUT as HEADER_TIMEOUT
from mockserver.http.limits import IDLE_TIMEOUT
from tests import hostile
from tests.servers import running_mock

# The server's promises (a head within HEADER_TIMEOUT, idle sockets closed after
# IDLE_TIMEOUT) come from mockserver.http.limits, the one place the server reads them.
GRACE = 1.5  # s of slack on either timeout (scheduling, a loaded CI machine)

CASE_DEADLINE = 2.0  # s a catalogue case waits for its answer (a good server: milliseconds)
CONCURRENCY = 8  # catalogue cases in flight at once
FLOOD = 2000  # idle connections held while a normal client is served
FAIR = hostile.FAIR_LATENCY  # s: a normal client is answered within this, throughout
PROBE_TIMEOUT = 3.0  # s: a probe with no answer by then counts as a death

FLAVOURS = {"serve": (), "serve-control": ("--enable-control",)}


class Served:
    """A running server's address, and a way to stop it and see it exit cleanly."""

    def __init__(self, stack: ExitStack, base_url: str) -> None:
        address = urlsplit(base_url)
        assert address.hostname and address.port, base_url
        self.host: str = address.hostname
        self.port: int = address.port
        self._stack = stack

    def stop(self) -> None:
        """SIGTERM; ``running_mock`` asserts exit status 0 and no traceback on stderr."""
        self._stack.close()  # idempotent: a second call has nothing left to close


@pytest.fixture(scope="module", params=list(FLAVOURS))
def server(request: pytest.FixtureRequest) -> Iterator[Served]:
    """A real ``ledger-mock serve`` (plain, or with the control API)."""
    hostile.raise_nofile_limit()  # before the server starts: it inherits the limit
    with ExitStack() as stack:
        served = Served(stack, stack.enter_context(running_mock(*FLAVOURS[request.param])))
        yield served
        served.stop()


def _report(problems: list[str], summary: str = "") -> str:
    return "\n".join([f"{len(problems)} failure(s):", *problems, summary])


# --- the catalogue ------------------------------------------------------------------------


def test_catalogue_has_85_distinct_cases() -> None:
    """At least 85 cases, no two with the same name or sending the same bytes the same way."""
    cases = hostile.catalogue()
    assert len(cases) >= 85
    assert len({c.name for c in cases}) == len(cases)
    assert len({(c.data, c.mode) for c in cases}) == len(cases), "two cases send the same"


def test_every_catalogue_case_is_answered_with_json(server: Served) -> None:
    """0 hangs, 0 non-JSON, 0 5xx, 0 silent closes, 0 deaths, probes within 1 s: all cases."""
    host, port = server.host, server.port
    report = hostile.run_catalogue(
        host, port, deadline=CASE_DEADLINE, concurrency=CONCURRENCY, probe_timeout=PROBE_TIMEOUT
    )
    assert not report.problems(), _report(report.problems(), report.summary())


@pytest.mark.slow
@pytest.mark.parametrize("case", hostile.catalogue(), ids=lambda c: c.name)
def test_catalogue_case_alone(server: Served, case: hostile.Case) -> None:
    """One case at a time, a longer deadline, a probe right after: pins each failure."""
    host, port = server.host, server.port
    report = hostile.run_catalogue(
        host,
        port,
        [case],
        deadline=3 * CASE_DEADLINE,
        concurrency=1,
        probe_timeout=2 * PROBE_TIMEOUT,
    )
    assert not report.problems(), _report(report.problems(), report.summary())


# --- slow sockets ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_report(server: Served) -> hostile.SlowReport:
    """One-byte, slowloris, silent and never-reading sockets, held until the timeouts."""
    host, port = server.host, server.port
    return hostile.slow_attacks(
        host,
        port,
        one_byte=20,
        slowloris=10,
        silent=20,
        non_readers=2,
        non_reader_requests=200,  # ~8 MB of answers each: more than the socket buffers hold
        hold=3.0,
        header_timeout=HEADER_TIMEOUT,
        idle_timeout=IDLE_TIMEOUT,  # a connection that never sent a byte is idle
        grace=GRACE,
        probe_timeout=PROBE_TIMEOUT,
    )


def test_slow_sockets_do_not_starve_normal_clients(slow_report: hostile.SlowReport) -> None:
    """While they are held, and until the server closes them, probes get a 200 within 1 s."""
    stats = hostile.ProbeStats.of(slow_report.probes)
    problems = slow_report.probe_problems()
    if stats.count < 5:
        problems.append(f"only {stats.count} probes could be made")
    assert not problems, _report(problems, "\n".join(g.line() for g in slow_report.groups))


def test_slow_sockets_are_closed_by_the_server_timeouts(slow_report: hostile.SlowReport) -> None:
    """One-byte and slowloris sockets by the header timeout, silent ones by the idle timeout."""
    problems = slow_report.close_problems()
    assert not problems, _report(problems, "\n".join(g.line() for g in slow_report.groups))


# --- the idle flood --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flood_report(server: Served) -> hostile.FloodReport:
    """``FLOOD`` idle connections, probed, then watched until the idle timeout closes them."""
    host, port = server.host, server.port
    return hostile.idle_flood(
        host,
        port,
        FLOOD,
        probes=3,
        idle_timeout=IDLE_TIMEOUT,
        grace=GRACE,
        probe_timeout=PROBE_TIMEOUT,
    )


def test_idle_flood_normal_client_gets_a_200_within_1s(flood_report: hostile.FloodReport) -> None:
    """All ``FLOOD`` connect; a normal client gets a real 200 (not a 503) within 1 s."""
    report = flood_report
    problems = report.service_problems()
    assert report.connected == FLOOD, report.line()
    assert report.answered_within(FAIR) and not problems, _report(problems, report.line())


def test_idle_flood_sockets_are_closed_after_the_idle_timeout(
    flood_report: hostile.FloodReport,
) -> None:
    """Every idle socket of the flood is closed by the server by ``IDLE_TIMEOUT + GRACE``."""
    report = flood_report
    problems = report.close_problems()
    assert report.closed == report.connected and not problems, _report(problems, report.line())


# --- last, for each flavour -------------------------------------------------------------------


def test_server_exits_cleanly_after_the_attacks(server: Served) -> None:
    """Still alive after everything above, it stops on SIGTERM with status 0, no traceback."""
    alive = hostile.probe_result(server.host, server.port, timeout=PROBE_TIMEOUT)
    server.stop()
    assert alive.ok, f"a normal client after the attacks: {alive.error}"
