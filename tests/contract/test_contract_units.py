"""Unit tests of the suite's parts: catalog, curl and redaction, items, report, JUnit."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import contract_tests
from contract_tests import CATALOG, Profile, Report, Status, junit_xml, rules_for
from contract_tests import test_rules as pytest_front_end
from contract_tests.catalog import Rule
from contract_tests.checks import ALL_CHECKS
from contract_tests.checks._items import item_problems
from contract_tests.client import Exchange, encode_query
from contract_tests.curl import to_curl
from contract_tests.errors import describe_failure
from contract_tests.fuzzing import CHECK_RULES
from contract_tests.recorder import Recorder
from contract_tests.redaction import Redactor
from contract_tests.report import RuleResult, Violation
from contract_tests.timestamps import format_instant, parse_instant

PACKAGE = Path(contract_tests.__file__).parent
DOCS = Path(__file__).resolve().parents[2] / "docs"  # not PACKAGE.parent: a wheel has none
TOPUP: dict[str, Any] = {
    "id": 901234,
    "created_at": "2026-05-21T14:08:11Z",
    "kind": "topup",
    "amount_usd": Decimal("50.00"),
    "balance_after_usd": Decimal("81.40"),
    "source": {"provider": "stripe", "receipt_id": "ch_3PYj", "method": "card_visa_4242"},
    "note": None,
}


# --- catalog ---------------------------------------------------------------


def test_rule_ids_are_unique_and_well_formed() -> None:
    assert len(CATALOG) == len({r.id for r in CATALOG.values()})
    for rule in CATALOG.values():
        assert rule.id == rule.id.upper() and " " not in rule.id
        assert rule.section in {"§1", "§2", "§3", "§4", "§5"}
        assert Profile.FULL in rule.profiles  # full checks every documented rule too


def test_documented_is_a_strict_subset_of_full() -> None:
    documented = {r.id for r in rules_for(Profile.DOCUMENTED)}
    full = {r.id for r in rules_for(Profile.FULL)}
    assert documented < full


def test_every_rule_has_a_check() -> None:
    """No rule can only ever be "not checked" for want of code."""
    covered = {rule_id for check in ALL_CHECKS for rule_id in check.rules}
    covered |= set(CHECK_RULES.values())
    assert covered == set(CATALOG)


def test_the_catalog_is_documented() -> None:
    text = (DOCS / "contract-suite.md").read_text(encoding="utf-8")
    missing = [rule_id for rule_id in CATALOG if f"`{rule_id}`" not in text]
    assert missing == []


def test_init_only_reexports_a_sorted_all() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    kinds = {type(node).__name__ for node in tree.body}
    # Names load on first use (PEP 562), as mockserver's do: pytest sessions that only
    # want the options pay nothing for the suite.
    assert kinds <= {"Expr", "Import", "ImportFrom", "Assign", "If", "FunctionDef"}
    assert contract_tests.__all__ == sorted(
        contract_tests.__all__, key=lambda n: (not n.isupper(), n)
    )
    for name in contract_tests.__all__:
        getattr(contract_tests, name)
    public = {n for n in dir(contract_tests) if not n.startswith("_")}
    assert set(contract_tests.__all__) <= public


def test_the_suite_never_imports_the_mock() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "mockserver" for n in names), path


# --- curl lines and redaction ----------------------------------------------


def _exchange(
    method: str = "GET", query: str = "", auth: str | None = "Bearer sk_live_1"
) -> Exchange:
    url = "http://h/api/v1/me/billing/transactions" + (f"?{query}" if query else "")
    return Exchange(method, url, "/me/billing/transactions", query, auth)


def test_curl_redacts_the_key_as_a_shell_variable() -> None:
    redact = Redactor({"sk_live_1": "$KEY"})
    line = to_curl(_exchange(query="page=0"), redact)
    assert line == (
        "curl -sS -i 'http://h/api/v1/me/billing/transactions?page=0' "
        '-H "Authorization: Bearer $KEY"'
    )
    assert "sk_live_1" not in line


def test_curl_for_methods_missing_header_and_tabs() -> None:
    redact = Redactor({"sk_live_1": "$KEY"})
    assert " -X POST " in to_curl(_exchange("POST"), redact)
    assert " -I " in to_curl(_exchange("HEAD"), redact)
    assert "-H" not in to_curl(_exchange(auth=None), redact)
    tab = to_curl(_exchange(auth="Bearer\tsk_live_1"), redact)
    assert "\t" not in tab and "$'\\x09'" in tab and '"sk_live_1"' not in tab


def test_longer_keys_are_redacted_first() -> None:
    redact = Redactor({"bsk_a": "$KEY", "bsk_a_2": "$SECOND_KEY"})
    assert redact("x bsk_a_2 y bsk_a") == "x $SECOND_KEY y $KEY"


def test_recorder_redacts_expected_and_actual() -> None:
    record = Recorder(Profile.FULL, Redactor({"sk_live_1": "$KEY"}))
    record.violate("AUTH-KEY-NOT-ECHOED", _exchange(), "no key", "body says sk_live_1")
    (violation,) = [v for r in record.results() for v in r.violations]
    assert "sk_live_1" not in violation.actual + violation.curl


def test_encode_query_keeps_colons_and_encodes_plus() -> None:
    assert (
        encode_query({"since": "2026-01-01T00:00:00+01:00"}) == "since=2026-01-01T00:00:00%2B01:00"
    )
    assert encode_query([("page", " 1"), ("kind", "a,b")]) == "page=%201&kind=a%2Cb"


# --- recorder verdicts -----------------------------------------------------


def test_verdicts_need_evidence() -> None:
    record = Recorder(Profile.FULL, Redactor({}))
    record.passed("PAGE-LEN")
    record.skip("PAGE-LEN", "ignored once checked")
    record.skip("BALANCE-CHAIN", "the account has no entries")
    record.passed("FILTER-KIND")
    record.violate("FILTER-KIND", _exchange(), "a", "b")
    results = {r.rule_id: r for r in record.results()}
    assert results["PAGE-LEN"].status is Status.PASSED
    assert results["BALANCE-CHAIN"].status is Status.NOT_CHECKED
    assert results["BALANCE-CHAIN"].reason == "the account has no entries"
    assert results["FILTER-KIND"].status is Status.VIOLATED
    assert results["ORDER-TIES-ID-DESC"].reason == "no check looked at this rule"


def test_could_not_run_wins_over_any_evidence() -> None:
    """A tool-side failure is never hidden behind the comparisons made before it."""
    record = Recorder(Profile.FULL, Redactor({}))
    record.passed("PAGE-LEN", 3)
    record.cannot_run("PAGE-LEN", "internal error in check pages: KeyError: 'x'")
    record.violate("FILTER-KIND", _exchange(), "a", "b")
    record.cannot_run("FILTER-KIND", "reason one")
    record.cannot_run("FILTER-KIND", "reason two")
    record.cannot_run("FILTER-KIND", "reason one")
    record.skip("BALANCE-CHAIN", "the account has no entries")
    record.cannot_run("BALANCE-CHAIN", "reading the history failed")
    results = {r.rule_id: r for r in record.results()}
    assert results["PAGE-LEN"].status is Status.ERROR and results["PAGE-LEN"].checks == 3
    assert results["PAGE-LEN"].reason == "internal error in check pages: KeyError: 'x'"
    assert results["FILTER-KIND"].status is Status.ERROR
    assert results["FILTER-KIND"].reason == "reason one; reason two"
    assert len(results["FILTER-KIND"].violations) == 1  # what was found is kept
    assert results["BALANCE-CHAIN"].status is Status.ERROR
    assert results["BALANCE-CHAIN"].reason == "reading the history failed"


def test_documented_profile_drops_decided_evidence() -> None:
    record = Recorder(Profile.DOCUMENTED, Redactor({}))
    record.violate("BODY-KEYS-EXACT", _exchange(), "a", "b")
    assert not record.wants("BODY-KEYS-EXACT")
    assert "BODY-KEYS-EXACT" not in {r.rule_id for r in record.results()}
    with pytest.raises(KeyError):
        record.passed("NO-SUCH-RULE")


# --- timestamps ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1970-01-01T00:00:00Z", Fraction(0)),
        ("1970-01-01", Fraction(0)),
        ("1970-01-01t01:00:00+01:00", Fraction(0)),
        ("1970-01-01T00:00:00.000000001z", Fraction(1, 10**9)),
        ("1970-01-01T00:00:00", Fraction(0)),
    ],
)
def test_parse_instant(text: str, seconds: Fraction) -> None:
    assert parse_instant(text) == seconds


@pytest.mark.parametrize("text", ["1970-13-01", "1970-01-01 00:00:00Z", "0", "1970-01-01T00:00Z"])
def test_parse_instant_rejects(text: str) -> None:
    assert parse_instant(text) is None


def test_format_instant_round_trips() -> None:
    t = Fraction(1779372491) + Fraction(1, 2)
    for offset in (0, 330, -480):
        text = format_instant(t, offset_minutes=offset, fraction_digits=1)
        assert parse_instant(text) == t
    assert format_instant(Fraction(0), zulu="") == "1970-01-01T00:00:00"


# --- per-item rules --------------------------------------------------------


def test_the_docs_item_is_clean() -> None:
    assert item_problems(TOPUP) == []


@pytest.mark.parametrize(
    ("change", "rule_id"),
    [
        ({"amount_usd": Decimal("50.001")}, "ITEM-MONEY-DECIMALS"),
        ({"balance_after_usd": Decimal("0.125")}, "ITEM-MONEY-DECIMALS"),
        ({"amount_usd": Decimal("-50")}, "ITEM-AMOUNT-SIGN"),
        ({"amount_usd": 0}, "ITEM-AMOUNT-SIGN"),
        ({"amount_usd": "50.00"}, "BODY-SHAPE"),
        ({"id": 0}, "BODY-SHAPE"),
        ({"kind": "bonus"}, "BODY-SHAPE"),
        ({"created_at": "2026-05-21T14:08:11+00:00"}, "ITEM-CREATED-AT-FORMAT"),
        ({"note": "hello"}, "ITEM-NOTE-NON-ADMIN-NULL"),
        ({"extra": 1}, "BODY-KEYS-EXACT"),
        ({"source": {"provider": "stripe"}}, "SOURCE-TOPUP-DOCUMENTED"),
        ({"source": {**TOPUP["source"], "method": "card_discover_4242"}}, "SOURCE-TOPUP-EXACT"),
        (
            {"source": {"provider": "wire", "receipt_id": "ch_1", "method": "wire_transfer"}},
            "SOURCE-TOPUP-EXACT",
        ),
    ],
)
def test_each_item_rule_can_fail(change: dict[str, object], rule_id: str) -> None:
    item = {**TOPUP, **change}
    assert rule_id in {r for r, _ in item_problems(item)}


def test_missing_fields_and_other_kinds() -> None:
    assert ("BODY-SHAPE", "missing keys ['note']") in item_problems(
        {k: v for k, v in TOPUP.items() if k != "note"}
    )
    admin = {
        **TOPUP,
        "kind": "admin_debit",
        "amount_usd": Decimal("-5"),
        "note": "t #1",
        "source": {"actor": "ops"},
    }
    assert {r for r, _ in item_problems(admin)} == {"SOURCE-ADMIN-EXACT"}
    renew = {
        **TOPUP,
        "kind": "subscription_renew",
        "amount_usd": Decimal("-20"),
        "source": {"plan": "pro", "period_start": "2026-02-30", "period_end": "2026-03-01"},
    }
    assert {r for r, _ in item_problems(renew)} == {"SOURCE-SUBSCRIPTION-EXACT"}
    refund = {**TOPUP, "kind": "refund", "source": {"request_id": "req_1", "model": "m"}}
    assert item_problems(refund) == []


def test_money_is_read_from_the_raw_text() -> None:
    """0.07 and 19.99 are two-decimal values; floats would make them look otherwise."""
    exchange = _exchange()
    exchange.text = '{"amount_usd": 19.99, "balance_after_usd": 0.07, "x": 81.400}'
    assert exchange.body == {
        "amount_usd": Decimal("19.99"),
        "balance_after_usd": Decimal("0.07"),
        "x": Decimal("81.400"),
    }
    assert item_problems({**TOPUP, **exchange.body, "x": None}) == [
        ("BODY-KEYS-EXACT", "unexpected item keys ['x']")
    ]


# --- report and JUnit ------------------------------------------------------


def _report() -> Report:
    rules = list(CATALOG.values())
    violation = Violation("PAGE-LEN", "§4", "curl -sS -i 'u'", "3 items", "2 items")
    results = [
        RuleResult(rules[0], Status.PASSED, checks=3),
        RuleResult(CATALOG["PAGE-LEN"], Status.VIOLATED, violations=(violation,), checks=1),
        RuleResult(CATALOG["BALANCE-CHAIN"], Status.NOT_CHECKED, reason="no entries"),
    ]
    return Report("http://h/api/v1", Profile.FULL, results)


def test_report_text_and_exit_code() -> None:
    report = _report()
    text = report.to_text()
    assert report.exit_code == 1 and report.violated_rule_ids == ["PAGE-LEN"]
    assert "VIOLATED    PAGE-LEN" in text
    assert "not checked BALANCE-CHAIN" in text and "[no entries]" in text
    assert "expected: 3 items" in text and "actual:   2 items" in text
    assert report.to_dict()["rules"][1]["violations"][0]["rule_id"] == "PAGE-LEN"


def test_junit_one_testcase_per_rule() -> None:
    root = ET.fromstring(junit_xml(_report()))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases["PAGE-LEN"].find("failure") is not None
    skipped = cases["BALANCE-CHAIN"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not checked: no entries"
    passed = next(iter(cases.values()))
    assert passed.find("failure") is None and passed.find("skipped") is None


def _report_with_errors() -> Report:
    report = _report()
    report.results += [
        RuleResult(CATALOG["OPENAPI-STATUS-CODE"], Status.ERROR, reason="no OpenAPI document"),
        RuleResult(CATALOG["OPENAPI-CONTENT-TYPE"], Status.ERROR, reason="no OpenAPI document"),
        RuleResult(CATALOG["HEAD-LIKE-GET"], Status.ERROR, reason="internal error\n in check"),
    ]
    return report


def test_could_not_run_exits_2_even_with_violations() -> None:
    report = _report_with_errors()
    assert report.exit_code == 2 and not report.ok and not report.could_run
    assert report.violated_rule_ids == ["PAGE-LEN"]
    assert report.error_rule_ids == ["OPENAPI-STATUS-CODE", "OPENAPI-CONTENT-TYPE", "HEAD-LIKE-GET"]
    assert report.error_summary() == (
        "3 rule(s) could not run: OPENAPI-STATUS-CODE, OPENAPI-CONTENT-TYPE: no OpenAPI "
        "document; HEAD-LIKE-GET: internal error in check"
    )
    text = report.to_text()
    assert "ERROR       OPENAPI-STATUS-CODE" in text and "[no OpenAPI document]" in text
    assert "1 passed, 1 violated, 1 not checked, 3 could not run, in " in text
    assert report.to_dict()["exit_code"] == 2
    assert report.to_dict()["rules"][3]["status"] == "ERROR"
    assert _report().error_summary() is None and _report().could_run


def test_junit_marks_could_not_run_as_an_error() -> None:
    root = ET.fromstring(junit_xml(_report_with_errors()))
    suite = root.find("testsuite")
    assert suite is not None
    counts = [suite.get(name) for name in ("tests", "failures", "errors", "skipped")]
    assert counts == ["6", "1", "3", "1"]
    case = next(c for c in suite.findall("testcase") if c.get("name") == "OPENAPI-STATUS-CODE")
    error = case.find("error")
    assert error is not None and error.get("message") == "could not run: no OpenAPI document"
    assert case.find("skipped") is None and case.find("failure") is None


def test_pytest_fails_could_not_run_and_skips_not_checked() -> None:
    """In the pytest front end only a fact of the target is a skip; the tool's failure fails."""
    report = _report_with_errors()
    with pytest.raises(pytest.fail.Exception, match="OPENAPI-STATUS-CODE could not run: no Open"):
        pytest_front_end.test_rule(report, "OPENAPI-STATUS-CODE")
    with pytest.raises(pytest.skip.Exception, match="not checked: no entries"):
        pytest_front_end.test_rule(report, "BALANCE-CHAIN")
    with pytest.raises(pytest.fail.Exception, match="PAGE-LEN"):
        pytest_front_end.test_rule(report, "PAGE-LEN")


def test_describe_failure_is_one_line_with_the_place() -> None:
    try:
        raise KeyError("missing")
    except KeyError as error:
        text = describe_failure(error)
    assert text.startswith("KeyError: 'missing' (at contract/test_contract_units.py:")
    assert "\n" not in describe_failure(ValueError("two\nlines"))


def test_rule_is_a_frozen_record() -> None:
    rule = CATALOG["PAGE-LEN"]
    assert isinstance(rule, Rule)
    with pytest.raises(AttributeError):
        rule.id = "X"  # type: ignore[misc]
