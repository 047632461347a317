"""The served paths, in one place (no imports: every layer may use it)."""

from __future__ import annotations

__all__ = ["API_PREFIX", "TRANSACTIONS_PATH"]

API_PREFIX = "/api/v1"
TRANSACTIONS_PATH = f"{API_PREFIX}/me/billing/transactions"
