"""The `check` command's exit-2 paths: exactly one line on stderr, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import contract_tests
from contract_tests import BadArguments, TargetUnreachable, run_check
from contract_tests.cli import check

# The package's own folder, installed or a checkout's: `pytest <folder>` runs the suite.
SUITE = Path(contract_tests.__file__).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "Missing option '--base-url'"),
        (["--base-url", "http://127.0.0.1:1/api/v1"], "Missing option '--api-key'"),
        (["--base-url", "ftp://x", "--api-key", "k"], "base URL must be http(s)"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--profile", "x"], "'--profile'"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-examples", "0"], "0 is not"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--seed", "x"], "'--seed'"),
        (
            ["--base-url", "http://h/api/v1", "--api-key", "k", "--second-key", "k"],
            "must all differ",
        ),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--bogus"], "No such option"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-tries", "0"], "0 is not"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-wait", "-1"], "'--max-wait'"),
        (
            ["--base-url", "http://h/api/v1", "--api-key", "k", "--max-duration", "0"],
            "'--max-duration'",
        ),
        (
            ["--base-url", "http://h/api/v1", "--api-key", "k", "--rate-limit", "9/h"],
            "a rate limit is N/s or N/m",
        ),
        # Non-finite seconds bound nothing (the pytest options refused them already).
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-duration", "inf"], "finite"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-wait", "inf"], "finite"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-wait", "nan"], "finite"),
        (["--base-url", "http://h/api/v1", "--api-key", "k", "--max-duration", "-inf"], "finite"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], says: str) -> None:
    result = CliRunner().invoke(check, args, env={"LEDGER_API_KEY": None})
    assert result.exit_code == 2
    assert says in _one_line(result.stderr)
    assert result.stdout == ""


def test_unreachable_url_exits_2_with_one_line() -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/v1"
    result = subprocess.run(
        [sys.executable, "-m", "contract_tests", "--base-url", url, "--api-key", "bsk_secret_1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line == f"error: cannot reach {url}: connection refused"
    assert "bsk_secret_1" not in result.stderr + result.stdout


def test_run_check_raises_could_not_run() -> None:
    with pytest.raises(TargetUnreachable):
        run_check(base_url=f"http://127.0.0.1:{_free_port()}/api/v1", api_key="k", fuzz=False)
    with pytest.raises(BadArguments):
        run_check(base_url="http://h/api/v1", api_key="k", profile="strict")
    with pytest.raises(TypeError):
        run_check("http://h/api/v1", "k")  # type: ignore[call-arg]  # keyword-only


SPY_PLUGIN = """
import contract_tests.runner
from contract_tests.errors import CheckCouldNotRun


NAMES = (
    "seed", "max_examples", "rate_limit", "max_duration", "max_tries", "max_wait",
    "usage_drift", "fuzz",
)


def _spy(**kwargs):
    raise CheckCouldNotRun(" ".join(f"{name}={kwargs.get(name)}" for name in NAMES))


def pytest_configure(config):
    contract_tests.runner.run_check = _spy
