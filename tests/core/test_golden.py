"""Golden digests: the built-in data must not change unnoticed.

Faker, numpy's PCG64 streams or our own code can all shift the data between
releases; each digest covers an account's columns and the rendered text of its
entries (every entry up to 2,000, then an evenly spread sample). If a digest
changes on purpose, regenerate with ``python -m tests.core.test_golden`` and say so
in CHANGELOG.md: users' recorded expectations change with it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import orjson
import pytest

from mockserver import LedgerStore, builtin_config, render_entry

GOLDEN = Path(__file__).resolve().parents[1] / "golden_digests.json"
_FULL_RENDER_LIMIT = 2000


def account_digest(store: LedgerStore, account: str) -> str:
    ledger = store.ledger(account)
    digest = hashlib.sha256()
    for column in (ledger.ids, ledger.created, ledger.variants, ledger.amounts, ledger.balances):
        digest.update(column.tobytes())
    step = max(1, len(ledger) // _FULL_RENDER_LIMIT)
    for position in range(0, len(ledger), step):
        digest.update(orjson.dumps(render_entry(ledger, position)))
    return digest.hexdigest()


def current_digests() -> dict[str, str]:
    store = LedgerStore(builtin_config())
    return {account.name: account_digest(store, account.name) for account in store.config.accounts}


@pytest.fixture(scope="module")
def digests() -> dict[str, str]:
    return current_digests()


@pytest.mark.parametrize("account", [a.name for a in builtin_config().accounts])
def test_builtin_account_data_is_unchanged(digests: dict[str, str], account: str) -> None:
    expected = json.loads(GOLDEN.read_text())
    assert digests[account] == expected[account], (
        f"the data of built-in account {account!r} changed (Faker, numpy or our generator); "
        "if intended, regenerate tests/golden_digests.json and note it in CHANGELOG.md"
    )


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(current_digests(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
