"""The served paths and the bounds of their parameters, in one place.

No imports: every layer may use it, and the Hypothesis strategies read the
bounds without loading numpy or Flask.
"""

from __future__ import annotations

__all__ = ["API_PREFIX", "MAX_PAGE", "MAX_PAGE_SIZE", "TRANSACTIONS_PATH"]

API_PREFIX = "/api/v1"
TRANSACTIONS_PATH = f"{API_PREFIX}/me/billing/transactions"
MAX_PAGE = 2_147_483_647
MAX_PAGE_SIZE = 200
