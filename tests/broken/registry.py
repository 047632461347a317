"""The registry of broken implementations: one `Defect` per realistic bug.

A defect is data: its name, what is wrong (the docstring of its builder), the
rule ids the contract suite must report for it, the profile and the keys it is
checked with, whether the stateful checks catch it (`fuzz=False`) or it
takes Schemathesis (`fuzz=True`), and whether the default test run includes it
(`quick`; every defect runs under `-m slow` and in the report). `build(mock)`
wraps the real mock's WSGI app in the one defect.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import Flask

from mockserver import create_app
from mockserver.core.config import builtin_config
from tests.broken.wsgi import WSGIApp

__all__ = [
    "BUILTIN_KEYS",
    "DEFECTS",
    "HIDDEN_REVOKED_ACCOUNT_KEY",
    "TIES_KEYS",
    "Defect",
    "KeySet",
    "defect",
    "mock_app",
]


@dataclass(frozen=True)
class KeySet:
    """The keys a run is handed (CONTRACT.md §7)."""

    api_key: str
    second_key: str | None = None
    other_account_key: str | None = None
    revoked_key: str | None = None


BUILTIN_KEYS = KeySet(
    api_key="bsk_test_default",
    second_key="bsk_test_default_2",
    other_account_key="bsk_test_docs",
    revoked_key="bsk_test_revoked",
)
# The `ties` account: many entries share one created_at second (the default
# account has none, so ORDER-TIES-ID-DESC is "not checked" with it).
TIES_KEYS = KeySet(
    api_key="bsk_test_ties", other_account_key="bsk_test_docs", revoked_key="bsk_test_revoked"
)

# An extra *active* key of the account whose key `bsk_test_revoked` is revoked,
# so a defect that forgets revocation can serve that account's real wallet.
# Keys do not enter generation: every ledger is byte-identical to the plain mock's.
HIDDEN_REVOKED_ACCOUNT_KEY = "bsk_hidden_revoked_account_open"


@functools.cache
def mock_app() -> Flask:
    """The real mock (built-in configuration plus the hidden key), shared by all defects."""
    config = builtin_config()
    accounts = tuple(
        replace(a, keys=(*a.keys, HIDDEN_REVOKED_ACCOUNT_KEY)) if a.name == "revoked" else a
        for a in config.accounts
    )
    return create_app(replace(config, accounts=accounts))


@dataclass(frozen=True)
class Defect:
    """One broken implementation and the verdict the suite must give on it."""

    name: str
    area: str
    summary: str
    expected: frozenset[str]
    build: Callable[[WSGIApp], WSGIApp]
    profile: str = "full"
    fuzz: bool = False
    keys: KeySet = BUILTIN_KEYS
    max_examples: int = 25
    quick: bool = True

    def app(self) -> WSGIApp:
        """The mock with this one defect."""
        return self.build(mock_app())


DEFECTS: list[Defect] = []


def defect(
    *expected: str,
    profile: str = "full",
    fuzz: bool = False,
    keys: KeySet = BUILTIN_KEYS,
    max_examples: int = 25,
    quick: bool = True,
) -> Callable[[Callable[[WSGIApp], WSGIApp]], Callable[[WSGIApp], WSGIApp]]:
    """Register a builder; its docstring's first paragraph is the defect's summary.

    `quick=False` keeps a variant whose rule another defect already proves out
    of the default test run (time budget); `-m slow` and the report run it.
    """

    def register(build: Callable[[WSGIApp], WSGIApp]) -> Callable[[WSGIApp], WSGIApp]:
        doc = inspect.getdoc(build) or ""
        summary = " ".join(doc.split("\n\n")[0].split())
        module = build.__module__.rsplit(".", 1)[-1]
        DEFECTS.append(
            Defect(
                name=build.__name__.replace("_", "-"),
                area=module,
                summary=summary or build.__name__,
                expected=frozenset(expected),
                build=build,
                profile=profile,
                fuzz=fuzz,
                keys=keys,
                max_examples=max_examples,
                quick=quick,
            )
        )
        return build

    return register
