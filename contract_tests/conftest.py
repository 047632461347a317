"""Makes `pytest contract_tests` (and `--pyargs contract_tests`) run the suite: the
plugin's hooks, re-exported; the options come from the entry point when installed."""

from contract_tests.pytest_plugin import (
    ledger_contract_report,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_generate_tests,
)

__all__ = [
    "ledger_contract_report",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_generate_tests",
]
