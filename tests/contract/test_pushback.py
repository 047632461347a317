"""Real services push back: the suite against `ledger-mock serve --enable-control` with
the mock's own faults (CONTRACT §5: latency, `429 rate_limit_error`, `503` with
`Retry-After`, dropped connections, injected through the control API).

A rate limit on a share of requests once made `check` report ten rules
VIOLATED.  Here the verdict under faults must equal the fault-free verdict,
and the report's pushback counts must equal what the mock's journal says it
did; a target that never stops pushing back is "could not check" (exit 2),
never violated; `--rate-limit` is measured at the server; `--max-duration`
stops the run with what it did not check marked so.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from contract_tests import Report, Status, junit_xml, run_check
from contract_tests.cli import check
from mockserver import create_app
from tests.broken.harness import serving
from tests.servers import running_mock

KEYS: dict[str, Any] = {
    "api_key": "bsk_test_default",
    "second_key": "bsk_test_default_2",
    "other_account_key": "bsk_test_docs",
    "revoked_key": "bsk_test_revoked",
}
CLI_KEYS = [arg for name, key in KEYS.items() for arg in (f"--{name.replace('_', '-')}", key)]
EXAMPLES = 10  # every Schemathesis check still runs; the default (60) is for -m slow
FAST = 0.04  # back-off base for drops: keeps the resets' retries short


@pytest.fixture(scope="module")
def controlled() -> Iterator[str]:
    """`ledger-mock serve --enable-control` as a real process; its base URL."""
    with running_mock("--enable-control") as url:
        yield url


def _control(base_url: str, method: str, what: str, body: Any = None) -> Any:
    root = base_url.removesuffix("/api/v1") + "/__mock/"
    answer = requests.request(method, root + what, json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json()


def _faults(base_url: str, *faults: dict[str, Any]) -> None:
    """Forget the journal and every fault, then add `faults` (counted from the next request)."""
    _control(base_url, "POST", "reset")
    for fault in faults:
        _control(base_url, "POST", "faults", fault)


def _journal(base_url: str) -> Counter[tuple[str | None, int | None]]:
    """(fault, status) of every request the mock saw since the last reset."""
    journal = _control(base_url, "GET", "journal")
    assert journal["dropped"] == 0
    return Counter((row["fault"], row["status"]) for row in journal["requests"])


def _statuses(report: Report) -> dict[str, Status]:
    return {result.rule_id: result.status for result in report.results}


@pytest.fixture(scope="module")
def fault_free(controlled: str) -> Report:
    """The verdict without faults: the reference every faulty run must give too."""
    _faults(controlled)
    report = run_check(base_url=controlled, max_examples=EXAMPLES, **KEYS)
    assert report.exit_code == 0, report.to_text()
    assert report.traffic.pushed_back == 0 and report.traffic.retries == 0
    return report


def test_rate_limits_and_latency_leave_the_verdict_unchanged(
    controlled: str, fault_free: Report
) -> None:
    _faults(
        controlled,
        {"kind": "rate_limit", "fraction": 0.05, "seed": 11, "retry_after": 0},
        {"kind": "unavailable", "fraction": 0.02, "seed": 12, "retry_after": 0},
        {"kind": "latency", "fraction": 0.05, "seed": 13, "delay": 0.02},
    )
    report = run_check(base_url=controlled, max_examples=EXAMPLES, **KEYS)
    assert _statuses(report) == _statuses(fault_free), report.to_text()
    assert report.exit_code == 0 and report.violations == []
    seen = _journal(controlled)
    traffic = report.traffic
    # What the mock did, the report says: every 429 and 503 was waited out, none read.
    assert traffic.rate_limited == seen["rate_limit", 429] >= 5
    assert traffic.unavailable == seen["unavailable", 503] >= 1
    assert traffic.retries == traffic.rate_limited + traffic.unavailable
    assert traffic.gave_up == 0 and traffic.resets == traffic.timeouts == 0
    text = report.to_text()
    assert f"{traffic.rate_limited} x 429, {traffic.unavailable} x 503" in text
    suite = ET.fromstring(junit_xml(report)).find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["traffic.rate_limited_429"] == str(traffic.rate_limited)
    assert report.to_dict()["traffic"]["unavailable_503"] == traffic.unavailable


def test_dropped_connections_are_retried(controlled: str, fault_free: Report) -> None:
    _faults(controlled, {"kind": "drop", "fraction": 0.03, "seed": 14})
    report = run_check(base_url=controlled, max_examples=EXAMPLES, backoff=FAST, **KEYS)
    assert _statuses(report) == _statuses(fault_free), report.to_text()
    assert report.traffic.resets == _journal(controlled)["drop", None] >= 3
    assert report.traffic.retries == report.traffic.resets and report.traffic.gave_up == 0


def test_a_target_that_always_pushes_back_could_not_be_checked(controlled: str) -> None:
    _faults(controlled, {"kind": "rate_limit", "retry_after": 0})
    result = CliRunner().invoke(
        check, ["--base-url", controlled, *CLI_KEYS, "--max-tries", "3"], env={}
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "429 on all 3 tries" in lines[0], result.stderr
    assert "VIOLATED" not in result.stdout
    assert _journal(controlled)["rate_limit", 429] == 3


def test_pushback_past_the_bound_is_could_not_check_never_violated(controlled: str) -> None:
    """From the 60th request on the target answers only 429: the run goes on, and every
    rule of a check it interrupted is ERROR with the reason, none VIOLATED."""
    _faults(controlled, {"kind": "rate_limit", "retry_after": 0, "nth": list(range(60, 1060))})
    report = run_check(base_url=controlled, fuzz=False, max_tries=2, **KEYS)
    assert report.exit_code == 2
    assert report.violations == [], report.to_text()
    errors = [r for r in report.results if r.status is Status.ERROR]
    assert len(errors) >= 20
    assert all("could not check" in (r.reason or "") for r in errors)
    assert all("429 on all 2 tries" in (r.reason or "") for r in errors)
    assert report.traffic.gave_up >= 1
    assert report.traffic.rate_limited == _journal(controlled)["rate_limit", 429]
    summary = report.error_summary()
    assert summary is not None and "could not check" in summary
    suite = ET.fromstring(junit_xml(report)).find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    assert suite.get("errors") == str(len(errors))


def test_a_target_that_stops_answering_stops_the_run_unjudged(controlled: str) -> None:
    """From the 60th request on every connection drops: not `HTTP-RESPONDS`'s violation
    (the target answers nothing, not one request), but a run stopped with the rest
    "could not check"."""
    _faults(controlled, {"kind": "drop", "nth": list(range(60, 1060))})
    report = run_check(base_url=controlled, fuzz=False, max_tries=2, backoff=FAST, **KEYS)
    assert report.exit_code == 2 and report.violations == [], report.to_text()
    errors = {r.rule_id: r.reason or "" for r in report.results if r.status is Status.ERROR}
    assert "HTTP-RESPONDS" in errors and "PAGE-CONCAT" in errors
    assert all("the target stopped answering" in reason for reason in errors.values())
    assert report.traffic.unanswered == 2  # the check's request, then the probe of life
    assert report.traffic.resets == _journal(controlled)["drop", None] == 4


def test_max_duration_stops_the_run_and_nothing_unchecked_passes(
    controlled: str, fault_free: Report
) -> None:
    _faults(controlled)
    started = time.monotonic()
    # Paced to 100/s, the ~330 requests of the stateful checks outlast 0.5 s for sure.
    report = run_check(base_url=controlled, max_duration=0.5, rate_limit="100/s", **KEYS)
    assert time.monotonic() - started < 5  # stopped, not run to the end (~3 s and more)
    assert report.exit_code == 2
    errors = {r.rule_id: r.reason or "" for r in report.results if r.status is Status.ERROR}
    assert errors and all("--max-duration of 0.5 s" in reason for reason in errors.values())
    assert "OPENAPI-NO-SERVER-ERROR" in errors and "HTTP-RESPONDS" in errors
    passed = {r.rule_id for r in report.results if r.status is Status.PASSED}
    assert passed < {r.rule_id for r in fault_free.results if r.status is Status.PASSED}
    assert report.violations == []
    assert report.traffic.requests <= 0.5 * 100 + 1


def test_cli_max_duration_and_rate_limit(controlled: str) -> None:
    _faults(controlled)
    result = CliRunner().invoke(
        check,
        ["--base-url", controlled, *CLI_KEYS, "--max-duration", "1", "--rate-limit", "50/s"],
        env={},
    )
    assert result.exit_code == 2, result.output
    assert "--max-duration of 1 s" in result.stderr and len(result.stderr.splitlines()) == 1
    assert "paced to 50/s" in result.stdout
    sent = sum(_journal(controlled).values())
    assert 10 <= sent <= 50 * 1 + 2  # a measurement: the unpaced suite sends ~300 in 1 s


@pytest.mark.parametrize("bad", ["fast", "0/s", "10/h"])
def test_cli_bad_rate_limit_is_one_line(bad: str) -> None:
    result = CliRunner().invoke(
        check, ["--base-url", "http://127.0.0.1:9/api/v1", "--api-key", "k", "--rate-limit", bad]
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "rate limit" in result.stderr


# --- --rate-limit, measured at the server -----------------------------------------


class Arrivals:
    """WSGI middleware noting when each request arrives and who sent it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            self.seen.append((time.monotonic(), str(environ.get("HTTP_USER_AGENT", ""))))
        return self.app(environ, start_response)


