"""Offline twin of the BytesPike billing ledger API: deterministic mock server.

The layers, each a package (imports run one way, ``tests/test_layering.py``
checks it): ``core`` (the data, no HTTP) ← ``http`` (the plain app) ←
``testing`` (journal, faults, drift, control API) ← ``server`` (``serve``'s
one server) ← ``cli``. ``create_app`` (``mockserver.app``) composes ``http``
and ``testing``.

The names below are the public API. They load on first use (PEP 562):
``from mockserver import KINDS`` (all the Hypothesis strategies need) costs
neither Flask nor numpy.
"""

import importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .app import create_app
    from .core.config import AccountSpec, ConfigError, MockConfig, builtin_config, load_config
    from .core.errors import LedgerMockError, NotInstrumentedError, SettingError
    from .core.generation import generate_ledger
    from .core.kinds import (
        ADMIN_CREDITS_CENTS,
        CARD_TOPUPS_CENTS,
        CREDIT_KINDS,
        KINDS,
        MODELS,
        PLAN_PRICES_CENTS,
        WIRE_TOPUPS_CENTS,
    )
    from .core.ledger import Ledger
    from .core.query import Query, Selection, select
    from .core.rendering import render_entry, render_page
    from .core.scenarios import BUILTIN_SCENARIOS, Scenario, ScenarioError, get_scenario
    from .core.store import LedgerStore
    from .core.timestamps import TimestampError, parse_instant
    from .http.app import ledger_store
    from .http.envelope import error_body
    from .http.params import ParamError, parse_query
    from .http.paths import MAX_PAGE, MAX_PAGE_SIZE
    from .http.wsgi import read_result
    from .testing.control import MockControls, controls
    from .testing.drift import Drift, DriftError, check_accounts
    from .testing.faults import ConnectionDropped, Fault, FaultError, FaultKind, Faults
    from .testing.journal import Journal, JournalEntry

__all__ = [
    "ADMIN_CREDITS_CENTS",
    "BUILTIN_SCENARIOS",
    "CARD_TOPUPS_CENTS",
    "CREDIT_KINDS",
    "KINDS",
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "MODELS",
    "PLAN_PRICES_CENTS",
    "WIRE_TOPUPS_CENTS",
    "AccountSpec",
    "ConfigError",
    "ConnectionDropped",
    "Drift",
    "DriftError",
    "Fault",
    "FaultError",
    "FaultKind",
    "Faults",
    "Journal",
    "JournalEntry",
    "Ledger",
    "LedgerMockError",
    "LedgerStore",
    "MockConfig",
    "MockControls",
    "NotInstrumentedError",
    "ParamError",
    "Query",
    "Scenario",
    "ScenarioError",
    "Selection",
    "SettingError",
    "TimestampError",
    "builtin_config",
    "check_accounts",
    "controls",
    "create_app",
    "error_body",
    "generate_ledger",
    "get_scenario",
    "ledger_store",
    "load_config",
    "parse_instant",
    "parse_query",
    "read_result",
    "render_entry",
    "render_page",
    "select",
]

_HOMES = {
    name: module
    for module, names in (
        ("app", "create_app"),
        ("core.config", "AccountSpec ConfigError MockConfig builtin_config load_config"),
        ("core.errors", "LedgerMockError NotInstrumentedError SettingError"),
        ("core.generation", "generate_ledger"),
        (
            "core.kinds",
            "ADMIN_CREDITS_CENTS CARD_TOPUPS_CENTS CREDIT_KINDS KINDS MODELS PLAN_PRICES_CENTS "
            "WIRE_TOPUPS_CENTS",
        ),
        ("core.ledger", "Ledger"),
        ("core.query", "Query Selection select"),
        ("core.rendering", "render_entry render_page"),
        ("core.scenarios", "BUILTIN_SCENARIOS Scenario ScenarioError get_scenario"),
        ("core.store", "LedgerStore"),
        ("core.timestamps", "TimestampError parse_instant"),
        ("http.app", "ledger_store"),
        ("http.envelope", "error_body"),
        ("http.params", "ParamError parse_query"),
        ("http.paths", "MAX_PAGE MAX_PAGE_SIZE"),
        ("http.wsgi", "read_result"),
        ("testing.control", "MockControls controls"),
        ("testing.drift", "Drift DriftError check_accounts"),
        ("testing.faults", "ConnectionDropped Fault FaultError FaultKind Faults"),
        ("testing.journal", "Journal JournalEntry"),
    )
    for name in names.split()
}


if not _typing.TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
