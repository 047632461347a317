"""What the mock serves: accounts, their scenarios, keys, the seed and the frozen now.

The built-in configuration publishes the test keys of the README; a TOML file can
replace it. Every mistake in a file is reported as one ``ConfigError`` line, and a
file cannot make the process do unbounded work before it is refused: it is read up
to ``MAX_CONFIG_BYTES``, any parser failure (deep nesting included) is a
``ConfigError``, and the accounts hold at most ``MAX_TOTAL_ENTRIES`` entries.
Account names and keys keep to safe alphabets, so they print as one cell of
``ledger-mock keys`` and a bad one cannot garble the error line that names it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .errors import LedgerMockError, unknown_setting
from .kinds import PLAN_PRICES_CENTS
from .scenarios import BUILTIN_SCENARIOS, Scenario, ScenarioError, get_scenario
from .timestamps import TimestampError, parse_instant
from .tokens import is_token

__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_SEED",
    "MAX_CONFIG_BYTES",
    "MAX_TOTAL_ENTRIES",
    "AccountSpec",
    "ConfigError",
    "KeyRow",
    "MockConfig",
    "builtin_config",
    "key_table",
    "load_config",
]

DEFAULT_SEED = 20260521
DEFAULT_NOW = "2026-06-01T00:00:00Z"
_MAX_SIZE = 5_000_000
# A configuration is a few lines; reading at most this much bounds the parser's work
# (and memory) whatever the path names: a huge file, /dev/zero, a never-ending pipe.
MAX_CONFIG_BYTES = 1024 * 1024
# Every entry costs 33 bytes of columns in every worker: 10 million is ~330 MB a
# process. The built-in configuration holds 1,101,228 (huge and large are most of it).
MAX_TOTAL_ENTRIES = 10_000_000
# Account names are printed as one column of ``ledger-mock keys`` and echoed by the
# control API and error lines: no spaces, quotes, controls or non-ASCII.
_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}", re.ASCII)
_ACCOUNT_NAME_RULE = "1-64 ASCII letters, digits, '_', '.' or '-'"
# Keys are whatever a client can send as one RFC 6750 token (``auth.is_token``:
# letters, digits, -._~+/ then optional '=' padding), at most this long.
_MAX_KEY_LENGTH = 200
_KEY_RULE = f"1-{_MAX_KEY_LENGTH} ASCII letters, digits and -._~+/, optionally ending in '='"
_SHOWN_CHARACTERS = 40
_FILE_SETTINGS = frozenset({"seed", "now", "accounts"})
_ACCOUNT_SETTINGS = frozenset({"scenario", "size", "plan", "span_days", "keys", "revoked_keys"})
_EARLIEST_NOW = int(parse_instant("2000-01-01"))
_LATEST_NOW = int(parse_instant("9000-01-01"))
_DOCS_NEWEST_TEXT = "2026-05-21T14:08:11Z"
_DOCS_NEWEST = int(parse_instant(_DOCS_NEWEST_TEXT))


class ConfigError(LedgerMockError):
    """A configuration that cannot be served; the message names the problem."""


def _shown(text: str) -> str:
    """``text`` quoted for an error line: ASCII-escaped and cut short.

    A value that is refused may hold a newline, a NUL, terminal escapes, non-ASCII
    that stderr cannot encode, or a megabyte of anything: none of it reaches the line.
    """
    if len(text) <= _SHOWN_CHARACTERS:
        return ascii(text)
    return f"{text[:_SHOWN_CHARACTERS]!a}... ({len(text)} characters)"


def _account_name_problem(name: str) -> str | None:
    if _ACCOUNT_NAME.fullmatch(name):
        return None
    return f"account name {_shown(name)} is not {_ACCOUNT_NAME_RULE}"


def _key_problem(key: str) -> str | None:
    if is_token(key) and len(key) <= _MAX_KEY_LENGTH:
        return None
    return f"key {_shown(key)} is not a Bearer token ({_KEY_RULE})"


@dataclass(frozen=True)
class AccountSpec:
    """One account: its scenario and the keys that open it."""

    name: str
    scenario: Scenario
    keys: tuple[str, ...] = ()
    revoked_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class MockConfig:
    """The whole input of the mock: every byte served is a function of this."""

    seed: int = DEFAULT_SEED
    now: int = field(default_factory=lambda: int(parse_instant(DEFAULT_NOW)))
    accounts: tuple[AccountSpec, ...] = ()

    def __post_init__(self) -> None:
        if not _EARLIEST_NOW <= self.now <= _LATEST_NOW:
            raise ConfigError("now must be between 2000-01-01 and 9000-01-01")
        names = [account.name for account in self.accounts]
        for name in names:
            problem = _account_name_problem(name)
            if problem is not None:
                raise ConfigError(problem)
        if len(set(names)) != len(names):
            raise ConfigError("account names must be unique")
        total = sum(account.scenario.size for account in self.accounts)
        if total > MAX_TOTAL_ENTRIES:
            raise ConfigError(
                f"the accounts hold {total:,} entries in all, over the cap of "
                f"{MAX_TOTAL_ENTRIES:,} entries a process serves"
            )
        seen: set[str] = set()
        for account in self.accounts:
            for key in (*account.keys, *account.revoked_keys):
                problem = _key_problem(key)
                if problem is not None:
                    raise ConfigError(f"account {account.name!r}: {problem}")
                if key in seen:
                    raise ConfigError(f"key {key!r} is given to more than one account")
                seen.add(key)
            if account.scenario.docs_example and self.now <= _DOCS_NEWEST:
                raise ConfigError(
                    f"account {account.name!r}: scenario 'docs' needs now after {_DOCS_NEWEST_TEXT}"
                )

    def with_seed(self, seed: int) -> MockConfig:
        return replace(self, seed=seed)


class KeyRow(NamedTuple):
    """One key of a configuration (``ledger-mock keys``, ``GET /__mock/keys``)."""

    key: str
    account: str
    scenario: str
    size: int
    status: Literal["active", "revoked"]


def key_table(config: MockConfig) -> list[KeyRow]:
    """Every key of ``config``: account by account, active keys before revoked ones."""
    rows: list[KeyRow] = []
    for account in config.accounts:
        scenario = account.scenario
        rows += [
            KeyRow(k, account.name, scenario.name, scenario.size, "active") for k in account.keys
        ]
        rows += [
            KeyRow(k, account.name, scenario.name, scenario.size, "revoked")
            for k in account.revoked_keys
        ]
    return rows


def builtin_config() -> MockConfig:
    """The configuration used when no file is given: the README's test keys."""

    def account(name: str, scenario: str, keys: tuple[str, ...], **options: Any) -> AccountSpec:
        return AccountSpec(name=name, scenario=get_scenario(scenario, **options), keys=keys)

    return MockConfig(
        accounts=(
            account("default", "realistic", ("bsk_test_default", "bsk_test_default_2")),
            account("docs", "docs", ("bsk_test_docs",)),
            account("empty", "empty", ("bsk_test_empty",)),
            account("boundary_200", "realistic", ("bsk_test_boundary_200",), size=200),
            account("boundary_201", "realistic", ("bsk_test_boundary_201",), size=201),
            account("ties", "ties", ("bsk_test_ties",)),
            account("large", "realistic", ("bsk_test_large",), size=100_000),
            account("huge", "realistic", ("bsk_test_huge",), size=1_000_000),
            AccountSpec(
                name="revoked",
                scenario=get_scenario("realistic", size=20),
                revoked_keys=("bsk_test_revoked",),
            ),
        )
    )


