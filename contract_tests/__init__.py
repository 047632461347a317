"""Black-box contract suite for `GET /api/v1/me/billing/transactions`.

It talks HTTP only and never imports the mock.  Entry points: `run_check`
(programmatic), `contract_tests.cli.check` (`ledger-mock check`,
`python -m contract_tests`) and the pytest plugin (`pytest --pyargs
contract_tests --ledger-base-url URL --ledger-api-key KEY`).

The names below load on first use (PEP 562): the `pytest11` entry point
(`contract_tests.pytest_options`) is imported by every pytest session of an
environment that has the package installed, and must cost it neither
`requests` nor the checks.
"""

import importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from contract_tests.catalog import CATALOG, Profile, Rule, rules_for
    from contract_tests.errors import (
        BadArguments,
        CheckCouldNotRun,
        ContractSuiteError,
        TargetUnreachable,
    )
    from contract_tests.junit import junit_xml, write_junit
    from contract_tests.pacing import RateLimit
    from contract_tests.pushback import OutOfTime, RetryPolicy, Traffic
    from contract_tests.report import Report, RuleResult, Status, Violation
    from contract_tests.runner import run_check

__all__ = [
    "CATALOG",
    "BadArguments",
    "CheckCouldNotRun",
    "ContractSuiteError",
    "OutOfTime",
    "Profile",
    "RateLimit",
    "Report",
    "RetryPolicy",
    "Rule",
    "RuleResult",
    "Status",
    "TargetUnreachable",
    "Traffic",
    "Violation",
    "junit_xml",
    "rules_for",
    "run_check",
    "write_junit",
]

_HOMES = {
    name: module
    for module, names in (
        ("catalog", "CATALOG Profile Rule rules_for"),
        ("errors", "BadArguments CheckCouldNotRun ContractSuiteError TargetUnreachable"),
        ("junit", "junit_xml write_junit"),
        ("pacing", "RateLimit"),
        ("pushback", "OutOfTime RetryPolicy Traffic"),
        ("report", "Report RuleResult Status Violation"),
        ("runner", "run_check"),
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
