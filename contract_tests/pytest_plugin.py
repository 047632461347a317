"""Run the contract suite under pytest: one test per rule of the profile.

`pytest --pyargs contract_tests --ledger-base-url URL --ledger-api-key KEY`
from any directory (the options come from the `pytest11` entry point,
`contract_tests.pytest_options`); in a checkout `pytest contract_tests` is
the same (the project's `testpaths` leave it out of a bare `pytest`).  Every
option has an ini key and an environment variable (option → ini →
environment).  The whole check runs once per session; each test reports its
rule: a violation fails
with the curl lines, a rule the tool could not run (a missing schema, an
internal error) fails with the reason, and a rule the target gave nothing to
check is skipped with its reason (the only skip this suite ever makes).
Options are `--ledger-*`, never `--base-url`, which pytest-base-url owns.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest

from contract_tests import pytest_options
from contract_tests.catalog import Profile, rules_for

__all__ = [
    "ledger_contract_report",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_generate_tests",
]


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the `--ledger-*` options, unless the `pytest11` entry point already did
    (it always does in an installed package; not with plugin autoloading off)."""
    if not pluginmanager.is_registered(pytest_options):
        pytest_options.add_options(parser)


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    if value:
        return value
    value = config.getini(name)
    if value:
        return value
    return os.environ.get(name.upper()) or None


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _flag(config: pytest.Config, name: str) -> bool:
    """A flag: the option, the ini key, then the variable, read as a boolean word.

    `bool()` of the variable's text once read `LEDGER_NO_OPENAPI=0` as set.
    """
    if config.getoption(name) or config.getini(name):
        return True
    variable = name.upper()
    raw = os.environ.get(variable)
    if raw is None or not raw.strip():
        return False
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise pytest.UsageError(
        f"{variable} must be 1/true/yes/on or 0/false/no/off (any case), not {raw!r}"
    )


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


# run_check's numeric arguments, our settings for them and their smallest value. Not
# `ledger_seed`: that one belongs to the fixtures plugin (the mock's data seed).
_INTEGERS = (
    ("seed", "ledger_check_seed", None),
    ("max_examples", "ledger_max_examples", 1),
    ("max_tries", "ledger_max_tries", 1),
)
_SECONDS = (("max_duration", "ledger_max_duration", False), ("max_wait", "ledger_max_wait", True))
_FLAGS = tuple(
    "ledger_" + suffix.replace("-", "_") for suffix, _, flag in pytest_options.OPTIONS if flag
)


def _numbers(config: pytest.Config) -> dict[str, Any]:
    """The numeric settings and the rate limit given, as run_check's keyword arguments
    (one UsageError for a value that is no such number)."""
    found: dict[str, Any] = {}
    for name, setting, least in _INTEGERS:
        raw = _setting(config, setting)
        if raw is not None:
            option = "--" + setting.replace("_", "-")
            try:
                found[name] = int(raw)
            except ValueError:
                raise pytest.UsageError(f"{option} must be an integer, not {raw!r}") from None
            if least is not None and found[name] < least:
                raise pytest.UsageError(f"{option} must be >= {least}, not {raw!r}")
    for name, setting, zero_ok in _SECONDS:
        raw = _setting(config, setting)
        if raw is not None:
            option = "--" + setting.replace("_", "-")
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not (value >= 0 if zero_ok else value > 0) or math.isinf(value):
                bound = ">= 0" if zero_ok else "> 0"
                raise pytest.UsageError(f"{option} must be seconds {bound}, not {raw!r}")
            found[name] = value
    raw = _setting(config, "ledger_rate_limit")
    if raw is not None:
        from contract_tests.errors import BadArguments
        from contract_tests.pacing import RateLimit

        try:
            found["rate_limit"] = RateLimit.parse(raw)
        except BadArguments as error:
            raise pytest.UsageError(f"--ledger-rate-limit: {error}") from None
    return found


def pytest_collection_modifyitems(config: pytest.Config) -> None:
    """Refuse to run the suite without a usable target: one clear usage error, once,
    rather than once per rule.

    Not at `pytest_configure`: with `--pyargs` this conftest is found during
    collection, where an error at configure time is reported as a broken
    conftest with a traceback; an error here is pytest's plain `ERROR:` line.
    """
    _require_target(config)
    _numbers(config)
    _profile(config)
    for name in _FLAGS:
        _flag(config, name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per rule of the selected profile, with the rule id as test id (an
    unknown profile is reported once, after collection)."""
    if "ledger_contract_rule" in metafunc.fixturenames:
        try:
            profile = _profile(metafunc.config)
        except pytest.UsageError:
            profile = Profile.FULL
        ids = [rule.id for rule in rules_for(profile)]
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
        "usage_drift": _flag(pytestconfig, "ledger_usage_drift"),
        "fuzz": not _flag(pytestconfig, "ledger_no_openapi"),
        **_numbers(pytestconfig),
    }
    try:
        return run_check(**kwargs)
    except CheckCouldNotRun as error:
        pytest.exit(f"the contract check could not run: {error}", returncode=2)
