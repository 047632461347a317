"""The README's own examples run: the curl call, the config file, the key table."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from flask.testing import FlaskClient

from mockserver import builtin_config, load_config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _block(language: str, containing: str) -> str:
    for block in re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL):
        if containing in block:
            return str(block)
    raise AssertionError(f"no ```{language} block containing {containing!r} in README.md")


def test_curl_example_answers_as_shown(client: FlaskClient) -> None:
    words = shlex.split(_block("bash", "curl -s").replace("\\\n", " "))
    url = urlsplit(words[words.index("-s") + 1])
    header = words[words.index("-H") + 1]
    name, _, value = header.partition(": ")
    assert url.netloc == "127.0.0.1:8080" and url.path.startswith("/api/v1/")
    response = client.get(f"{url.path}?{url.query}", headers={name: value})
    body = orjson.loads(response.data)
    assert response.status_code == 200 and body["total"] == 47 and len(body["items"]) == 2


def test_config_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "alice.toml"
    path.write_text(_block("toml", "[accounts.alice]"))
    config = load_config(path)
    (alice,) = config.accounts
    assert (alice.scenario.size, alice.scenario.plan, alice.scenario.span_days) == (
        500,
        "team",
        365,
    )
    assert alice.keys == ("sk_alice", "sk_alice_ci") and alice.revoked_keys == ("sk_alice_old",)


def test_key_table_lists_every_builtin_key() -> None:
    documented = set(re.findall(r"`(bsk_test_[a-z0-9_]+)`", README))
    served = {k for a in builtin_config().accounts for k in (*a.keys, *a.revoked_keys)}
    assert served <= documented, served - documented
