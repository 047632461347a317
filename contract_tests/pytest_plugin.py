"""Run the contract suite under pytest: one test per rule of the profile.

`pytest contract_tests --ledger-base-url URL --ledger-api-key KEY` (the
project's `testpaths` leave it out of a bare `pytest`).  Every option has an
ini key and an environment variable (option → ini → environment).  The whole
check runs once per session; each test reports its rule: a violation fails
with the curl lines, a rule the tool could not run (a missing schema, an
internal error) fails with the reason, and a rule the target gave nothing to
check is skipped with its reason (the only skip this suite ever makes).
Options are `--ledger-*`, never `--base-url`, which pytest-base-url owns.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from contract_tests.catalog import Profile, rules_for

__all__ = [
    "ledger_contract_report",
    "pytest_addoption",
    "pytest_configure",
    "pytest_generate_tests",
]

# (option suffix, help, is a flag)
_OPTIONS: tuple[tuple[str, str, bool], ...] = (
    ("base-url", "base URL of the implementation, e.g. http://127.0.0.1:8080/api/v1", False),
    ("api-key", "a valid key of the account to check (required)", False),
    ("second-key", "another key of the same account", False),
    ("other-account-key", "a key of another account (isolation)", False),
    ("revoked-key", "a revoked key", False),
    ("profile", "documented or full (default full)", False),
    ("usage-drift", "relax the balance chain to <= (real wallets)", True),
    ("no-openapi", "skip the Schemathesis phase (OPENAPI-* rules not checked)", True),
    # `--ledger-seed` belongs to the fixtures plugin (the mock's data seed).
    ("check-seed", "seed of the suite's randomness (default: the suite's)", False),
    ("max-examples", "Schemathesis examples (default: the suite's)", False),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `--ledger-*` options and their ini keys."""
    group = parser.getgroup("ledger", "BytesPike ledger contract suite")
    for suffix, help_text, flag in _OPTIONS:
        name = "ledger_" + suffix.replace("-", "_")
        env = name.upper()
        if flag:
            group.addoption(f"--ledger-{suffix}", action="store_true", dest=name, help=help_text)
            parser.addini(name, f"{help_text} (env {env})", type="bool", default=False)
        else:
            group.addoption(f"--ledger-{suffix}", dest=name, help=f"{help_text} (env {env})")
            parser.addini(name, f"{help_text} (env {env})", default="")


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    if value:
        return value
    value = config.getini(name)
    if value:
        return value
    return os.environ.get(name.upper()) or None


def _profile(config: pytest.Config) -> Profile:
    raw = _setting(config, "ledger_profile") or Profile.FULL.value
    try:
        return Profile(raw)
    except ValueError:
        raise pytest.UsageError(
            f"--ledger-profile must be documented or full, not {raw!r}"
        ) from None


def _require_target(config: pytest.Config) -> None:
    """Fail at collection, once, rather than with one error per rule."""
    if not _setting(config, "ledger_base_url") or not _setting(config, "ledger_api_key"):
        raise pytest.UsageError("the contract suite needs --ledger-base-url and --ledger-api-key")


# run_check's integer arguments and our settings for them. Not `ledger_seed`: that
# one belongs to the fixtures plugin (the mock's data seed), hence `check_seed`.
_INTEGERS = (("seed", "ledger_check_seed"), ("max_examples", "ledger_max_examples"))


def _integers(config: pytest.Config) -> dict[str, int]:
    """The integer settings given, as run_check's keyword arguments (UsageError if not ints)."""
    found = {}
    for name, setting in _INTEGERS:
        raw = _setting(config, setting)
        if raw is not None:
            try:
                found[name] = int(raw)
            except ValueError:
                option = "--" + setting.replace("_", "-")
                raise pytest.UsageError(f"{option} must be an integer, not {raw!r}") from None
    return found


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run the suite without a usable target: one clear usage error, at
    start-up rather than once per rule (not with --help)."""
    if not (config.option.help or config.option.version):
        _require_target(config)
        _integers(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per rule of the selected profile, with the rule id as test id."""
    if "ledger_contract_rule" in metafunc.fixturenames:
        ids = [rule.id for rule in rules_for(_profile(metafunc.config))]
        metafunc.parametrize("ledger_contract_rule", ids, ids=ids)


@pytest.fixture(scope="session")
def ledger_contract_report(pytestconfig: pytest.Config) -> Any:
    """The report of one run of the whole check against the configured target."""
    from contract_tests.errors import CheckCouldNotRun
    from contract_tests.runner import run_check

    _require_target(pytestconfig)
    kwargs: dict[str, Any] = {
        "base_url": _setting(pytestconfig, "ledger_base_url"),
        "api_key": _setting(pytestconfig, "ledger_api_key"),
        "second_key": _setting(pytestconfig, "ledger_second_key"),
        "other_account_key": _setting(pytestconfig, "ledger_other_account_key"),
        "revoked_key": _setting(pytestconfig, "ledger_revoked_key"),
        "profile": _profile(pytestconfig),
        "usage_drift": bool(_setting(pytestconfig, "ledger_usage_drift")),
        "fuzz": not _setting(pytestconfig, "ledger_no_openapi"),
        **_integers(pytestconfig),
    }
    try:
        return run_check(**kwargs)
    except CheckCouldNotRun as error:
        pytest.exit(f"the contract check could not run: {error}", returncode=2)
