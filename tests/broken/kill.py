"""Run the contract suite on a defect and judge the verdict: the kill table's rows."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tests.broken.harness import check
from tests.broken.registry import Defect

__all__ = ["KNOWN_GAPS", "Kill", "kill"]

# Defects the suite is known to miss (reported as suite gaps, never silenced):
# the default tests mark them xfail(strict=True), so closing the gap turns
# the test red until the entry is removed here.
KNOWN_GAPS: dict[str, str] = {
    # "bare-date-local-midnight" was one until FILTER-BARE-DATE looked at the
    # midnights next to the entries nearest to one (contract_tests, this work).
}


@dataclass(frozen=True)
class Kill:
    """The suite's verdict on one defect."""

    defect: Defect
    violated: tuple[str, ...]
    exit_code: int
    fuzz: bool
    seconds: float

    @property
    def missing(self) -> frozenset[str]:
        """Expected rules the suite did not report."""
        return self.defect.expected - set(self.violated)

    @property
    def caught(self) -> bool:
        """Exit 1 with every expected rule among the violations."""
        return self.exit_code == 1 and not self.missing


def kill(defect: Defect, *, fuzz: bool | None = None, max_examples: int | None = None) -> Kill:
    """Serve the defect, run the suite with its profile and keys, and keep the verdict.

    `fuzz=None` uses the defect's own setting (Schemathesis only where it is
    needed); `fuzz=True` runs the whole suite.
    """
    use_fuzz = defect.fuzz if fuzz is None else fuzz
    started = time.monotonic()
    report = check(
        defect.app(),
        keys=defect.keys,
        profile=defect.profile,
        fuzz=use_fuzz,
        max_examples=max_examples or defect.max_examples,
    )
    return Kill(
        defect=defect,
        violated=tuple(report.violated_rule_ids),
        exit_code=report.exit_code,
        fuzz=use_fuzz,
        seconds=time.monotonic() - started,
    )
