"""Makes `pytest contract_tests --ledger-...` work: the plugin's hooks, re-exported."""

from contract_tests.pytest_plugin import (
    ledger_contract_report,
    pytest_addoption,
    pytest_configure,
    pytest_generate_tests,
)

__all__ = [
    "ledger_contract_report",
    "pytest_addoption",
    "pytest_configure",
    "pytest_generate_tests",
]
