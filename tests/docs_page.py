"""The public docs page (shared/seed), read by the tests that compare against it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "billing-transactions.txt"


def docs_example_body() -> dict[str, Any]:
    """The example response body exactly as the docs page prints it."""
    text = SEED_PAGE.read_text(encoding="utf-8")
    block = re.search(r"^Response\n\n(\{.*?^\})\n", text, re.MULTILINE | re.DOTALL)
    assert block, "the docs page's example response was not found"
    body: dict[str, Any] = json.loads(block[1])
    return body
