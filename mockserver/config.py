"""What the mock serves: accounts, their scenarios, keys, the seed and the frozen now.

The built-in configuration publishes the test keys of the README; a TOML file can
replace it. Every mistake in a file is reported as one ``ConfigError`` line.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .auth import is_token
from .errors import LedgerMockError
from .kinds import PLAN_PRICES_CENTS
from .scenarios import BUILTIN_SCENARIOS, Scenario, ScenarioError, get_scenario
from .timestamps import TimestampError, parse_instant

__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_SEED",
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
_EARLIEST_NOW = int(parse_instant("2000-01-01"))
_LATEST_NOW = int(parse_instant("9000-01-01"))
_DOCS_NEWEST_TEXT = "2026-05-21T14:08:11Z"
_DOCS_NEWEST = int(parse_instant(_DOCS_NEWEST_TEXT))


class ConfigError(LedgerMockError):
    """A configuration that cannot be served; the message names the problem."""


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
        if len(set(names)) != len(names):
            raise ConfigError("account names must be unique")
        seen: set[str] = set()
        for account in self.accounts:
            for key in (*account.keys, *account.revoked_keys):
                if key in seen:
                    raise ConfigError(f"key {key!r} is given to more than one account")
                if not is_token(key):
                    raise ConfigError(
                        f"account {account.name!r}: key {key!r} is not a Bearer token "
                        "(letters, digits and -._~+/ only)"
                    )
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
    _expect(value, list, where, "a list of strings")
    return tuple(_expect(key, str, where, "a list of strings") for key in value)


def _account(name: str, table: Any) -> AccountSpec:
    where = f"accounts.{name}"
    _expect(table, dict, where, "a table")
    unknown = set(table) - {"scenario", "size", "plan", "span_days", "keys", "revoked_keys"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
    scenario_name = _expect(
        table.get("scenario", "realistic"), str, f"{where}.scenario", "a string"
    )
    if scenario_name not in BUILTIN_SCENARIOS:
        known = ", ".join(sorted(BUILTIN_SCENARIOS))
        raise ConfigError(f"{where}.scenario: unknown scenario {scenario_name!r} (known: {known})")
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


def load_config(path: Path) -> MockConfig:
    """Read a TOML configuration file; any problem is one ``ConfigError`` line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    unknown = set(data) - {"seed", "now", "accounts"}
    if unknown:
        raise ConfigError(f"{path}: unknown setting {sorted(unknown)[0]!r}")
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
