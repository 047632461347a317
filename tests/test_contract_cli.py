"""The `check` command's exit-2 paths: exactly one line on stderr, no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from contract_tests import BadArguments, TargetUnreachable, run_check
from contract_tests.cli import check


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
