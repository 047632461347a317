"""The suite never claims what it did not check (issue #9).

Installed from a wheel on Python 3.11, `ledger-mock check` once failed to find
its own OpenAPI documents (a multi-segment `Traversable.joinpath`, 3.12+
only), reported the 11 `OPENAPI-*` rules "not checked" and exited 0.  Two
things went wrong, and each has tests here:

- the lookup itself: an installed suite must read its installed
  `ledger_schemas`, on every supported Python, and every rule must run
  against the mock (the test that would have caught the bug);
- the verdict: a rule the tool cannot run for a reason of its own (a missing
  schema, a failed import, an exception in a check) is ERROR ("could not
  run"), the run exits 2 and says why; "not checked" is left for reasons
  about the target.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import contract_tests
import contract_tests.runner
from contract_tests import CATALOG, Profile, Status, run_check
from contract_tests import spec as spec_module
from contract_tests.checks import ALL_CHECKS, Check
from contract_tests.cli import check
from contract_tests.context import Context
from contract_tests.errors import SchemaNotFound
from contract_tests.fuzzing import CHECK_RULES
from tests.servers import running_mock

REPO = Path(__file__).resolve().parents[2]
# The package's own folder, installed or a checkout's: `pytest <folder>` runs the suite.
SUITE = Path(contract_tests.__file__).parent
KEYS: dict[str, Any] = {
    "api_key": "bsk_test_default",
    "second_key": "bsk_test_default_2",
    "other_account_key": "bsk_test_docs",
    "revoked_key": "bsk_test_revoked",
}
CLI_KEYS = [arg for name, key in KEYS.items() for arg in (f"--{name.replace('_', '-')}", key)]
FEW_EXAMPLES = ["--max-examples", "10"]  # every Schemathesis check still runs
OPENAPI_RULES = list(CHECK_RULES.values())
# The one rule the default account cannot give evidence for: a fact about its data.
NO_TIES = {"ORDER-TIES-ID-DESC": "no two entries of the account share a created_at"}


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """`ledger-mock serve --port 0` as a real process; its base URL."""
    with running_mock() as url:
        yield url


def _break_the_schema_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Neither an installed `ledger_schemas` nor a checkout folder: return the reason text."""
    monkeypatch.setattr(spec_module, "PACKAGE", "ledger_schemas_not_installed")
    monkeypatch.setattr(spec_module, "_CHECKOUT", tmp_path / "schemas")
    return "ledger_schemas_not_installed is not installed and there is no checkout folder"


# --- every rule runs against the mock ----------------------------------------


def test_every_rule_runs_against_the_mock(served: str) -> None:
    """Full profile, full key set: nothing could not run, and only a fact of the data is
    not checked; the ties account covers that last rule, so the catalog is covered."""
    report = run_check(base_url=served, max_examples=10, **KEYS)
    assert report.exit_code == 0, report.to_text()
    assert report.error_rule_ids == [], report.error_summary()
    unchecked = {r.rule_id: r.reason for r in report.results if r.status is not Status.PASSED}
    assert unchecked == NO_TIES, report.to_text()
    ties = run_check(base_url=served, api_key="bsk_test_ties", fuzz=False)
    assert ties.result("ORDER-TIES-ID-DESC").status is Status.PASSED
    assert {r.rule_id for r in report.results} == set(CATALOG)


def _install_like_a_wheel(site: Path) -> None:
    """Lay the packages out as the wheel does, following pyproject's hatch settings.

    Building a real wheel needs hatchling from the package index; the layout
    is what matters: `ledger_schemas` beside `contract_tests`, no `schemas/`.
    """
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in wheel["packages"]:
        shutil.copytree(REPO / package, site / Path(package).name, ignore=skip)
    for source, target in wheel["force-include"].items():
        shutil.copytree(REPO / source, site / target, ignore=skip)


WHERE = (
    "import contract_tests, contract_tests.spec as s; "
    "print(contract_tests.__file__); print(s.openapi_path(s.Profile.FULL))"
)


