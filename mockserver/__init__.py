"""Offline twin of the BytesPike billing ledger API: deterministic mock server."""

from .app import create_app
from .config import AccountSpec, ConfigError, MockConfig, builtin_config, load_config
from .control import MockControls, controls
from .drift import Drift
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
