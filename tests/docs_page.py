"""The public docs page, read by the tests that compare against it.

A verbatim copy lives in ``tests/data`` so a clone runs its tests anywhere; where
the workspace's ``shared/seed`` original sits beside the checkout,
``test_docs_page_copy_is_the_original`` holds the copy to it byte for byte.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SEED_PAGE = Path(__file__).resolve().parent / "data" / "billing-transactions.txt"
ORIGINAL_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "billing-transactions.txt"


def docs_example_body() -> dict[str, Any]:
    """The example response body exactly as the docs page prints it."""
    text = SEED_PAGE.read_text(encoding="utf-8")
    block = re.search(r"^Response\n\n(\{.*?^\})\n", text, re.MULTILINE | re.DOTALL)
    assert block, "the docs page's example response was not found"
    body: dict[str, Any] = json.loads(block[1])
    return body
