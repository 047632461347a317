"""One pytest test per contract rule (collected only with `pytest contract_tests`)."""

from __future__ import annotations

import pytest

from contract_tests.report import Report, Status


def test_rule(ledger_contract_report: Report, ledger_contract_rule: str) -> None:
    """Pass; fail with the violations or with why the tool could not run the rule; or skip
    with the reason the target gave the rule nothing to check (the suite's only skip)."""
    result = ledger_contract_report.result(ledger_contract_rule)
    if result.status is Status.ERROR:
        pytest.fail(f"{result.rule_id} could not run: {result.reason}", pytrace=False)
    if result.status is Status.NOT_CHECKED:
        pytest.skip(f"not checked: {result.reason}")
    if result.status is Status.VIOLATED:
        lines = [f"{result.rule_id} ({result.rule.section}) VIOLATED: {result.rule.summary}"]
        for v in result.violations:
            lines += [f"  {v.curl}", f"  expected: {v.expected}", f"  actual:   {v.actual}"]
        lines += [f"  note: {note}" for note in result.notes]
        pytest.fail("\n".join(lines), pytrace=False)
