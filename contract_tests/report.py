"""What a run found, as data: per-rule results and violations.

`Report` is the machine-readable verdict (`Report.violations`, each with
`.rule_id`), and it renders itself as the text the CLI prints.  Nothing here
knows how the rules were checked.

Two kinds of "no verdict" are kept apart on purpose.  *not checked* is about
the target: its data gave the rule nothing to look at (no ties, no revoked key
given), which is an honest outcome of a good run.  *ERROR* ("could not run") is
about the tool: a schema it cannot find, an import or an internal exception.
Folding the second into the first once let a broken install report every
`OPENAPI-*` rule "not checked" and exit 0; an ERROR makes the run exit 2.

`traffic` says what the target made the run do: requests sent, how often it
pushed back (429, 503 with Retry-After, resets, timeouts) and how long the run
waited, so a slow or rate-limited run explains itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contract_tests.catalog import Profile, Rule
from contract_tests.pushback import Traffic

__all__ = [
    "EXIT_COULD_NOT_RUN",
    "EXIT_OK",
    "EXIT_VIOLATED",
    "Report",
    "RuleResult",
    "Status",
    "Violation",
]

EXIT_OK = 0
EXIT_VIOLATED = 1
EXIT_COULD_NOT_RUN = 2


class Status(StrEnum):
    """The verdict on one rule."""

    PASSED = "passed"
    VIOLATED = "VIOLATED"
    NOT_CHECKED = "not checked"  # the target gave the rule nothing to look at
    ERROR = "ERROR"  # the tool could not run the rule's check ("could not run")


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
    traffic: Traffic = field(default_factory=Traffic)

    @property
    def violations(self) -> list[Violation]:
        """Every recorded violation, rule by rule."""
        return [v for result in self.results for v in result.violations]

    @property
    def violated_rule_ids(self) -> list[str]:
        """Ids of the rules with at least one violation."""
        return [r.rule_id for r in self.results if r.status is Status.VIOLATED]

    @property
    def error_rule_ids(self) -> list[str]:
        """Ids of the rules the tool could not run (status ERROR)."""
        return [r.rule_id for r in self.results if r.status is Status.ERROR]

    @property
    def could_run(self) -> bool:
        """True when the tool ran every rule's check (rules not checked for the target's
        reasons count as run)."""
        return not self.error_rule_ids

    @property
    def ok(self) -> bool:
        """True when every rule could run and none was violated.

        Not-checked rules do not count as passed, but do not make a run fail either.
        """
        return self.could_run and not self.violated_rule_ids

    @property
    def exit_code(self) -> int:
        """0 conforms, 1 a rule is violated, 2 a rule could not run.

        2 wins over 1: a run that could not look at every rule is incomplete
        whatever it found, and CI must not read it as an ordinary red result of
        the target; the violations found are still in the report.
        """
        if not self.could_run:
            return EXIT_COULD_NOT_RUN
        return EXIT_VIOLATED if self.violated_rule_ids else EXIT_OK

    def error_summary(self) -> str | None:
        """One line naming the rules that could not run and why; `None` if all could."""
        by_reason: dict[str, list[str]] = {}
        for r in self.results:
            if r.status is Status.ERROR:
                by_reason.setdefault(r.reason or "no reason recorded", []).append(r.rule_id)
        if not by_reason:
            return None
        count = sum(len(ids) for ids in by_reason.values())
        parts = [f"{', '.join(ids)}: {reason}" for reason, ids in by_reason.items()]
        text = f"{count} rule(s) could not run: " + "; ".join(parts)
        return " ".join(text.split())

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
            "exit_code": self.exit_code,
            "elapsed_seconds": round(self.elapsed, 3),
            "traffic": self.traffic.to_dict(),
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
            if r.status in (Status.NOT_CHECKED, Status.ERROR) and r.reason:
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
        lines += ["", f"traffic: {self.traffic.summary()}"]
        counts = self.counts()
        lines += [
            "",
            f"{counts[Status.PASSED]} passed, {counts[Status.VIOLATED]} violated, "
            f"{counts[Status.NOT_CHECKED]} not checked, {counts[Status.ERROR]} could not run, "
            f"in {self.elapsed:.1f} s",
        ]
        return "\n".join(lines)
