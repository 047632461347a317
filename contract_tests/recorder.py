"""Collects evidence rule by rule while the checks run, then gives verdicts.

A check never decides "passed" by itself: it records each comparison it made
(`expect`), each breach (`violate`), each reason the target gave it nothing to
look at (`skip`) and each reason the tool itself failed (`cannot_run`).  A
rule the tool failed on is ERROR whatever else was recorded (partial evidence
is no pass, and the run must exit 2); otherwise it is VIOLATED with one
breach, passed only when at least one comparison was made, and else not
checked, with the reasons gathered.
Evidence for rules outside the run's profile is dropped here, so checks can
stay profile-agnostic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from contract_tests.catalog import CATALOG, Profile, rules_for
from contract_tests.client import Exchange
from contract_tests.curl import to_curl
from contract_tests.redaction import Redactor
from contract_tests.report import RuleResult, Status, Violation

__all__ = ["MAX_VIOLATIONS_PER_RULE", "Recorder", "Shows"]

# What shows a violation: the exchange, a ready curl line, or a function
# producing either (so that passing comparisons cost no formatting).
Shows = Exchange | str | Callable[[], Exchange | str] | None

MAX_VIOLATIONS_PER_RULE = 5


@dataclass(slots=True)
class _Evidence:
    checks: int = 0
    violations: list[Violation] = field(default_factory=list)
    extra_violations: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    error_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Recorder:
    """Evidence per rule for one run."""

    def __init__(self, profile: Profile, redact: Redactor) -> None:
        self.profile = profile
        self.redact = redact
        self._evidence = {r.id: _Evidence() for r in rules_for(profile)}

    def wants(self, *rule_ids: str) -> bool:
        """True if the profile holds any of these rules (so sending requests is worth it)."""
        for rule_id in rule_ids:
            if rule_id not in CATALOG:
                raise KeyError(f"unknown rule id {rule_id!r}")
        return any(rule_id in self._evidence for rule_id in rule_ids)

    def expect(
        self,
        rule_id: str,
        ok: bool,
        exchange: Shows,
        expected: str,
        actual: object,
    ) -> bool:
        """Record one comparison; a false `ok` records a violation.  Returns `ok`."""
        if ok:
            self.passed(rule_id)
        else:
            self.violate(rule_id, exchange, expected, actual)
        return ok

    def passed(self, rule_id: str, count: int = 1) -> None:
        """Record comparisons that held."""
        evidence = self._get(rule_id)
        if evidence is not None:
            evidence.checks += count

    def violate(self, rule_id: str, exchange: Shows, expected: str, actual: object) -> None:
        """Record a breach of `rule_id` shown by `exchange` (or a ready curl text)."""
        evidence = self._get(rule_id)
        if evidence is None:
            return
        evidence.checks += 1
        if len(evidence.violations) >= MAX_VIOLATIONS_PER_RULE:
            evidence.extra_violations += 1
            return
        if callable(exchange):
            exchange = exchange()
        if isinstance(exchange, Exchange):
            curl = to_curl(exchange, self.redact)
        else:
            curl = self.redact(exchange or "(no single request shows it; see expected/actual)")
        evidence.violations.append(
            Violation(
                rule_id=rule_id,
                section=CATALOG[rule_id].section,
                curl=curl,
                expected=self.redact(expected),
                actual=self.redact(_shorten(str(actual))),
            )
        )

    def skip(self, rule_id: str, reason: str) -> None:
        """Record why the target gave `rule_id` nothing to look at (ignored if it was checked).

        Only for reasons about the target or the caller's choices (no ties in its
        data, no revoked key given); a failure of the suite itself is `cannot_run`.
        """
        evidence = self._get(rule_id)
        if evidence is not None and reason not in evidence.skip_reasons:
            evidence.skip_reasons.append(reason)

    def cannot_run(self, rule_id: str, reason: str) -> None:
        """Record that the tool could not check `rule_id` for a reason of its own.

        For failures of the suite (a schema file it cannot find, an import or an
        internal exception), never for what the target's data lacks: those are
        `skip`.  The rule becomes ERROR even if comparisons were recorded.
        """
        evidence = self._get(rule_id)
        if evidence is not None and reason not in evidence.error_reasons:
            evidence.error_reasons.append(reason)

    def note(self, rule_id: str, text: str) -> None:
        """Attach a remark (e.g. a partial check) to a rule's result."""
        evidence = self._get(rule_id)
        if evidence is not None and text not in evidence.notes:
            evidence.notes.append(text)

    def results(self) -> list[RuleResult]:
        """Verdicts for every rule of the profile, in catalog order."""
        out = []
        for rule in rules_for(self.profile):
            evidence = self._evidence[rule.id]
            notes = list(evidence.notes)
            if evidence.extra_violations:
                notes.append(f"{evidence.extra_violations} more violation(s) not listed")
            if evidence.error_reasons:
                status, reason = Status.ERROR, "; ".join(evidence.error_reasons)
            elif evidence.violations:
                status, reason = Status.VIOLATED, None
            elif evidence.checks:
                status, reason = Status.PASSED, None
            else:
                status = Status.NOT_CHECKED
                reason = "; ".join(evidence.skip_reasons) or "no check looked at this rule"
            out.append(
                RuleResult(
                    rule=rule,
                    status=status,
                    violations=tuple(evidence.violations),
                    reason=reason,
                    checks=evidence.checks,
                    notes=tuple(notes),
                )
            )
        return out

    def _get(self, rule_id: str) -> _Evidence | None:
        if rule_id not in CATALOG:
            raise KeyError(f"unknown rule id {rule_id!r}")
        return self._evidence.get(rule_id)


def _shorten(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
