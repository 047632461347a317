"""How a check declares the rules it gives evidence for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contract_tests.catalog import CATALOG
from contract_tests.context import Context

__all__ = ["Check", "check"]


@dataclass(frozen=True, slots=True)
class Check:
    """A function of the context, and the rules it records evidence for."""

    name: str
    rules: tuple[str, ...]
    run: Callable[[Context], None]


def check(*rules: str) -> Callable[[Callable[[Context], None]], Check]:
    """Declare a check; the rule ids are validated against the catalog at import."""
    unknown = [rule_id for rule_id in rules if rule_id not in CATALOG]
    if unknown:
        raise KeyError(f"unknown rule ids: {unknown}")

    def wrap(func: Callable[[Context], None]) -> Check:
        return Check(func.__name__, rules, func)

    return wrap
