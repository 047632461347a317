"""Broken implementations behind a rate limiter are still caught, for the same rules.

Waiting out pushback must not hide a defect: each fake from `tests/broken`
is checked twice, bare and behind `PushBack` (a deterministic layer that
answers a share of requests 429 or 503 with `Retry-After`, or 429 without
it), and both verdicts must name the same violated rules, with nothing
"could not check".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import pytest

from contract_tests import Report, run_check
from tests.broken import DEFECTS, Defect
from tests.broken.harness import SEED, serving
from tests.broken.wsgi import WSGIApp

# One or two per area, the named victims (PARAM-ERROR-ORDER, KIND-400) among
# them, a dropped connection (HTTP-RESPONDS) and one found by fuzzing.
CHOSEN = (
    "errors-in-query-order",
    "kind-case-insensitive",
    "huge-page-drops-connection",
    "balance-off-by-a-cent",
    "html-404",
    "offset-int32-overflow-documented",
)
QUICK = ("huge-page-drops-connection", "balance-off-by-a-cent")
FAST = 0.02  # back-off base: a drop's retries stay short


class PushBack:
    """Answers every `every`-th request itself: 429 with `Retry-After: 0`, then 503 with
    it, then 429 without it, in turn; the rest reach the app (counted, thread-safe)."""

    def __init__(self, app: WSGIApp, *, every: int = 6) -> None:
        self.app = app
        self.every = every
        self.count = 0
        self.answered: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            self.count += 1
            number = self.count
        if number % self.every:
            return self.app(environ, start_response)
        turn = (number // self.every) % 3
        status, headers = [
            ("429 Too Many Requests", [("Retry-After", "0")]),
            ("503 Service Unavailable", [("Retry-After", "0")]),
            ("429 Too Many Requests", []),
        ][turn]
        body = b'{"error": {"type": "rate_limit_error", "message": "slow down", "param": null}}'
        self.answered.append(int(status[:3]))
        start_response(
            status,
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                *headers,
            ],
        )
        return [body]


def _check(app: WSGIApp, defect: Defect) -> Report:
    with serving(app) as base_url:
        return run_check(
            base_url=base_url,
            api_key=defect.keys.api_key,
            second_key=defect.keys.second_key,
            other_account_key=defect.keys.other_account_key,
            revoked_key=defect.keys.revoked_key,
            profile=defect.profile,
            seed=SEED,
            max_examples=defect.max_examples,
            fuzz=defect.fuzz,
            backoff=FAST,
        )


def test_the_chosen_defects_exist() -> None:
    assert set(CHOSEN) <= {d.name for d in DEFECTS}


@pytest.mark.parametrize(
    "defect",
    [
        # Two in the default run; the others (a full check each) with -m slow.
        pytest.param(d, marks=() if d.name in QUICK else pytest.mark.slow)
        for d in DEFECTS
        if d.name in CHOSEN
    ],
    ids=lambda d: str(d.name),
)
def test_a_defect_behind_pushback_is_caught_for_the_same_rules(defect: Defect) -> None:
    bare = _check(defect.app(), defect)
    layer = PushBack(defect.app())
    pushed = _check(layer, defect)
    assert bare.exit_code == pushed.exit_code == 1, pushed.to_text()
    assert defect.expected <= set(pushed.violated_rule_ids)
    assert pushed.violated_rule_ids == bare.violated_rule_ids
    assert pushed.error_rule_ids == []
    traffic = pushed.traffic
    assert traffic.rate_limited == layer.answered.count(429) > 0
    assert traffic.unavailable == layer.answered.count(503) > 0
    assert traffic.gave_up == 0
