"""The plugin as users meet it: loaded by its entry point in a project that only installed it."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
filterwarnings = error
{extra}
"""

USER_TESTS = """
import httpx
import pytest
import requests


def test_live_server(ledger_server):
    assert ledger_server.base_url.startswith("http://127.0.0.1:")
    assert ledger_server.base_url.endswith("/api/v1")
    assert ledger_server.api_key == "bsk_test_default"
    assert ledger_server.keys["docs"] == "bsk_test_docs"
    body = requests.get(ledger_server.base_url + "/me/billing/transactions",
                        headers={"Authorization": "Bearer " + ledger_server.api_key},
                        params={"page_size": 200}, timeout=5).json()
    assert body["total"] == len(ledger_server.ledger().entries)
    ledger_server.journal.assert_always_authenticated(ledger_server.api_key)


def test_fresh_journal(ledger_server):
    assert len(ledger_server.journal) == 0


def test_app_and_client(ledger_app, ledger_client):
    assert ledger_client.get("/api/v1/me/billing/transactions").status_code == 401
    assert ledger_app.name


def test_intercept(ledger_intercept):
    r = httpx.get("https://llm.bytespike.ai/api/v1/me/billing/transactions",
                  headers=ledger_intercept.headers)
    assert r.json()["total"] == 360


@pytest.mark.ledger(scenario="docs")
def test_marker(ledger_server, make_ledger):
    assert ledger_server.api_key == "bsk_test_docs"
    assert make_ledger(account="docs").entries[0]["id"] == 901234


def test_make_ledger(make_ledger):
    model = make_ledger(seed=5, size=12)
    assert len(model.entries) == 12 == model.query(page_size=50)["total"]


def test_session_server_is_shared(ledger_session_server, ledger_server):
    assert ledger_session_server.base_url == ledger_server.base_url


def test_seed(ledger_seed, ledger_config):
    assert ledger_seed is None or ledger_config.seed == ledger_seed
"""


def test_public_fixtures_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra=""))
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess("-q")
    result.assert_outcomes(passed=8)


def test_unknown_marker_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra=""))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ledger(colour="red")
        def test_it(ledger_mock):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option 'colour'*"])


SEED_TEST = """
def test_seed(ledger_seed, ledger_config):
    print("SEED", ledger_seed, ledger_config.seed)
"""


@pytest.mark.parametrize(
    ("args", "ini", "env", "expected"),
    [
        ([], "", None, "SEED None 20260521"),
        ([], "ledger_seed = 5", "6", "SEED 5 5"),
        (["--ledger-seed", "4"], "ledger_seed = 5", "6", "SEED 4 4"),
        ([], "", "6", "SEED 6 6"),
    ],
    ids=["default", "ini-over-env", "option-over-ini", "env"],
)
def test_seed_precedence(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    ini: str,
    env: str | None,
    expected: str,
) -> None:
    if env is None:
        monkeypatch.delenv("LEDGER_SEED", raising=False)
    else:
        monkeypatch.setenv("LEDGER_SEED", env)
    pytester.makeini(INI.format(extra=ini))
    pytester.makepyfile(SEED_TEST)
    result = pytester.runpytest_inprocess("-q", "-s", *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([expected])


def test_bad_seed_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra=""))
    pytester.makepyfile(SEED_TEST)
    result = pytester.runpytest_inprocess("--ledger-seed", "abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_config_marker_and_option(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        ledger="""
seed = 3
[accounts.alice]
scenario = "realistic"
size = 25
keys = ["bsk_alice"]
""",
    )
    pytester.makeini(INI.format(extra=""))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ledger(config="ledger.toml")
        def test_marker(ledger_server):
            assert ledger_server.api_key == "bsk_alice"
            assert ledger_server.ledger().total == 25

        def test_option(ledger_config):
            assert [a.name for a in ledger_config.accounts] == ["alice"]
        """
    )
    module = "test_config_marker_and_option.py"
    result = pytester.runpytest_inprocess("-q", f"{module}::test_marker")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest_inprocess(
        "-q", f"{module}::test_option", "--ledger-config", "ledger.toml"
    )
    result.assert_outcomes(passed=1)


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, ledger_fixtures.plugin, ledger_fixtures;"
        "print(sorted(m for m in ('flask', 'numpy', 'mockserver', 'hypothesis', 'schemathesis',"
        " 'werkzeug', 'requests', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_entry_point_is_registered() -> None:
    from importlib.metadata import entry_points

    (point,) = [e for e in entry_points(group="pytest11") if e.name == "bytespike_ledger"]
    assert point.value == "ledger_fixtures.plugin"