"""


def _pytest_suite(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`pytest <contract_tests>` with run_check replaced by a spy that reports its arguments."""
    (tmp_path / "spy_run_check.py").write_text(SPY_PLUGIN, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTEST_"))}
    env = {**environ, **(env or {}), "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "spy_run_check"),
            *("--ledger-base-url", "http://h/api/v1", "--ledger-api-key", "k", *args),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )


def test_pytest_check_seed_reaches_the_suite(tmp_path: Path) -> None:
    """`--ledger-check-seed` is the suite's seed; `--ledger-seed` is the fixtures plugin's
    (the mock's data) and once leaked into the suite while the former was ignored."""
    result = _pytest_suite(
        tmp_path, "--ledger-check-seed", "7", "--ledger-seed", "9", "--ledger-max-examples", "3"
    )
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "the contract check could not run: seed=7 max_examples=3 " in result.stdout


def test_pytest_pushback_options_reach_the_suite(tmp_path: Path) -> None:
    result = _pytest_suite(
        tmp_path,
        *("--ledger-rate-limit", "5/s", "--ledger-max-duration", "2.5"),
        *("--ledger-max-tries", "2", "--ledger-max-wait", "7"),
    )
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    said = "rate_limit=5/s max_duration=2.5 max_tries=2 max_wait=7.0"
    assert said in result.stdout


@pytest.mark.slow  # a pytest process of its own; the options' own test runs by default
def test_pytest_pushback_options_come_from_the_environment(tmp_path: Path) -> None:
    """Option, then ini key, then environment variable, like every `--ledger-*` option."""
    result = _pytest_suite(tmp_path, env={"LEDGER_RATE_LIMIT": "90/m", "LEDGER_MAX_TRIES": "4"})
    assert "rate_limit=90/m max_duration=None max_tries=4" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--ledger-rate-limit", "fast"), "--ledger-rate-limit: a rate limit is N/s or N/m"),
        (("--ledger-max-duration", "0"), "--ledger-max-duration must be seconds > 0, not '0'"),
        # Each case is a pytest process of its own: the rest run with -m slow (the
        # parsing itself is unit-tested in test_pushback_units.py).
        pytest.param(
            ("--ledger-max-wait", "inf"),
            "--ledger-max-wait must be seconds >= 0, not 'inf'",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ("--ledger-max-duration", "nan"),
            "--ledger-max-duration must be seconds > 0, not 'nan'",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_pytest_bad_pushback_option_is_one_usage_error(
    tmp_path: Path, args: tuple[str, str], says: str
) -> None:
    result = _pytest_suite(tmp_path, *args)
    assert result.returncode == 4, result.stdout[-2000:]
    assert result.stderr.strip().startswith(f"ERROR: {says}"), result.stderr


@pytest.mark.slow  # a pytest process of its own
def test_pytest_bad_integer_is_one_usage_error(tmp_path: Path) -> None:
    result = _pytest_suite(tmp_path, "--ledger-check-seed", "x")
    assert result.returncode == 4, result.stdout[-2000:]
    assert result.stderr.strip() == "ERROR: --ledger-check-seed must be an integer, not 'x'"


@pytest.mark.parametrize(
    ("env", "said"),
    [
        pytest.param({}, "usage_drift=False fuzz=True", marks=pytest.mark.slow),
        ({"LEDGER_NO_OPENAPI": "0"}, "usage_drift=False fuzz=True"),  # once: fuzzing off
        # One pytest process each: the other spellings run with -m slow.
        pytest.param(
            {"LEDGER_NO_OPENAPI": "False", "LEDGER_USAGE_DRIFT": "off"},
            "usage_drift=False fuzz=True",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            {"LEDGER_NO_OPENAPI": "1"}, "usage_drift=False fuzz=False", marks=pytest.mark.slow
        ),
        ({"LEDGER_NO_OPENAPI": "TRUE", "LEDGER_USAGE_DRIFT": "Yes"}, "usage_drift=True fuzz=False"),
        pytest.param(
            {"LEDGER_USAGE_DRIFT": "on"}, "usage_drift=True fuzz=True", marks=pytest.mark.slow
        ),
    ],
)
def test_pytest_flag_variables_are_read_as_booleans(
    tmp_path: Path, env: dict[str, str], said: str
) -> None:
    result = _pytest_suite(tmp_path, env=env)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert said in result.stdout, result.stdout[-2000:]


@pytest.mark.slow  # a pytest process of its own
def test_pytest_unreadable_flag_variable_is_one_usage_error(tmp_path: Path) -> None:
    result = _pytest_suite(tmp_path, env={"LEDGER_NO_OPENAPI": "maybe"})
    assert result.returncode == 4, result.stdout[-2000:]
    assert result.stderr.strip() == (
        "ERROR: LEDGER_NO_OPENAPI must be 1/true/yes/on or 0/false/no/off (any case), not 'maybe'"
    )
