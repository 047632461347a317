"""The test runs of this project, each against the wheel a user installs, never the checkout.

``lint`` (Python 3.11): ``ruff check``, ``ruff format --check`` and ``mypy``
(the files and strictness ``pyproject.toml`` sets) on the checkout's sources,
with the tools the wheel's ``test`` extra pins; any finding fails the run.
``tests`` (Python 3.11): build the wheel once, install it with the ``test``
extra into a fresh virtualenv, run the whole suite there. ``smoke`` (3.12 and
3.13): the same wheel, and what a user does first: ``serve``, the docs'
example, ``check`` against ``serve`` with every rule checked, and the plugin's
examples.

The ``test`` extra brings Playwright for Python, which drives the console's
browser tests (``tests/console``) in ``tests``: the browser is Debian's Chromium
(``$LEDGER_CHROMIUM``, else ``/usr/bin/chromium``; ``.ci/run`` installs it),
never a browser ``playwright install`` downloads. Without it those tests skip, saying
so, unless ``CI=true`` or ``LEDGER_REQUIRE_BROWSER=1`` (``.ci/run`` sets it):
then they fail. ``smoke`` does not run them.

Imports come from site-packages: pytest appends (``--import-mode=append``)
rather than prepends the checkout to ``sys.path``, and ``PYTHONSAFEPATH``
keeps ``python -m`` (here and in every subprocess a test starts) from putting
the working directory first. ``tests/test_installed.py`` proves it.

pyenv's ``python3.12`` shims refuse to run unless their version is enabled, so
the versions pyenv holds are enabled here (``PYENV_VERSION``) before nox looks
for interpreters. Where pyenv holds them, a missing interpreter is an error;
on a machine without pyenv the other versions are reported as skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
WHEELHOUSE = ROOT / ".nox" / "wheelhouse"
SMOKE_VERSIONS = ["3.12", "3.13"]
INSTALLED_ENV = {"PYTHONSAFEPATH": "1", "LEDGER_TESTS_INSTALLED": "1"}

nox.options.sessions = ["lint", "tests", "smoke"]
nox.options.reuse_existing_virtualenvs = False


def _pyenv_versions() -> list[str]:
    """The 3.11-3.13 interpreters pyenv holds ("3.12.1"), best first; [] without pyenv."""
    if shutil.which("pyenv") is None:
        return []
    listed = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    wanted = ("3.11.", "3.12.", "3.13.")
    return [v for v in listed if v.startswith(wanted) and v.replace(".", "").isdigit()]


_PYENV = _pyenv_versions()
if _PYENV:
    os.environ["PYENV_VERSION"] = ":".join(_PYENV)
nox.options.error_on_missing_interpreters = bool(_PYENV)


def _install_wheel(session: nox.Session, extras: str) -> None:
    """Build the wheel (once per nox run) and install it, with ``extras``, into the session."""
    wheels = sorted(WHEELHOUSE.glob("bytespike_ledger_mock-*.whl"))
    if not wheels:
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        session.run(
            "python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(WHEELHOUSE), str(ROOT)
        )
        wheels = sorted(WHEELHOUSE.glob("bytespike_ledger_mock-*.whl"))
    session.install(f"{wheels[-1]}[{extras}]")


def _fresh_wheelhouse() -> None:
    shutil.rmtree(WHEELHOUSE, ignore_errors=True)


_fresh_wheelhouse()  # each nox run builds the wheel of the tree as it is now


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The whole suite (minus ``-m slow``), on 2 cores, against the installed wheel."""
    _install_wheel(session, "test")
    chromium = os.environ.get("LEDGER_CHROMIUM") or "/usr/bin/chromium"
    found = shutil.which(chromium)
    session.log(f"browser tests: {found or f'no Chromium at {chromium}'}")
    args = session.posargs or ["-q", "-n", "2", "--dist", "worksteal"]
    session.run("python", "-m", "pytest", "--import-mode=append", *args, env=INSTALLED_ENV)


@nox.session(python=SMOKE_VERSIONS)
def smoke(session: nox.Session) -> None:
    """What a user does first, on the other supported versions, from the installed wheel."""
    _install_wheel(session, "test")
    session.run(
        "python",
        "-m",
        "pytest",
        "--import-mode=append",
        "-q",
        "-n",
        "2",
        "tests/test_installed.py",
        "tests/test_smoke.py",
        "tests/examples",
        env=INSTALLED_ENV,
    )


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, mypy: the sources as checked in, no finding allowed."""
    _install_wheel(session, "test")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