def test_rate_limit_keeps_the_whole_run_fuzzing_included_under_the_rate() -> None:
    rate = 100.0
    arrivals = Arrivals(create_app())
    with serving(arrivals) as base_url:
        report = run_check(
            base_url=base_url,
            api_key="bsk_test_docs",
            profile="documented",
            max_examples=1,
            rate_limit=f"{rate:g}/s",
        )
    assert report.exit_code == 0, report.to_text()
    times = [when for when, _ in arrivals.seen]
    fuzzed = [when for when, agent in arrivals.seen if agent.startswith("schemathesis")]
    assert len(times) == report.traffic.requests > 150
    assert len(fuzzed) >= 10  # Schemathesis' requests are paced by the same pacer
    window = 40  # unpaced, 40 requests arrive within ~0.1 s
    shortest = min(times[i + window] - times[i] for i in range(len(times) - window))
    assert shortest >= window / rate - 0.1
    assert (len(fuzzed) - 1) / (fuzzed[-1] - fuzzed[0]) <= rate * 1.1
    assert (len(times) - 1) / (times[-1] - times[0]) <= rate * 1.02
    assert report.traffic.paced > 0


# --- the set-up: 5 % of requests rate-limited with Retry-After: 1 -------------


@pytest.mark.slow
def test_five_percent_rate_limited_gives_the_fault_free_verdict(controlled: str) -> None:
    """The reported run (defaults, fuzzing at 60 examples): once ten rules VIOLATED."""
    _faults(controlled)
    clean = run_check(base_url=controlled, **KEYS)
    _faults(controlled, {"kind": "rate_limit", "fraction": 0.05, "seed": 5, "retry_after": 1})
    report = run_check(base_url=controlled, **KEYS)
    assert _statuses(report) == _statuses(clean), report.to_text()
    assert report.exit_code == clean.exit_code == 0
    assert report.traffic.rate_limited == _journal(controlled)["rate_limit", 429] >= 10
    assert report.traffic.waited == pytest.approx(report.traffic.rate_limited)
