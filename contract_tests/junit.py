"""The report as JUnit XML: one testcase per rule.

CI dashboards read this: a violated rule is a `<failure>`, a rule the tool
could not run (a broken install, an internal error) is an `<error>`, a rule
the target gave nothing to check is `<skipped>` with its reason; never a pass.
The suite's `<properties>` carry the run's traffic (requests, pushback counts,
seconds waited), its `<system-out>` the same as one line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from contract_tests.report import Report, Status

__all__ = ["junit_xml", "write_junit"]


def junit_xml(report: Report) -> str:
    """The JUnit XML document for `report`."""
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        name=f"bytespike-ledger-contract.{report.profile}",
        tests=str(len(report.results)),
        failures=str(counts[Status.VIOLATED]),
        errors=str(counts[Status.ERROR]),
        skipped=str(counts[Status.NOT_CHECKED]),
        time=f"{report.elapsed:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in report.traffic.to_dict().items():
        if value is not None:
            ET.SubElement(properties, "property", name=f"traffic.{name}", value=str(value))
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"contract.{report.profile}.section{result.rule.section.lstrip('§')}",
            name=result.rule_id,
            time="0",
        )
        if result.status is Status.VIOLATED:
            first = result.violations[0]
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{first.rule_id} ({first.section}): expected {first.expected}",
                type="ContractViolation",
            )
            failure.text = "\n\n".join(
                f"{v.curl}\nexpected: {v.expected}\nactual:   {v.actual}" for v in result.violations
            )
        elif result.status is Status.ERROR:
            ET.SubElement(
                case, "error", message=f"could not run: {result.reason}", type="CheckCouldNotRun"
            )
        elif result.status is Status.NOT_CHECKED:
            ET.SubElement(case, "skipped", message=f"not checked: {result.reason}")
        ET.SubElement(case, "system-out").text = result.rule.summary
    ET.SubElement(suite, "system-out").text = f"traffic: {report.traffic.summary()}"
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(report: Report, path: Path | str) -> None:
    """Write `junit_xml(report)` to `path` (UTF-8)."""
    Path(path).write_text(junit_xml(report), encoding="utf-8")
