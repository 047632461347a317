"""`pytest --pyargs contract_tests --ledger-base-url ... --ledger-api-key ...` from any
directory: the CI recipe of docs/contract-suite.md.

pytest parses the command line before it finds the package's `conftest.py`,
so the `--ledger-*` options come from the `pytest11` entry point
(`contract_tests.pytest_options`).  These tests run pytest as a user does:
a subprocess in an empty temporary directory, `PYTHONSAFEPATH=1`, against
whatever is installed (the wheel under nox, the editable install here).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from contract_tests import Profile, rules_for
from tests.servers import running_mock

OPTIONS_PLUGIN = "contract_tests.pytest_options"


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with running_mock() as url:
        yield url


def _pytest(
    cwd: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTEST_"))}
    env["PYTHONSAFEPATH"] = "1"
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
    )


def test_the_options_plugin_is_a_pytest11_entry_point() -> None:
    plugins = {ep.value for ep in entry_points(group="pytest11")}
    assert OPTIONS_PLUGIN in plugins, (
        f"pyproject.toml's [project.entry-points.pytest11] must name {OPTIONS_PLUGIN} "
        f"(then reinstall); found {sorted(plugins)}"
    )


def test_pyargs_runs_one_test_per_rule_from_any_directory(served: str, tmp_path: Path) -> None:
    junit = tmp_path / "contract.xml"
    result = _pytest(
        tmp_path,
        *("--pyargs", "contract_tests", "-q", "-rs", "--junit-xml", str(junit)),
        *("--ledger-base-url", served, "--ledger-api-key", "bsk_test_docs"),
        *("--ledger-profile", "documented", "--ledger-no-openapi"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "not checked: no revoked key" in result.stdout
    cases = ET.parse(junit).getroot().iter("testcase")
    names = sorted(case.get("name", "") for case in cases)
    expected = sorted(f"test_rule[{rule.id}]" for rule in rules_for(Profile.DOCUMENTED))
    assert names == expected


def test_pyargs_without_a_target_is_one_usage_error(tmp_path: Path) -> None:
    result = _pytest(tmp_path, "--pyargs", "contract_tests")
    assert result.returncode == 4
    assert "the contract suite needs --ledger-base-url and --ledger-api-key" in result.stderr


@pytest.mark.slow  # a pytest process of its own
def test_the_options_live_beside_the_fixtures_plugin(tmp_path: Path) -> None:
    """Both plugins load in any session: no option of one clashes with the other's."""
    result = _pytest(tmp_path, "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    for option in ("--ledger-base-url", "--ledger-rate-limit", "--ledger-seed"):
        assert option in result.stdout


def test_the_options_plugin_is_cheap_to_import(tmp_path: Path) -> None:
    """Every pytest session imports it: it must not pull in requests or the checks."""
    code = (
        f"import sys, {OPTIONS_PLUGIN}; "
        "print([m for m in ('requests', 'contract_tests.runner', 'schemathesis') "
        "if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "plugin",
    [OPTIONS_PLUGIN, pytest.param("contract_tests.pytest_plugin", marks=pytest.mark.slow)],
)
def test_naming_a_plugin_beside_autoloading_is_no_error(tmp_path: Path, plugin: str) -> None:
    """`-p` loads the module before the entry points: its options are not added twice,
    and the same module is not registered again under the entry point's name."""
    result = _pytest(tmp_path, "-p", plugin, "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "already" not in result.stderr
    assert result.stdout.count("--ledger-base-url") == 1


def test_the_recipe_without_plugin_autoloading(served: str, tmp_path: Path) -> None:
    """docs/contract-suite.md: `PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 pytest -p
    contract_tests.pytest_options --pyargs contract_tests ...`."""
    junit = tmp_path / "contract.xml"
    result = _pytest(
        tmp_path,
        *("-p", OPTIONS_PLUGIN, "--pyargs", "contract_tests", "-q", "--junit-xml", str(junit)),
        *("--ledger-base-url", served, "--ledger-api-key", "bsk_test_docs"),
        *("--ledger-profile", "documented", "--ledger-no-openapi"),
        env_extra={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert len(cases) == len(rules_for(Profile.DOCUMENTED))
