"""Offline twin of the BytesPike billing ledger API: deterministic mock server.

The names below load on first use (PEP 562): ``import mockserver.kinds`` (all the
Hypothesis strategies need) costs neither Flask nor numpy.
"""

import importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .app import create_app
    from .config import AccountSpec, ConfigError, MockConfig, builtin_config, load_config
    from .control import MockControls, controls
    from .drift import Drift, DriftError
    from .errors import LedgerMockError
    from .faults import Fault, FaultError, Faults
    from .generation import generate_ledger
    from .journal import Journal, JournalEntry
    from .ledger import Ledger
    from .query import Query, Selection, select
    from .rendering import render_entry, render_page
    from .scenarios import BUILTIN_SCENARIOS, Scenario, ScenarioError, get_scenario
    from .store import LedgerStore

__all__ = [
    "BUILTIN_SCENARIOS",
    "AccountSpec",
    "ConfigError",
    "Drift",
    "DriftError",
    "Fault",
    "FaultError",
    "Faults",
    "Journal",
    "JournalEntry",
    "Ledger",
    "LedgerMockError",
    "LedgerStore",
    "MockConfig",
    "MockControls",
    "Query",
    "Scenario",
    "ScenarioError",
    "Selection",
    "builtin_config",
    "controls",
    "create_app",
    "generate_ledger",
    "get_scenario",
    "load_config",
    "render_entry",
    "render_page",
    "select",
]

_HOMES = {
    name: module
    for module, names in (
        ("app", "create_app"),
        ("config", "AccountSpec ConfigError MockConfig builtin_config load_config"),
        ("control", "MockControls controls"),
        ("drift", "Drift DriftError"),
        ("errors", "LedgerMockError"),
        ("faults", "Fault FaultError Faults"),
        ("generation", "generate_ledger"),
        ("journal", "Journal JournalEntry"),
        ("ledger", "Ledger"),
        ("query", "Query Selection select"),
        ("rendering", "render_entry render_page"),
        ("scenarios", "BUILTIN_SCENARIOS Scenario ScenarioError get_scenario"),
        ("store", "LedgerStore"),
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
