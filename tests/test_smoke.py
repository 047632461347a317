"""What a user does first, as installed: serve, the docs' example, check, every rule checked.

Run on every supported Python by ``nox -s smoke`` (and with the whole suite).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from tests.docs_page import docs_example_body
from tests.servers import running_mock

# One account with ties and two keys, another account, a revoked key: every rule has
# what it needs (no built-in account has both ties and a second key).
EVERY_RULE_CONFIG = """
seed = 11
[accounts.tied]
scenario = "ties"
size = 300
keys = ["sk_smoke_tied", "sk_smoke_tied_2"]
revoked_keys = ["sk_smoke_revoked"]
[accounts.other]
scenario = "realistic"
size = 40
keys = ["sk_smoke_other"]
"""


def test_serve_answers_the_docs_example_byte_for_byte_in_content() -> None:
    with running_mock() as url:
        response = requests.get(
            f"{url}/me/billing/transactions",
            params={"page": 1, "page_size": 50},
            headers={"Authorization": "Bearer bsk_test_docs"},
            timeout=30,
        )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    expected = docs_example_body()
    assert body["total"] == 47 and body["items"][: len(expected["items"])] == expected["items"]


def _check(url: str, key: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--base-url", url, "--api-key", key, *extra],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_check_against_serve_checks_every_rule_and_conforms(tmp_path: Path) -> None:
    config = tmp_path / "every-rule.toml"
    config.write_text(EVERY_RULE_CONFIG, encoding="utf-8")
    with running_mock("--config", str(config)) as url:
        done = _check(
            url,
            "sk_smoke_tied",
            "--second-key",
            "sk_smoke_tied_2",
            "--other-account-key",
            "sk_smoke_other",
            "--revoked-key",
            "sk_smoke_revoked",
        )
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " 0 violated, 0 not checked, 0 could not run" in summary, summary
