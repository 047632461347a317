"""The import direction of the tree, read from the sources (AST), not from a document.

``core`` ← ``http`` ← ``testing`` ← ``server`` ← (``app``, ``cli``, ``entry``):
each layer imports only the layers to its left. ``core`` imports no web
framework or server; ``ledger_fixtures`` imports only names ``mockserver``
exports (``mockserver.__all__``); ``contract_tests`` imports nothing of
``mockserver`` (it talks HTTP or WSGI only).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import mockserver

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "mockserver": ROOT / "mockserver",
    "contract_tests": ROOT / "contract_tests",
    "ledger_fixtures": ROOT / "fixtures" / "ledger_fixtures",
}
LAYERS = ("core", "http", "testing", "server")
# What each layer may import of mockserver (besides the package root's lazy names).
ALLOWED = {
    "core": {"core"},
    "http": {"core", "http"},
    "testing": {"core", "http", "testing"},
    "server": {"core", "http", "testing", "server"},
}
WEB = ("flask", "werkzeug")
SERVERS = ("gunicorn", "uvicorn", "uvicorn_worker", "httptools", "uvloop")
FORBIDDEN_THIRD_PARTY = {
    "core": (*WEB, *SERVERS, "click"),
    "http": (*SERVERS, "click"),
    "testing": (*SERVERS, "click"),
}


def _modules(package: str) -> Iterator[tuple[str, Path]]:
    root = PACKAGES[package]
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join([package, *parts]), path


def _imports(module: str, path: Path) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """(absolute module imported, names taken from it, line) for every import in the file."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, tuple(alias.name for alias in node.names), node.lineno


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "mockserver" else None


def _layer_problems(module: str, path: Path) -> list[str]:
    """What ``module`` (a file of a layer) imports against the direction."""
    layer = _layer(module)
    if layer not in LAYERS:
        return []
    found: list[str] = []
    for target, names, line in _imports(module, path):
        where = f"{path.name}:{line}"
        top = target.split(".")[0]
        if top in FORBIDDEN_THIRD_PARTY.get(layer, ()):
            found.append(f"{where}: mockserver.{layer} imports {target}")
        if top != "mockserver":
            continue
        taken = (
            {_layer(target)}
            if target != "mockserver"
            else {_layer(f"mockserver.{name}") for name in names}
        )
        for other in sorted(taken - ALLOWED[layer], key=str):
            found.append(f"{where}: mockserver.{layer} imports mockserver.{other}")
    return found


def _findings() -> list[str]:
    found: list[str] = []
    for module, path in _modules("mockserver"):
        found += _layer_problems(module, path)
    public = set(mockserver.__all__)
    for module, path in _modules("ledger_fixtures"):
        for target, names, line in _imports(module, path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if target.split(".")[0] != "mockserver":
                continue
            if target != "mockserver":
                found.append(f"{where}: ledger_fixtures imports {target} (use mockserver's names)")
            for name in sorted(set(names) - public):
                found.append(f"{where}: ledger_fixtures imports mockserver.{name}, not public")
    for module, path in _modules("contract_tests"):
        for target, _names, line in _imports(module, path):
            if target.split(".")[0] == "mockserver":
                found.append(f"{path.relative_to(ROOT)}:{line}: contract_tests imports {target}")
    return found


def test_imports_run_one_way() -> None:
    assert _findings() == []


@pytest.mark.parametrize(
    ("module", "source", "problem"),
    [
        ("mockserver.core.x", "import flask", "mockserver.core imports flask"),
        ("mockserver.core.x", "from ..http.app import create_app", "imports mockserver.http"),
        ("mockserver.core.x", "from .. import create_app", "imports mockserver.create_app"),
        ("mockserver.http.x", "from ..testing import faults", "imports mockserver.testing"),
        ("mockserver.http.x", "import uvicorn", "mockserver.http imports uvicorn"),
        ("mockserver.testing.x", "from ..server.asgi import X", "imports mockserver.server"),
    ],
)
def test_a_wrong_import_is_found(module: str, source: str, problem: str, tmp_path: Path) -> None:
    """The checker itself: a planted import against the direction is reported."""
    path = tmp_path / "x.py"
    path.write_text(source + "\n")
    (found,) = _layer_problems(module, path)
    assert found.endswith(problem)


def test_a_right_import_passes(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text("from ..core.store import LedgerStore\nfrom .envelope import JSON\n")
    assert _layer_problems("mockserver.http.x", path) == []


def test_every_layer_is_a_package() -> None:
    for layer in LAYERS:
        assert (PACKAGES["mockserver"] / layer / "__init__.py").is_file()
