"""Locate the OpenAPI document of a profile.

Installed, the `schemas/` folder is the data-only import name
`ledger_schemas` (no `__init__.py`); in an editable install or a plain
checkout it is not packaged, so fall back to `schemas/` next to
`contract_tests/`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from contract_tests.catalog import Profile

__all__ = ["openapi_path"]

_CHECKOUT = Path(__file__).resolve().parent.parent / "schemas"


def openapi_path(profile: Profile) -> Path | None:
    """The `openapi.json` of `profile`, or `None` if neither location has it."""
    relative = (str(profile), "openapi.json")
    try:
        packaged = resources.files("ledger_schemas").joinpath(*relative)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, TypeError, NotADirectoryError):
        pass
    fallback = _CHECKOUT.joinpath(*relative)
    return fallback if fallback.is_file() else None
