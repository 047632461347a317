"""End to end: `ledger-mock serve --port 0` in a subprocess, checked by `check`.

The way a user runs it: the mock as a real process, the suite through its
CLI (full and documented profiles, Schemathesis included) and through pytest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from contract_tests.cli import check

DEFAULT_KEYS = [
    "--api-key",
    "bsk_test_default",
    "--second-key",
    "bsk_test_default_2",
    "--other-account-key",
    "bsk_test_docs",
    "--revoked-key",
    "bsk_test_revoked",
]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """Start the mock on a free port; yield the base URL of its first stdout line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v1"), url
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("profile", ["full", "documented"])
def test_check_passes_against_the_mock(served: str, profile: str, tmp_path: Path) -> None:
    junit = tmp_path / "contract.xml"
    started = time.monotonic()
    result = CliRunner().invoke(
        check,
        ["--base-url", served, *DEFAULT_KEYS, "--profile", profile, "--junit-xml", str(junit)],
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert " 0 violated" in result.output and " 0 could not run," in result.output
    assert elapsed < 60
    # Nothing pushed back: the traffic line says so, and the JUnit properties agree.
    assert (
        "x 429" in result.output
        and " 0 retried, 0 given up, 0 unanswered; waited 0.0 s" in result.output
    )
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert int(properties["traffic.requests"] or 0) > 100
    assert properties["traffic.rate_limited_429"] == properties["traffic.retries"] == "0"
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "-1"))
    for case in cases:
        skipped = case.find("skipped")
        if skipped is not None:
            assert skipped.get("message", "").startswith("not checked: ")


def test_ledger_mock_check_subcommand(served: str) -> None:
    """`ledger-mock check` mounts this command; a bad key there is exit 2, one line."""
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--base-url", served, "--api-key", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "nope" not in result.stdout


def test_pytest_runs_one_test_per_rule(served: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            # The installed suite, run from elsewhere (its options come with the
            # package's pytest11 plugin): from the checkout, its conftest.py would
            # collide with the installed one.
            "--pyargs",
            "contract_tests",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "--ledger-base-url",
            served,
            "--ledger-api-key",
            "bsk_test_docs",
            "--ledger-profile",
            "documented",
            "--ledger-no-openapi",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "not checked: no revoked key" in result.stdout
    assert "not checked: the Schemathesis phase was turned off" in result.stdout
    assert " passed" in result.stdout and "failed" not in result.stdout
