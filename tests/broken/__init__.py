"""Deliberately broken implementations of the contract, one realistic defect each.

Importing the package registers every defect in `DEFECTS` (see `registry`).
"""

from tests.broken import auth, data, encoding, filters, keys, pagination, params, routing
from tests.broken.registry import BUILTIN_KEYS, DEFECTS, TIES_KEYS, Defect, KeySet, mock_app

__all__ = [
    "BUILTIN_KEYS",
    "DEFECTS",
    "TIES_KEYS",
    "Defect",
    "KeySet",
    "auth",
    "data",
    "encoding",
    "filters",
    "keys",
    "mock_app",
    "pagination",
    "params",
    "routing",
]
