"""The contract suite's power: it fails every broken implementation for the right rule.

* `test_defect_is_caught`: each registered defect (tests/broken) is served on
  a loopback port and checked; the suite must exit 1 naming the expected rule(s).
  Stateful checks only (`fuzz=False`) unless the defect needs Schemathesis.
  Variants of a rule another defect already proves (`quick=False`) are left
  to `-m slow` for time.
* The real mock passes with zero violations in both profiles (fuzzing on).
* An implementation differing only on [decided] points passes `documented`
  and fails `full` on exactly those rules.
* An implementation written from scratch (tests/independent), which the suite
  has never seen, passes; its mutants fail for the right rules.
* `test_defect_is_caught_by_full_run` (`-m slow`): every defect again, with
  the whole suite (fuzzing on).

`python -m tests.broken.report` prints the kill table (docs/kill-table.md).
"""

from __future__ import annotations

import pytest

from contract_tests import CATALOG, Profile, Report
from mockserver import create_app
from tests.broken import DEFECTS, TIES_KEYS, Defect, mock_app
from tests.broken.decided import DECIDED_RULES, decided_only_app
from tests.broken.filters import empty_range_rejected
from tests.broken.harness import check
from tests.broken.kill import KNOWN_GAPS, kill
from tests.independent import INDEPENDENT_KEYS, MUTANT_RULES, IndependentApp


def _violations(report: Report) -> str:
    return "\n".join(
        f"{v.rule_id}: {v.curl}\n  {v.expected} / {v.actual}" for v in report.violations
    )


def _param(defect: Defect) -> object:
    gap = KNOWN_GAPS.get(defect.name)
    marks = [pytest.mark.xfail(strict=True, reason=f"suite gap: {gap}")] if gap else []
    return pytest.param(defect, id=defect.name, marks=marks)


def _slow_only(request: pytest.FixtureRequest) -> None:
    """`slow` is not deselected by the project's config: run only when asked for."""
    if "slow" not in (request.config.getoption("markexpr", "") or ""):
        pytest.skip("slow: run with -m slow")


def test_registry_has_distinct_realistic_defects() -> None:
    names = [d.name for d in DEFECTS]
    assert len(DEFECTS) >= 25
    quick_rules = set().union(*(d.expected for d in DEFECTS if d.quick))
    assert set().union(*(d.expected for d in DEFECTS)) <= quick_rules
    assert len(set(names)) == len(names)
    for defect in DEFECTS:
        assert defect.expected, defect.name
        assert defect.expected <= CATALOG.keys(), defect.name
        profile = Profile(defect.profile)
        assert all(profile in CATALOG[r].profiles for r in defect.expected), defect.name
        assert defect.summary and defect.summary != defect.build.__name__, defect.name


@pytest.mark.parametrize("defect", [_param(d) for d in DEFECTS if d.quick])
def test_defect_is_caught(defect: Defect) -> None:
    result = kill(defect)
    assert result.exit_code == 1, f"{defect.name}: the suite passed it"
    assert not result.missing, (
        f"{defect.name}: expected {sorted(defect.expected)}, got {sorted(result.violated)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("defect", [_param(d) for d in DEFECTS])
def test_defect_is_caught_by_full_run(defect: Defect, request: pytest.FixtureRequest) -> None:
    _slow_only(request)
    result = kill(defect, fuzz=True, max_examples=60)
    assert result.caught, (
        f"{defect.name}: expected {sorted(defect.expected)}, got {result.violated}"
    )


@pytest.mark.parametrize("profile", ["full", "documented"])
def test_mock_passes_with_zero_violations(profile: str) -> None:
    report = check(create_app(), profile=profile, fuzz=True)
    assert report.exit_code == 0, _violations(report)
    assert report.violations == []


def test_defects_base_passes_with_ties_keys() -> None:
    """The app every defect wraps (the mock plus one hidden key) passes, ties included."""
    report = check(mock_app(), keys=TIES_KEYS, profile="full", fuzz=False)
    assert report.violations == [], _violations(report)
    assert report.result("ORDER-TIES-ID-DESC").status == "passed"


def test_documented_profile_passes_decided_only_differences() -> None:
    report = check(decided_only_app(mock_app()), profile="documented", fuzz=True)
    assert report.violations == [], _violations(report)


def test_documented_profile_passes_empty_range_400() -> None:
    """since >= until answered 400 ([decided]): Schemathesis' coverage phase sends
    since == until; the documented profile must not count its 400 (it did, once)."""
    report = check(empty_range_rejected(mock_app()), profile="documented", fuzz=True)
    assert report.violations == [], _violations(report)


def test_full_profile_reports_exactly_the_decided_rules() -> None:
    report = check(decided_only_app(mock_app()), profile="full", fuzz=False)
    violated = set(report.violated_rule_ids)
    assert violated == DECIDED_RULES, (
        sorted(violated - DECIDED_RULES),
        sorted(DECIDED_RULES - violated),
    )
    assert all(CATALOG[r].profiles == {Profile.FULL} for r in violated)


@pytest.mark.parametrize(("profile", "fuzz"), [("full", True), ("documented", False)])
def test_independent_implementation_passes(profile: str, fuzz: bool) -> None:
    report = check(IndependentApp(), keys=INDEPENDENT_KEYS, profile=profile, fuzz=fuzz)
    assert report.violations == [], _violations(report)
    if profile == "full":
        unchecked = [r.rule_id for r in report.results if r.status == "not checked"]
        assert unchecked == [], unchecked


@pytest.mark.parametrize(("bug", "rule_id"), MUTANT_RULES.items())
def test_independent_mutant_is_caught(bug: str, rule_id: str) -> None:
    report = check(IndependentApp([bug]), keys=INDEPENDENT_KEYS, profile="full", fuzz=False)
    assert report.exit_code == 1
    assert rule_id in report.violated_rule_ids, report.violated_rule_ids
