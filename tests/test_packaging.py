"""The wheel's runtime dependencies are exactly what its packages import."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLED = ("mockserver", "contract_tests", "fixtures/ledger_fixtures")
OWN = {"mockserver", "contract_tests", "ledger_fixtures"}
IMPORT_NAMES = {"uvicorn-worker": "uvicorn_worker", "faker": "faker"}
# Declared but loaded by another package rather than imported: uvicorn's loop="auto".
LOADED_NOT_IMPORTED = {"uvloop"}
# Imported only inside ``try: ... except ImportError`` (used when the user has it).
OPTIONAL = {"httpx"}


def _imported() -> set[str]:
    found: set[str] = set()
    for folder in INSTALLED:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names} - OWN


def _project() -> dict[str, object]:
    project: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def _declared() -> set[str]:
    names = set()
    for requirement in _project()["dependencies"]:  # type: ignore[attr-defined]
        name = re.split(r"[<>=!~; \[]", str(requirement), maxsplit=1)[0].lower()
        names.add(IMPORT_NAMES.get(name, name.replace("-", "_")))
    return names


def test_runtime_dependencies_are_what_the_packages_import() -> None:
    assert _declared() - LOADED_NOT_IMPORTED == _imported() - OPTIONAL


def test_schemathesis_is_pinned_below_its_next_major() -> None:
    (pin,) = [d for d in _project()["dependencies"] if str(d).startswith("schemathesis")]  # type: ignore[attr-defined]
    assert "<5" in str(pin)
