"""One error root that is true: every exception class of the package derives from it."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
from pathlib import Path

import ledger_fixtures
from ledger_fixtures import LedgerFixturesError

import mockserver
from mockserver import ConnectionDropped, LedgerMockError

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_ERRORS = {name for name in dir(builtins) if name.endswith("Error")} | {"Exception"}
# Raised as the protocol asks: ``__getattr__`` (PEP 562) and the journal's assertion
# helpers, which fail a test the way pytest expects.
PROTOCOL = {"AttributeError", "AssertionError"}


def _modules(package: object) -> list[object]:
    path = package.__path__  # type: ignore[attr-defined]
    prefix = package.__name__ + "."  # type: ignore[attr-defined]
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(path, prefix)
        if not info.name.endswith("__main__")
    ]


def _errors(package: object) -> list[type[BaseException]]:
    found = []
    for module in _modules(package):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:  # type: ignore[attr-defined]
                found.append(value)
    return found


def test_every_error_of_mockserver_derives_from_the_root() -> None:
    errors = _errors(mockserver)
    assert len(errors) >= 10
    outside = [
        e for e in errors if not issubclass(e, LedgerMockError) and e is not ConnectionDropped
    ]
    assert outside == []


def test_every_error_of_ledger_fixtures_derives_from_its_root() -> None:
    errors = _errors(ledger_fixtures)
    assert [e for e in errors if not issubclass(e, LedgerFixturesError)] == []


def test_mockserver_raises_no_builtin_error() -> None:
    """``raise ValueError(...)`` and kin: each is one of the tree's classes instead."""
    found = []
    for path in sorted((ROOT / "mockserver").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id in BUILTIN_ERRORS - PROTOCOL:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {func.id}")
    assert found == []
