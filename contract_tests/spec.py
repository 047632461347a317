"""Locate the OpenAPI document of a profile.

In a source tree (a checkout, or an editable install of one) the `schemas/`
folder next to `contract_tests/` is the truth, so it comes first: an install
copies the folder (even an editable one), and that copy goes stale as soon as
a schema is edited. A wheel has no such folder; there the data-only import
name `ledger_schemas` (no `__init__.py`) holds it.
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
    checkout = _CHECKOUT.joinpath(*relative)
    if checkout.is_file():
        return checkout
    try:
        packaged = resources.files("ledger_schemas").joinpath(*relative)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, TypeError, NotADirectoryError):
        pass
    return None
