"""A configuration file cannot crash, garble or overload ``ledger-mock``.

Deep nesting, huge files, unsafe account names and keys, and too many entries are
each refused as one ``ConfigError`` line, which ``keys`` and ``serve`` print as one
stderr line with exit status 2 before doing anything else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import MockConfig, builtin_config, get_scenario, load_config
from mockserver.core.config import MAX_CONFIG_BYTES, MAX_TOTAL_ENTRIES, AccountSpec, ConfigError

DEEP = 50_000

DEEP_ARRAYS = "a = " + "[" * DEEP + "]" * DEEP
DEEP_INLINE_TABLES = "a = " + "{b = " * DEEP + "1" + "}" * DEEP
DEEP_IN_AN_ACCOUNT = "[accounts.a]\nkeys = " + "[" * DEEP + "]" * DEEP
HUGE_INTEGER = "seed = " + "9" * 5000 + "\n[accounts.a]\nkeys = ['k']"
OVER_THE_CAP = "".join(
    f"[accounts.a{index}]\nsize = 5000000\nkeys = ['k{index}']\n" for index in range(3)
)


def _write(tmp_path: Path, text: str, name: str = "mock.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(path: Path) -> str:
    """The ``ConfigError`` message, checked to be one clean, short, ASCII line."""
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.isascii() and message.isprintable(), repr(message)
    assert len(message) < 400 + len(str(path)), message
    return message


@pytest.mark.parametrize(
    "text",
    [DEEP_ARRAYS, DEEP_INLINE_TABLES, DEEP_IN_AN_ACCOUNT],
    ids=["arrays", "inline-tables", "in-an-account"],
)
def test_deep_nesting_is_a_config_error_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    assert "nested too deeply" in _refusal(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (HUGE_INTEGER, "Exceeds the limit"),  # a plain ValueError out of tomllib
        ("seed = [", "not valid TOML"),
        ("a = 1\na = 2", "not valid TOML"),
    ],
)
def test_every_parser_failure_is_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    message = _refusal(_write(tmp_path, text))
    assert "not valid TOML" in message and fragment in message


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    config = "[accounts.a]\nkeys = ['k']\n"
    at_cap = _write(tmp_path, config + "#" * (MAX_CONFIG_BYTES - len(config) - 1) + "\n", "at.toml")
    assert at_cap.stat().st_size == MAX_CONFIG_BYTES
    assert load_config(at_cap).accounts[0].keys == ("k",)
    over = _write(tmp_path, config + "#" * (MAX_CONFIG_BYTES - len(config)) + "\n", "over.toml")
    assert "larger than 1,048,576 bytes" in _refusal(over)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_read_no_further_than_the_cap() -> None:
    assert "larger than" in _refusal(Path("/dev/zero"))


BAD_NAMES = [
    ('""', "''"),
    ('"a b"', "'a b'"),
    ('"a\\nb"', "'a\\nb'"),
    ('"a\\u0000b"', "'a\\x00b'"),
    ('"caf\\u00e9"', "'caf\\xe9'"),
    ('"a/b"', "'a/b'"),
    ('"it\'s"', '"it\'s"'),
    ('"\\u001b[31mred"', "'\\x1b[31mred'"),
    ("x" * 65, "'" + "x" * 40 + "'... (65 characters)"),
]


@pytest.mark.parametrize(("toml_name", "shown"), BAD_NAMES)
def test_account_names_keep_to_the_safe_alphabet(
    tmp_path: Path, toml_name: str, shown: str
) -> None:
    message = _refusal(_write(tmp_path, f"[accounts.{toml_name}]\nkeys = ['k']"))
    assert f"accounts.{shown}: account name {shown} is not 1-64 ASCII letters" in message


def test_good_account_names_and_keys_load(tmp_path: Path) -> None:
    name = "A-b_c.9" + "x" * 57
    keys = ["bsk_test_x", "sk_alice", "a-._~+/Z09==", "k" * 200]
    path = _write(tmp_path, f'[accounts."{name}"]\nkeys = {keys!r}')
    (account,) = load_config(path).accounts
    assert (account.name, account.keys) == (name, tuple(keys))


BAD_KEYS = [
    ("", "''"),
    ("a b", "'a b'"),
    ("a\\nb", "'a\\nb'"),
    ("a\\u0000b", "'a\\x00b'"),
    ("a\\tb", "'a\\tb'"),
    ("k\\u00e9y", "'k\\xe9y'"),
    ('a\\"b', "'a\"b'"),
    ("a'b", '"a\'b"'),
    ("a=b", "'a=b'"),
    ("k" * 201, "'" + "k" * 40 + "'... (201 characters)"),
]


@pytest.mark.parametrize(("toml_key", "shown"), BAD_KEYS)
@pytest.mark.parametrize("setting", ["keys", "revoked_keys"])
def test_keys_keep_to_the_bearer_token_alphabet_and_are_named_by_index(
    tmp_path: Path, setting: str, toml_key: str, shown: str
) -> None:
    text = f'[accounts.alice]\n{setting} = ["sk_1", "sk_2", "{toml_key}"]'
    message = _refusal(_write(tmp_path, text))
    assert f"accounts.alice.{setting}[2]: key {shown} is not a Bearer token" in message


def test_a_long_key_is_shown_short(tmp_path: Path) -> None:
    newlines = "\\n" * 300_000  # 600 KB of TOML escapes, 300,000 newlines
    message = _refusal(_write(tmp_path, f'[accounts.a]\nkeys = ["{newlines}"]'))
    assert "... (300000 characters)" in message


def test_the_entries_cap_counts_every_account(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, OVER_THE_CAP))
    assert "15,000,000 entries" in message and "10,000,000" in message
    at_cap = "".join(
        f"[accounts.a{index}]\nsize = 5000000\nkeys = ['k{index}']\n" for index in range(2)
    )
    config = load_config(_write(tmp_path, at_cap, "at-cap.toml"))  # generates nothing yet
    assert sum(account.scenario.size for account in config.accounts) == MAX_TOTAL_ENTRIES


def test_the_built_in_configuration_is_well_within_the_cap() -> None:
    sizes = {account.name: account.scenario.size for account in builtin_config().accounts}
    assert sizes["huge"] == 1_000_000 and sizes["large"] == 100_000
    assert sum(sizes.values()) <= MAX_TOTAL_ENTRIES // 9


def test_programmatic_configurations_obey_the_same_rules() -> None:
    """The pytest plugin and ``create_app`` users build ``MockConfig`` directly."""
    big = get_scenario("realistic", size=MAX_TOTAL_ENTRIES // 2 + 1)
    with pytest.raises(ConfigError, match="over the cap of 10,000,000"):
        MockConfig(accounts=(AccountSpec("a", big), AccountSpec("b", big)))
    with pytest.raises(ConfigError, match=r"account name 'a\\nb'"):
        MockConfig(accounts=(AccountSpec("a\nb", get_scenario("empty")),))
    with pytest.raises(ConfigError, match="is not a Bearer token"):
        MockConfig(accounts=(AccountSpec("a", get_scenario("empty"), keys=("k" * 201,)),))


CLI_CASES = {
    "deep-arrays": DEEP_ARRAYS,
    "deep-inline-tables": DEEP_INLINE_TABLES,
    "too-large": "[accounts.a]\nkeys = ['k']\n" + "#" * MAX_CONFIG_BYTES,
    "bad-name": '[accounts."a\\nb"]\nkeys = ["k"]',
    "nul-in-key": '[accounts.a]\nkeys = ["k\\u0000"]',
    "non-ascii-key": '[accounts.a]\nrevoked_keys = ["k\\u00e9"]',
    "over-the-entries-cap": OVER_THE_CAP,
}


def test_keys_and_serve_refuse_each_limit_in_one_line(tmp_path: Path) -> None:
    """Real processes, all started side by side to keep this fast: for ``keys`` and
    ``serve`` alike, status 2, one stderr line and nothing on stdout.

    ``serve`` is given a free port (0) so that only the configuration can stop it; it
    must stop before printing its URL or starting a server.
    """
    processes = {
        (command, case): subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockserver",
                command,
                "--config",
                str(_write(tmp_path, text, f"{case}.toml")),
                *(["--port", "0"] if command == "serve" else []),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in ("keys", "serve")
        for case, text in CLI_CASES.items()
    }
    results = {}
    try:
        for run, process in processes.items():
            out, err = process.communicate(timeout=60)
            results[run] = (process.returncode, out, err)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    for (command, case), (code, out, err) in results.items():
        assert (code, out) == (2, ""), (command, case, out, err)
        assert err.count("\n") == 1, (command, case, err)
        prefix = f"ledger-mock: error: bad --config: {tmp_path / case}.toml: "
        assert err.startswith(prefix), (command, err)
        assert err.isascii() and err[:-1].isprintable(), (command, case, err)
