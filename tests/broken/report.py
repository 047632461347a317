"""Print the kill table: every broken implementation against the contract suite.

    python -m tests.broken.report                 # as the default tests run it
    python -m tests.broken.report --fuzz          # the whole suite on every defect
    python -m tests.broken.report --write docs/kill-table.md   # keeps the prose above the marker

Each row: the defect, the rule(s) the suite must report, the rules it did
report (expected ones in bold), and whether it was caught (exit 1 with every
expected rule). Then the control runs: the real mock, the [decided]-only
implementation, the independent implementation and its mutants.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Iterable

from mockserver import create_app
from tests.broken import DEFECTS, mock_app
from tests.broken.decided import DECIDED_RULES, decided_only_app
from tests.broken.harness import check
from tests.broken.kill import KNOWN_GAPS, Kill, kill

__all__ = ["MARKER", "main", "render", "write"]

MARKER = "<!-- kill-table: generated below by python -m tests.broken.report -->"


def _rules(rules: Iterable[str], bold: frozenset[str] = frozenset()) -> str:
    shown = [f"**{r}**" if r in bold else r for r in rules]
    return ", ".join(shown) if shown else "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(index: int, result: Kill) -> str:
    d = result.defect
    if result.caught:
        verdict = "yes"
    elif d.name in KNOWN_GAPS:
        verdict = "**no** (suite gap)"
    else:
        verdict = "**NO**"
    run = f"{d.profile}{' + fuzz' if result.fuzz else ''}"
    if not d.quick:
        run += ", slow only"
    key = "" if d.keys.api_key == "bsk_test_default" else f" ({d.keys.api_key})"
    return (
        f"| {index} | `{d.name}` | {d.area} | {_cell(d.summary)} | {run}{key} | "
        f"{_rules(sorted(d.expected))} | {_rules(result.violated, d.expected)} | "
        f"{verdict} | {result.seconds:.1f} |"
    )


def _controls() -> list[str]:
    from tests.independent import INDEPENDENT_KEYS, MUTANT_RULES, IndependentApp

    lines = [
        "| target | profile | suite run | expected | observed violations | verdict | s |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(name: str, app: object, expected: frozenset[str], **kwargs: object) -> None:
        started = time.monotonic()
        report = check(app, **kwargs)  # type: ignore[arg-type]
        seconds = time.monotonic() - started
        got = report.violated_rule_ids
        caught = expected <= set(got) and report.exit_code == 1
        ok = caught if expected else report.exit_code == 0
        run = "stateful + fuzz" if kwargs.get("fuzz") else "stateful"
        lines.append(
            f"| {name} | {kwargs.get('profile', 'full')} | {run} | "
            f"{_rules(sorted(expected)) if expected else 'pass (0 violations)'} | "
            f"{_rules(got, expected)} | {'as expected' if ok else '**WRONG**'} | {seconds:.1f} |"
        )

    for profile in ("full", "documented"):
        row("the mock (`create_app()`)", create_app(), frozenset(), profile=profile, fuzz=True)
    row(
        "[decided]-only differences",
        decided_only_app(mock_app()),
        frozenset(),
        profile="documented",
        fuzz=False,
    )
    row(
        "[decided]-only differences",
        decided_only_app(mock_app()),
        DECIDED_RULES,
        profile="full",
        fuzz=False,
    )
    for profile, fuzz in (("full", True), ("documented", False)):
        row(
            "independent implementation",
            IndependentApp(),
            frozenset(),
            keys=INDEPENDENT_KEYS,
            profile=profile,
            fuzz=fuzz,
        )
    for bug, rule_id in MUTANT_RULES.items():
        row(
            f"independent, mutant `{bug}`",
            IndependentApp([bug]),
            frozenset({rule_id}),
            keys=INDEPENDENT_KEYS,
            profile="full",
            fuzz=False,
        )
    return lines


def render(*, fuzz: bool) -> str:
    """Run every defect (and the controls) and return the Markdown report."""
    started = time.monotonic()
    results = [
        kill(d, fuzz=True if fuzz else None, max_examples=60 if fuzz else None) for d in DEFECTS
    ]
    kill_seconds = time.monotonic() - started
    controls = _controls()
    total_seconds = time.monotonic() - started
    caught = sum(r.caught for r in results)
    mode = (
        "whole suite, fuzzing on (max_examples=60)"
        if fuzz
        else ("as the default tests: stateful checks, fuzzing only where a defect needs it")
    )
    lines = [
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by "
        f"`python -m tests.broken.report{' --fuzz' if fuzz else ''}` "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"Mode: {mode}.",
        "",
        f"**{caught} of {len(results)} defects caught**; kill table in {kill_seconds:.0f} s, "
        f"with the control runs {total_seconds:.0f} s.",
        "",
        "| # | defect | area | what is wrong | suite run | expected rule(s) | "
        "observed violations (expected in bold) | caught | s |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(i, r) for i, r in enumerate(results, 1)),
        "",
        "Control runs:",
        "",
        *controls,
    ]
    missed = [r for r in results if not r.caught]
    if missed:
        lines += ["", "Missed:", ""]
        lines += [
            f"- `{r.defect.name}`: {KNOWN_GAPS.get(r.defect.name, 'NOT a known gap')}"
            for r in missed
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fuzz", action="store_true", help="run the whole suite on each defect")
    parser.add_argument(
        "--write",
        metavar="PATH",
        help=f"also write the table to PATH, below its {MARKER!r} line if it has one",
    )
    args = parser.parse_args(argv)
    text = render(fuzz=args.fuzz)
    sys.stdout.write(text)
    if args.write:
        write(args.write, text)
    return 0


def write(path: str, table: str) -> None:
    """Replace what follows the marker line of `path` (the hand-written part stays)."""
    head = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as existing:
            current = existing.read()
        if MARKER in current:
            head = current[: current.index(MARKER) + len(MARKER)] + "\n\n"
    with open(path, "w", encoding="utf-8") as out:
        out.write(head + table)


if __name__ == "__main__":
    raise SystemExit(main())