def _expect(value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{where} must be {what}")
    return value


def _keys(value: Any, where: str) -> tuple[str, ...]:
    """The keys of one setting; a bad one is named by its index (``keys[2]``)."""
    _expect(value, list, where, "a list of strings")
    keys: list[str] = []
    for index, key in enumerate(value):
        _expect(key, str, where, "a list of strings")
        problem = _key_problem(key)
        if problem is not None:
            raise ConfigError(f"{where}[{index}]: {problem}")
        keys.append(key)
    return tuple(keys)


def _account(name: str, table: Any) -> AccountSpec:
    problem = _account_name_problem(name)
    if problem is not None:
        raise ConfigError(f"accounts.{_shown(name)}: {problem}")
    where = f"accounts.{name}"
    _expect(table, dict, where, "a table")
    unknown = unknown_setting(table, _ACCOUNT_SETTINGS)
    if unknown is not None:
        raise ConfigError(f"{where}: unknown setting {_shown(unknown)}")
    scenario_name = _expect(
        table.get("scenario", "realistic"), str, f"{where}.scenario", "a string"
    )
    if scenario_name not in BUILTIN_SCENARIOS:
        known = ", ".join(sorted(BUILTIN_SCENARIOS))
        raise ConfigError(
            f"{where}.scenario: unknown scenario {_shown(scenario_name)} (known: {known})"
        )
    size = table.get("size")
    if size is not None:
        _expect(size, int, f"{where}.size", "an integer")
        if not 0 <= size <= _MAX_SIZE:
            raise ConfigError(f"{where}.size must be between 0 and {_MAX_SIZE}")
    plan = table.get("plan")
    if plan is not None and (not isinstance(plan, str) or plan not in PLAN_PRICES_CENTS):
        raise ConfigError(f"{where}.plan must be one of {', '.join(PLAN_PRICES_CENTS)}")
    try:
        scenario = get_scenario(scenario_name, size=size, plan=plan)
        if "span_days" in table:
            span = _expect(table["span_days"], int, f"{where}.span_days", "an integer")
            scenario = replace(scenario, span_days=span)
    except ScenarioError as error:
        raise ConfigError(f"{where}: {error}") from None
    keys = _keys(table.get("keys", []), f"{where}.keys")
    revoked = _keys(table.get("revoked_keys", []), f"{where}.revoked_keys")
    return AccountSpec(name=name, scenario=scenario, keys=keys, revoked_keys=revoked)


def _read(path: Path) -> str:
    """The file's text, read no further than ``MAX_CONFIG_BYTES`` (plus one byte to tell)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror or error})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes, the most a configuration may be"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: cannot read it ({error})") from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    """Parse TOML; every way ``tomllib`` can fail is one ``ConfigError`` line.

    Besides ``TOMLDecodeError``, ``tomllib`` lets out ``RecursionError`` on deeply
    nested arrays or inline tables and a plain ``ValueError`` on an integer of more
    than 4,300 digits.
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None
    except ValueError as error:  # TOMLDecodeError is a ValueError
        reason = " ".join(str(error).split())
        raise ConfigError(f"{path}: not valid TOML ({reason})") from None


def load_config(path: Path) -> MockConfig:
    """Read a TOML configuration file; any problem is one ``ConfigError`` line."""
    data = _parse(path, _read(path))
    unknown = unknown_setting(data, _FILE_SETTINGS)
    if unknown is not None:
        raise ConfigError(f"{path}: unknown setting {_shown(unknown)}")
    seed = _expect(data.get("seed", DEFAULT_SEED), int, f"{path}: seed", "an integer")
    now_text = _expect(data.get("now", DEFAULT_NOW), str, f"{path}: now", "an RFC 3339 string")
    try:
        now = int(parse_instant(now_text))
    except TimestampError as error:
        raise ConfigError(f"{path}: now: {error}") from None
    accounts_table = _expect(
        data.get("accounts", {}), dict, f"{path}: accounts", "a table of accounts"
    )
    if not accounts_table:
        raise ConfigError(f"{path}: define at least one [accounts.NAME] table")
    try:
        accounts = tuple(_account(name, table) for name, table in accounts_table.items())
        config = MockConfig(seed=seed, now=now, accounts=accounts)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
    return config
