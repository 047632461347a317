"""Black-box contract suite for `GET /api/v1/me/billing/transactions`.

It talks HTTP only and never imports the mock.  Entry points: `run_check`
(programmatic), `contract_tests.cli.check` (`ledger-mock check`,
`python -m contract_tests`) and the pytest plugin (`pytest contract_tests
--ledger-base-url URL --ledger-api-key KEY`).
"""

from contract_tests.catalog import CATALOG, Profile, Rule, rules_for
from contract_tests.errors import (
    BadArguments,
    CheckCouldNotRun,
    ContractSuiteError,
    TargetUnreachable,
)
from contract_tests.junit import junit_xml, write_junit
from contract_tests.report import Report, RuleResult, Status, Violation
from contract_tests.runner import run_check

__all__ = [
    "CATALOG",
    "BadArguments",
    "CheckCouldNotRun",
    "ContractSuiteError",
    "Profile",
    "Report",
    "Rule",
    "RuleResult",
    "Status",
    "TargetUnreachable",
    "Violation",
    "junit_xml",
    "rules_for",
    "run_check",
    "write_junit",
]
