"""Locate the OpenAPI document of a profile.

The documents travel with the code that uses them.  A wheel installs the
`schemas/` folder as the data-only import name `ledger_schemas` (no
`__init__.py`, see pyproject's `force-include`), and an installed suite must
read that copy and nothing else: a `schemas/` folder that merely happens to
sit next to the installed `contract_tests/` (site-packages holds whatever other
distributions put there; `schemas` is also a PyPI package) is not ours.  Only
when no `ledger_schemas` is importable at all, i.e. the suite runs straight
from a checkout that was never installed, is the checkout's `schemas/` used.

An editable install also has `ledger_schemas` (a copy made at install time),
so it reads that copy too; `tests/test_contract_spec.py` fails when the copy
no longer matches the checkout, rather than letting a stale copy pass quietly.

Traversal goes one segment per `/`: `Traversable.joinpath(a, b)` with several
segments needs Python 3.12, and on 3.11 it raised the `TypeError` that once
made every `OPENAPI-*` rule silently "not checked" in installed copies.
"""

from __future__ import annotations

import importlib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from contract_tests.catalog import Profile
from contract_tests.errors import SchemaNotFound

__all__ = ["PACKAGE", "openapi_path"]

PACKAGE = "ledger_schemas"
_CHECKOUT = Path(__file__).resolve().parent.parent / "schemas"


def openapi_path(profile: Profile) -> Path:
    """The `openapi.json` of `profile` on the file system.

    Raises `SchemaNotFound`, saying where it looked, when the document is
    missing: that is the tool's own failure, never a verdict on the target.
    """
    root, where = _schemas_root()
    document = root / str(profile) / "openapi.json"
    if not document.is_file():
        raise SchemaNotFound(f"no {profile}/openapi.json in {where}")
    if not isinstance(document, Path):
        # A zip import: Schemathesis reads documents from real files only.
        raise SchemaNotFound(f"{profile}/openapi.json in {where} is not a plain file")
    return document


def _schemas_root() -> tuple[Traversable, str]:
    """The installed `ledger_schemas`, else (never installed) the checkout's `schemas/`."""
    try:
        module = importlib.import_module(PACKAGE)
    except ModuleNotFoundError as error:
        if error.name != PACKAGE:
            raise
    else:
        folders = ", ".join(str(folder) for folder in getattr(module, "__path__", ()))
        return resources.files(module), f"the installed {PACKAGE} ({folders or repr(module)})"
    if _CHECKOUT.is_dir():
        return _CHECKOUT, f"the checkout's {_CHECKOUT} ({PACKAGE} is not installed)"
    raise SchemaNotFound(f"{PACKAGE} is not installed and there is no checkout folder {_CHECKOUT}")
