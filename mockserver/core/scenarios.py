"""Named scenarios: the knobs a history is generated from.

A scenario says what kind of wallet to build; the account's seed decides the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import LedgerMockError
from .kinds import PLAN_PRICES_CENTS

__all__ = [
    "BUILTIN_SCENARIOS",
    "DOCS_EXAMPLE_ITEMS",
    "MAX_SPAN_DAYS",
    "Scenario",
    "ScenarioError",
    "get_scenario",
]


MAX_SPAN_DAYS = 36_500


class ScenarioError(LedgerMockError, ValueError):
    """A scenario name or option that cannot be built."""


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """Parameters of a generated history.

    ``size`` is the exact number of entries; ``span_days`` how far back the
    history reaches from the frozen "now"; ``ties`` makes entries share seconds.
    """

    name: str
    size: int = 360
    span_days: int = 730
    plan: str = "pro"
    ties: bool = False
    docs_example: bool = False

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ScenarioError(f"scenario {self.name!r}: size must be >= 0, got {self.size}")
        if not 1 <= self.span_days <= MAX_SPAN_DAYS:
            raise ScenarioError(
                f"scenario {self.name!r}: span_days must be between 1 and {MAX_SPAN_DAYS}"
            )
        if self.plan not in PLAN_PRICES_CENTS:
            plans = ", ".join(PLAN_PRICES_CENTS)
            raise ScenarioError(f"scenario {self.name!r}: plan must be one of {plans}")
        if self.docs_example and (self.size, self.plan, self.span_days) != (47, "starter", 540):
            raise ScenarioError("scenario 'docs' is fixed: set only its keys")


BUILTIN_SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(name="realistic"),
        Scenario(name="docs", size=47, plan="starter", span_days=540, docs_example=True),
        Scenario(name="empty", size=0),
        Scenario(name="ties", size=400, span_days=60, ties=True),
    )
}

# The two items the public docs page shows, reproduced verbatim by the 'docs' scenario.
DOCS_EXAMPLE_ITEMS: tuple[dict[str, object], ...] = (
    {
        "id": 901234,
        "created_at": "2026-05-21T14:08:11Z",
        "kind": "topup",
        "amount_usd": 50.00,
        "balance_after_usd": 81.40,
        "source": {
            "provider": "stripe",
            "receipt_id": "ch_3PYj...mock-49",
            "method": "card_visa_4242",
        },
        "note": None,
    },
    {
        "id": 901188,
        "created_at": "2026-05-15T08:14:02Z",
        "kind": "admin_credit",
        "amount_usd": 5.00,
        "balance_after_usd": 31.40,
        "source": {"actor": "ops@bytespike.ai"},
        "note": "Goodwill credit — failed Doubao call burst, ticket #312",
    },
)


def get_scenario(name: str, *, size: int | None = None, plan: str | None = None) -> Scenario:
    """A built-in scenario, optionally resized or re-planned."""
    try:
        scenario = BUILTIN_SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_SCENARIOS))
        raise ScenarioError(f"unknown scenario {name!r} (known: {known})") from None
    changes: dict[str, object] = {}
    if size is not None:
        changes["size"] = size
    if plan is not None:
        changes["plan"] = plan
    return replace(scenario, **changes) if changes else scenario  # type: ignore[arg-type]