def test_an_installed_copy_checks_every_rule(served: str, tmp_path: Path) -> None:
    """The reported bug's set-up: the suite installed (not the checkout), on this Python
    (3.11 in the dev venv), run from another directory.  A `schemas/` folder that happens
    to sit beside the installed package is not the suite's, and must not be read."""
    site = tmp_path / "site"
    _install_like_a_wheel(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTEST_"))}
    env.update(PYTHONPATH=str(site), PYTHONSAFEPATH="1")
    installed = site / "ledger_schemas" / "full" / "openapi.json"

    def where() -> Path:
        found = subprocess.run(
            [sys.executable, "-c", WHERE],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
        )
        assert found.returncode == 0, found.stderr[-2000:]
        package, document = found.stdout.splitlines()
        assert Path(package).is_relative_to(site), package
        return Path(document)

    assert where() == installed
    decoy = site / "schemas" / "full"
    decoy.mkdir(parents=True)
    (decoy / "openapi.json").write_text("{not an OpenAPI document", encoding="utf-8")
    assert where() == installed
    result = subprocess.run(
        [sys.executable, "-m", "contract_tests", "--base-url", served, *CLI_KEYS, *FEW_EXAMPLES],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert ", 0 violated, 1 not checked, 0 could not run," in result.stdout


# --- where the OpenAPI documents come from -----------------------------------


def test_the_installed_schemas_win_and_the_checkout_is_only_a_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    document = spec_module.openapi_path(Profile.FULL)
    installed = importlib.util.find_spec(spec_module.PACKAGE)
    if installed is not None:
        folders = [Path(p) for p in installed.submodule_search_locations or ()]
        assert any(document.is_relative_to(folder) for folder in folders), document
    else:  # run straight from a checkout that was never installed
        assert document == REPO / "schemas" / "full" / "openapi.json"
    # The fallback: the `schemas/` beside the `contract_tests/` that runs, when nothing
    # named ledger_schemas can be imported.
    package = Path(spec_module.__file__).resolve().parent
    assert package.parent / "schemas" == spec_module._CHECKOUT
    checkout = tmp_path / "schemas"
    (checkout / "documented").mkdir(parents=True)
    (checkout / "documented" / "openapi.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(spec_module, "PACKAGE", "ledger_schemas_not_installed")
    monkeypatch.setattr(spec_module, "_CHECKOUT", checkout)
    assert spec_module.openapi_path(Profile.DOCUMENTED) == checkout / "documented" / "openapi.json"


def test_the_installed_schemas_are_not_a_stale_copy() -> None:
    """An install copies `schemas/` (an editable one too), and the suite reads that copy:
    after editing a schema, reinstall (`pip install -e .`) or the suite checks old ones."""
    if importlib.util.find_spec(spec_module.PACKAGE) is None:
        return  # nothing installed: the suite reads the checkout itself
    root = resources.files(spec_module.PACKAGE)
    stale = []
    for path in sorted((REPO / "schemas").rglob("*.json")):
        copy: Any = root
        for part in path.relative_to(REPO / "schemas").parts:
            copy = copy / part
        if not copy.is_file() or copy.read_bytes() != path.read_bytes():
            stale.append(str(path.relative_to(REPO)))
    assert stale == [], f"installed {spec_module.PACKAGE} differs, reinstall: {stale}"


def test_a_missing_document_names_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    says = _break_the_schema_lookup(monkeypatch, tmp_path)
    with pytest.raises(SchemaNotFound, match=says):
        spec_module.openapi_path(Profile.FULL)
    (tmp_path / "schemas" / "full").mkdir(parents=True)
    with pytest.raises(SchemaNotFound, match=r"no full/openapi\.json in the checkout's "):
        spec_module.openapi_path(Profile.FULL)


# --- tool-side failures: ERROR and exit 2 --------------------------------------


def test_a_missing_schema_makes_the_cli_exit_2_with_the_reason(
    served: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    says = _break_the_schema_lookup(monkeypatch, tmp_path)
    junit = tmp_path / "contract.xml"
    result = CliRunner().invoke(
        check, ["--base-url", served, *CLI_KEYS, *FEW_EXAMPLES, "--junit-xml", str(junit)]
    )
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: 11 rule(s) could not run: {', '.join(OPENAPI_RULES)}: ")
    assert says in line and "Traceback" not in result.stderr
    assert "ERROR       OPENAPI-STATUS-CODE" in result.stdout and says in result.stdout
    assert " 0 violated, 1 not checked, 11 could not run," in result.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "11" and suite.get("skipped") == "1"
    errors = {c.get("name") for c in suite.findall("testcase") if c.find("error") is not None}
    assert errors == set(OPENAPI_RULES)


def test_an_exception_in_a_check_is_could_not_run(
    served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partial evidence is no pass: the rule of a check that crashed is ERROR."""

    def crashes(ctx: Context) -> None:
        ctx.record.passed("HEAD-LIKE-GET")
        raise ZeroDivisionError("boom")

    broken = tuple(
        Check(c.name, c.rules, crashes) if c.rules == ("HEAD-LIKE-GET",) else c for c in ALL_CHECKS
    )
    assert broken != ALL_CHECKS
    monkeypatch.setattr(contract_tests.runner, "ALL_CHECKS", broken)
    report = run_check(base_url=served, fuzz=False, **KEYS)
    assert report.exit_code == 2 and report.error_rule_ids == ["HEAD-LIKE-GET"]
    reason = report.result("HEAD-LIKE-GET").reason or ""
    assert reason.startswith("internal error in check head_like_get: ZeroDivisionError: boom (at ")
    assert report.result("ENDPOINT-200").status is Status.PASSED


def test_a_failed_history_read_is_could_not_run(
    served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def discover(*args: object, **kwargs: object) -> None:
        raise KeyError("items")

    monkeypatch.setattr(contract_tests.runner, "discover", discover)
    report = run_check(base_url=served, fuzz=False, **KEYS)
    assert report.exit_code == 2
    for rule_id in ("PAGE-CONCAT", "BALANCE-CHAIN", "FILTER-KIND", "AUTH-ISOLATION"):
        result = report.result(rule_id)
        assert result.status is Status.ERROR, rule_id
        assert (result.reason or "").startswith("reading the history failed: KeyError: 'items'")
    assert report.result("AUTH-401-MISSING").status is Status.PASSED


def test_a_failed_import_is_could_not_run(served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # `import schemathesis` now fails
    report = run_check(base_url=served, max_examples=1, **KEYS)
    assert report.exit_code == 2 and report.error_rule_ids == OPENAPI_RULES
    reason = report.result("OPENAPI-STATUS-CODE").reason or ""
    assert reason.startswith("Schemathesis could not run: ModuleNotFoundError: "), reason


def test_turning_fuzzing_off_is_not_a_failure(served: str) -> None:
    """The caller's choice is "not checked", exit 0: only the tool's failures are errors."""
    report = run_check(base_url=served, fuzz=False, **KEYS)
    assert report.exit_code == 0
    assert {r.rule_id for r in report.results if r.status is Status.NOT_CHECKED} == {
        *OPENAPI_RULES,
        *NO_TIES,
    }


BREAK_SPEC_PLUGIN = textwrap.dedent(
    """
    from pathlib import Path

    import contract_tests.spec


    def pytest_configure(config):
        contract_tests.spec.PACKAGE = "ledger_schemas_not_installed"
        contract_tests.spec._CHECKOUT = Path("/nonexistent/schemas")
    """
)


def test_pytest_fails_a_rule_that_could_not_run(served: str, tmp_path: Path) -> None:
    (tmp_path / "break_spec.py").write_text(BREAK_SPEC_PLUGIN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTEST_"))}
    env["PYTHONPATH"] = str(tmp_path)
    rules = ("OPENAPI-STATUS-CODE", "PAGE-LEN", "ORDER-TIES-ID-DESC")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *(f"{SUITE / 'test_rules.py'}::test_rule[{rule_id}]" for rule_id in rules),
            "-q",
            "-rfs",
            "-p",
            "break_spec",
            "--ledger-base-url",
            served,
            *(f"--ledger-{arg[2:]}" if arg.startswith("--") else arg for arg in CLI_KEYS),
            "--ledger-max-examples",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 failed, 1 passed, 1 skipped" in result.stdout, result.stdout[-3000:]
    assert "OPENAPI-STATUS-CODE could not run: no OpenAPI document: " in result.stdout
    assert "not checked: no two entries of the account share a created_at" in result.stdout
