"""The user guides' code runs exactly as written, against the installed package.

Each ```python block of docs/pytest-plugin.md and docs/contract-suite.md is a
complete test module: a reader pastes it into a `test_*.py` file and runs
`pytest`.  So that is what happens here, in a subprocess: every block is
written, unchanged, into its own file of an empty directory, and pytest runs
there with `PYTHONSAFEPATH=1`, so nothing but the installed packages (and
their pytest11 plugin) can be imported; a helper the text calls but never
defines or imports fails the run.  A block that is deliberately a fragment
must say so with `<!-- fragment -->` on the line before its fence; there are
none today, and there should stay very few.

Shell blocks of docs/contract-suite.md that name the mock's standard URL run
too, against a served mock, with that URL swapped for the served one.

tests/examples/test_howto_*.py hold the same examples with type hints and
more assertions; the client helpers the guide defines must stay identical
there (annotations and docstrings aside), so the two cannot drift apart.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import running_mock

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
GUIDES = ("pytest-plugin.md", "contract-suite.md")
FRAGMENT = "<!-- fragment -->"
STANDARD_URL = "http://127.0.0.1:8080/api/v1"
FENCE = re.compile(r"^```(\w*)\s*$")
INI = """\
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
filterwarnings = error
"""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a guide."""

    doc: str
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    fragment: bool

    @property
    def where(self) -> str:
        return f"docs/{self.doc}:{self.line}"

    @property
    def module(self) -> str:
        """The file name it runs as: unique, and a test module by pytest's default rules."""
        return f"test_{Path(self.doc).stem.replace('-', '_')}_line{self.line}.py"


def blocks(doc: str, language: str) -> list[Block]:
    """The fenced blocks of `language` in docs/`doc`, in order."""
    found: list[Block] = []
    lines = (DOCS / doc).read_text(encoding="utf-8").splitlines()
    opened: tuple[int, str] | None = None
    for number, text in enumerate(lines, start=1):
        fence = FENCE.match(text)
        if fence is None:
            continue
        if opened is None:
            opened = (number, fence[1])
            continue
        start, lang = opened
        opened = None
        if lang != language:
            continue
        before = [line.strip() for line in lines[: start - 1] if line.strip()]
        code = "\n".join(lines[start : number - 1]) + "\n"
        found.append(Block(doc, start, lang, code, bool(before) and before[-1] == FRAGMENT))
    assert opened is None, f"docs/{doc}: unclosed fence at line {opened[0]}"
    return found


def _functions(code: str) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)}


def _env() -> dict[str, str]:
    """The test run's environment, minus what would configure the inner run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTEST_"))}
    env["PYTHONSAFEPATH"] = "1"  # the current directory is not importable: installed code only
    return env


# --- python blocks -------------------------------------------------------------


def test_every_python_block_is_a_test_module() -> None:
    """So running a block proves it: it parses and holds at least one test."""
    runnable = [b for guide in GUIDES for b in blocks(guide, "python") if not b.fragment]
    assert len(runnable) >= 9
    for block in runnable:
        tests = [name for name in _functions(block.code) if name.startswith("test_")]
        assert tests, f"{block.where}: no test function, so nothing would run it"
    fragments = [b.where for guide in GUIDES for b in blocks(guide, "python") if b.fragment]
    assert len(fragments) <= 2, f"keep fragments rare: {fragments}"


@pytest.mark.parametrize("guide", GUIDES)
def test_python_blocks_run_verbatim(guide: str, tmp_path: Path) -> None:
    runnable = [b for b in blocks(guide, "python") if not b.fragment]
    expected = set()
    for block in runnable:
        (tmp_path / block.module).write_text(block.code, encoding="utf-8")
        expected |= {
            f"{block.module}::{name}" for name in _functions(block.code) if name.startswith("test_")
        }
    (tmp_path / "pytest.ini").write_text(INI, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=300,
    )
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    passed = set(re.findall(r"^PASSED (\S+?)(?:\[.*\])?$", result.stdout, re.MULTILINE))
    assert passed == expected, output


def test_the_schemas_guide_loads_the_installed_schemas(tmp_path: Path) -> None:
    """docs/schemas.md: finding the folder, and validating with it, each run on its own
    outside the checkout, so the installed `ledger_schemas` is the one found.
    (tests/contract/test_schemas.py runs every block from the repository root.)"""
    find, validate = blocks("schemas.md", "python")[:2]
    assert "Draft202012Validator" in validate.code
    for block in (find, validate):
        result = subprocess.run(
            [sys.executable, "-c", block.code + "print(folder)\n"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=_env(),
            timeout=60,
        )
        assert result.returncode == 0, f"{block.where}: {result.stderr[-3000:]}"
        folder = Path(result.stdout.strip())
        assert folder.parts[-2:] == ("ledger_schemas", "full"), f"{block.where}: {folder}"


# --- shell blocks --------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with running_mock() as url:
        yield url


@pytest.mark.parametrize(
    "block",
    [b for b in blocks("contract-suite.md", "sh") if STANDARD_URL in b.code],
    ids=lambda b: b.where,
)
def test_shell_blocks_run_against_the_mock(block: Block, served: str, tmp_path: Path) -> None:
    """As pasted into a shell whose PATH has this environment's `ledger-mock`, `python`
    and `pytest`, with the mock's URL in place of the standard one."""
    env = _env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code.replace(STANDARD_URL, served)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


# --- the typed mirrors -----------------------------------------------------------


class _Plain(ast.NodeTransformer):
    """Drop what the typed mirrors add on purpose: annotations and docstrings."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        node.returns = None
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            arg.annotation = None
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            node.body = body[1:]
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is None:
            return node
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def _plain(function: ast.FunctionDef) -> str:
    return ast.dump(_Plain().visit(function), include_attributes=False)


def test_the_guides_helpers_match_their_typed_mirrors() -> None:
    mirrors: dict[str, ast.FunctionDef] = {}
    for path in sorted(Path(__file__).parent.glob("test_howto_*.py")):
        mirrors |= _functions(path.read_text(encoding="utf-8"))
    helpers = 0
    for block in blocks("pytest-plugin.md", "python"):
        for name, function in _functions(block.code).items():
            if name.startswith("test_"):
                continue
            helpers += 1
            assert name in mirrors, f"{block.where}: {name} has no typed mirror in test_howto_*"
            assert _plain(function) == _plain(mirrors[name]), f"{block.where}: {name} differs"
    assert helpers >= 6
