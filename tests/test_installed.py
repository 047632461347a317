"""The suite runs against the installed wheel, not the checkout (``nox -s tests``/``smoke``).

A test that imports the checkout proves nothing about what users install: the
wheel could lack a data file (the 3.11 schema lookup that made ``check`` skip
its OpenAPI rules) and every test would still pass. Run outside nox (an
editable install in a checkout), these tests are skipped, saying so.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import sysconfig
from importlib import resources
from pathlib import Path

import pytest

INSTALLED = os.environ.get("LEDGER_TESTS_INSTALLED") == "1"
pytestmark = pytest.mark.skipif(
    not INSTALLED, reason="the installed-wheel checks run under nox (LEDGER_TESTS_INSTALLED=1)"
)
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"]).resolve()
CHECKOUT = Path(__file__).resolve().parent.parent
PACKAGES = ("mockserver", "contract_tests", "ledger_fixtures")


def _in_site_packages(path: str | os.PathLike[str]) -> bool:
    return Path(path).resolve().is_relative_to(SITE_PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_packages_load_from_site_packages(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert _in_site_packages(module.__file__), (name, module.__file__)


def test_the_schemas_are_installed_data() -> None:
    schemas = resources.files("ledger_schemas")
    document = schemas / "full" / "openapi.json"
    assert document.is_file()
    assert _in_site_packages(str(document)), str(document)


def test_a_subprocess_python_m_loads_the_installed_package_too() -> None:
    """``python -m mockserver`` from the checkout: the working directory must not win."""
    code = "import mockserver, contract_tests, ledger_fixtures; " + "; ".join(
        f"print({name}.__file__)" for name in PACKAGES
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=CHECKOUT
    ).stdout.split()
    assert len(printed) == len(PACKAGES)
    assert all(_in_site_packages(path) for path in printed), printed


def test_the_console_script_is_the_installed_one() -> None:
    script = Path(sys.executable).with_name("ledger-mock")
    assert script.is_file()
    done = subprocess.run(
        [str(script), "keys"], capture_output=True, text=True, check=False, cwd=CHECKOUT
    )
    assert done.returncode == 0 and "bsk_test_docs" in done.stdout, done.stderr
