"""What a run found, as data: per-rule results and violations.

`Report` is the machine-readable verdict (`Report.violations`, each with
`.rule_id`), and it renders itself as the text the CLI prints.  Nothing here
knows how the rules were checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contract_tests.catalog import Profile, Rule

__all__ = ["Report", "RuleResult", "Status", "Violation"]


class Status(StrEnum):
    """The verdict on one rule."""

    PASSED = "passed"
    VIOLATED = "VIOLATED"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True, slots=True)
class Violation:
    """One observed breach of a rule, reproducible with `curl`."""

    rule_id: str
    section: str
    curl: str
    expected: str
    actual: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready view."""
        return {
            "rule_id": self.rule_id,
            "section": self.section,
            "curl": self.curl,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass(frozen=True, slots=True)
class RuleResult:
    """The verdict on one rule, with its evidence."""

    rule: Rule
    status: Status
    violations: tuple[Violation, ...] = ()
    reason: str | None = None
    checks: int = 0
    notes: tuple[str, ...] = ()

    @property
    def rule_id(self) -> str:
        """The rule's stable id."""
        return self.rule.id


@dataclass(slots=True)
class Report:
    """Everything a run concluded, in catalog order."""

    base_url: str
    profile: Profile
    results: list[RuleResult]
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def violations(self) -> list[Violation]:
        """Every recorded violation, rule by rule."""
        return [v for result in self.results for v in result.violations]

    @property
    def violated_rule_ids(self) -> list[str]:
        """Ids of the rules with at least one violation."""
        return [r.rule_id for r in self.results if r.status is Status.VIOLATED]

    @property
    def ok(self) -> bool:
        """True when no rule was violated (not-checked rules do not count as passed)."""
        return not self.violated_rule_ids

    @property
    def exit_code(self) -> int:
        """0 when the target conforms, 1 when any rule is violated."""
        return 0 if self.ok else 1

    def result(self, rule_id: str) -> RuleResult:
        """The result for one rule id (KeyError if the profile does not hold it)."""
        for result in self.results:
            if result.rule_id == rule_id:
                return result
        raise KeyError(rule_id)

    def counts(self) -> dict[Status, int]:
        """How many rules ended in each status."""
        return {status: sum(r.status is status for r in self.results) for status in Status}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the whole report."""
        return {
            "base_url": self.base_url,
            "profile": str(self.profile),
            "ok": self.ok,
            "elapsed_seconds": round(self.elapsed, 3),
            "notes": list(self.notes),
            "rules": [
                {
                    "id": r.rule_id,
                    "section": r.rule.section,
                    "status": str(r.status),
                    "reason": r.reason,
                    "checks": r.checks,
                    "notes": list(r.notes),
                    "violations": [v.to_dict() for v in r.violations],
                }
                for r in self.results
            ],
        }

    def to_text(self) -> str:
        """The human report the CLI prints."""
        lines = [f"Contract check of {self.base_url} (profile: {self.profile})", ""]
        width = max((len(r.rule_id) for r in self.results), default=0)
        for r in self.results:
            line = f"{r.status:<11} {r.rule_id:<{width}} {r.rule.section}  {r.rule.summary}"
            if r.status is Status.NOT_CHECKED and r.reason:
                line += f"  [{r.reason}]"
            lines.append(line.rstrip())
            lines.extend(f"{'':12}note: {note}" for note in r.notes)
        if self.violations:
            lines += ["", "Violations:"]
            for v in self.violations:
                lines += [
                    f"- {v.rule_id} ({v.section})",
                    f"    {v.curl}",
                    f"    expected: {v.expected}",
                    f"    actual:   {v.actual}",
                ]
        if self.notes:
            lines += ["", *(f"note: {note}" for note in self.notes)]
        counts = self.counts()
        lines += [
            "",
            f"{counts[Status.PASSED]} passed, {counts[Status.VIOLATED]} violated, "
            f"{counts[Status.NOT_CHECKED]} not checked, in {self.elapsed:.1f} s",
        ]
        return "\n".join(lines)
