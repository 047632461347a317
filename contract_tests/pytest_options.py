"""The `--ledger-*` options of the contract suite, registered wherever pytest runs.

`pytest --pyargs contract_tests --ledger-base-url URL ...` must parse these
options before it has found the package's `conftest.py` (pytest reads the
command line first, and only loads the conftest files of path arguments
early), so they come from the `pytest11` entry point that imports this
module, in every pytest session of an environment with the package
installed.  This module therefore does nothing but add options: no
fixtures, no `pytest_configure`, no imports beyond pytest.  The suite itself
(the fixture, one test per rule) lives in `contract_tests/conftest.py` and
`pytest_plugin.py`, active only when the package is collected.

Names never clash with the fixtures plugin's `--ledger-config` and
`--ledger-seed` (the mock's data seed; the suite's is `--ledger-check-seed`),
nor with pytest-base-url's `--base-url`.

The options may be offered twice in one session: by the entry point and by
`-p contract_tests.pytest_plugin` (or the package's conftest) loaded before
it, or by `-p contract_tests.pytest_options` beside autoloading.  Adding is
idempotent, and a copy loaded by `-p` blocks the entry point's name, which
pluggy would otherwise refuse as the same module under a second name.
"""

from __future__ import annotations

import sys

import pytest

__all__ = ["ENTRY_POINT", "OPTIONS", "add_options", "pytest_addoption"]

# The name of this module's `pytest11` entry point (pyproject.toml).
ENTRY_POINT = "bytespike_ledger_contract"

# (option suffix, help, is a flag)
OPTIONS: tuple[tuple[str, str, bool], ...] = (
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
    ("rate-limit", "keep the whole run under N requests a second or minute (N/s, N/m)", False),
    ("max-duration", "stop after this many seconds; the rest is 'could not check'", False),
    ("max-tries", "tries per request on 429/503 pushback and no answer (default 5)", False),
    ("max-wait", "seconds the run may wait out pushback in all (default 300)", False),
)


def add_options(parser: pytest.Parser) -> None:
    """Register the `--ledger-*` options, their ini keys and (in the help) their variables;
    those the parser already has are left as they are."""
    group = parser.getgroup("ledger-contract", "BytesPike ledger contract suite")
    present = {name for option in group.options for name in option.names()}
    for suffix, help_text, flag in OPTIONS:
        if f"--ledger-{suffix}" in present:
            continue
        name = "ledger_" + suffix.replace("-", "_")
        env = name.upper()
        if flag:
            group.addoption(f"--ledger-{suffix}", action="store_true", dest=name, help=help_text)
            parser.addini(name, f"{help_text} (env {env})", type="bool", default=False)
        else:
            group.addoption(f"--ledger-{suffix}", dest=name, help=f"{help_text} (env {env})")
            parser.addini(name, f"{help_text} (env {env})", default="")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """The entry point's one hook (also run when `-p` loads this module by name)."""
    add_options(parser)
    this = sys.modules[__name__]
    if pluginmanager.get_name(this) not in (None, ENTRY_POINT):
        # Loaded by `-p contract_tests.pytest_options`: autoloading must not
        # register the same module again under the entry point's name.
        pluginmanager.set_blocked(ENTRY_POINT)
