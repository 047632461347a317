"""``ledger-mock`` keys / export and its one-line errors."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from mockserver.cli import main
from tests.conftest import TRANSACTIONS, bearer
from tests.servers import run_cli


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_keys_lists_every_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "keys")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "ACCOUNT", "SCENARIO", "ENTRIES", "STATUS"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["bsk_test_huge"] == ["huge", "realistic", "1000000", "active"]
    assert rows["bsk_test_revoked"][-1] == "revoked"
    assert len(rows) == 10


def _all_items(client: FlaskClient, key: str, query: str = "") -> list[dict[str, object]]:
    items, page = [], 1
    while True:
        body = client.get(
            f"{TRANSACTIONS}?page_size=200&page={page}{query}", headers=bearer(key)
        ).get_json()
        items += body["items"]
        if page * 200 >= body["total"]:
            return items
        page += 1


def test_export_json_equals_the_endpoint(
    capsys: pytest.CaptureFixture[str], client: FlaskClient
) -> None:
    query = "&kind=refund&since=2025-03-01&until=2026-02-01T12:00:00%2B02:00"
    code, out, _ = _run(
        capsys,
        "export",
        "--key",
        "bsk_test_default",
        "--format",
        "json",
        "--kind",
        "refund",
        "--since",
        "2025-03-01",
        "--until",
        "2026-02-01T12:00:00+02:00",
    )
    assert code == 0
    assert json.loads(out) == _all_items(client, "bsk_test_default", query)


def test_export_csv_and_ndjson(capsys: pytest.CaptureFixture[str], client: FlaskClient) -> None:
    expected = _all_items(client, "bsk_test_docs")
    code, out, _ = _run(capsys, "export", "--key", "bsk_test_docs")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["created_at", "kind", "amount_usd", "balance_after_usd"]
    assert rows[0] == {
        "created_at": "2026-05-21T14:08:11Z",
        "kind": "topup",
        "amount_usd": "50.00",
        "balance_after_usd": "81.40",
    }
    assert len(rows) == len(expected) == 47
    code, out, _ = _run(capsys, "export", "--key", "bsk_test_docs", "--format", "ndjson")
    assert [json.loads(line) for line in out.splitlines()] == expected


def test_export_to_file_draws_no_progress_off_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    code, _, err = _run(capsys, "export", "--key", "bsk_test_boundary_201", "--output", str(target))
    assert code == 0
    assert len(target.read_text().splitlines()) == 202
    assert err == ""  # the bar is for terminals (test_export_atomic covers one)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["export"], "--key"),
        (["export", "--key", "nope"], "unknown key"),
        (["export", "--key", "bsk_test_revoked"], "revoked key"),
        (["export", "--key", "bsk_test_default", "--kind", "bogus"], "--kind"),
        (["export", "--key", "bsk_test_default", "--since", "yesterday"], "--since"),
        (["export", "--key", "bsk_test_default", "--format", "xml"], "--format"),
        (["export", "--key", "bsk_test_default", "--output", "/nonexistent/dir/x.csv"], "--output"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--config", "/nonexistent.toml"], "no such file"),
        (["serve", "--prot", "1"], "--prot"),
        (["serve", "--server", "granian"], "--server"),
        (["serve", "--control-token", "x" * 32], "--control-token needs --enable-control"),
        (["serve", "--enable-control", "--control-token", "short"], "--control-token"),
        (["serve", "--max-connections", "0"], "--max-connections"),
        (["bogus"], "bogus"),
        (["keys", "--seed", "x"], "--seed"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("ledger-mock: error: "), err
    assert fragment in err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("seed = [", "not valid TOML"),
        ("seed = 1", "[accounts.NAME]"),
        ("colour = 1\n[accounts.a]\nkeys=['k']", "unknown setting 'colour'"),
        ("seed = 'x'\n[accounts.a]\nkeys=['k']", "seed must be an integer"),
        ("now = 'tomorrow'\n[accounts.a]\nkeys=['k']", "now"),
        ("[accounts.a]\nscenario = 'nope'", "unknown scenario 'nope'"),
        ("[accounts.a]\nsize = -1", "accounts.a.size"),
        ("[accounts.a]\nsize = true", "accounts.a.size"),
        ("[accounts.a]\nplan = 'gold'", "accounts.a.plan"),
        ("[accounts.a]\nkeys = 'k'", "accounts.a.keys"),
        ("[accounts.a]\nkeys = ['k']\n[accounts.b]\nkeys = ['k']", "more than one account"),
        ("[accounts.a]\nkeys = ['a b']", "not a Bearer token"),
        ("[accounts.a]\nflavour = 1", "unknown setting 'flavour'"),
        ("now = '2026-01-01T00:00:00Z'\n[accounts.a]\nscenario = 'docs'", "needs now after"),
        ("[accounts.a]\nscenario = 'docs'\nsize = 10", "is fixed"),
        ("[accounts.a]\nscenario = 'docs'\nspan_days = 3", "is fixed"),
        ("[accounts.a]\nscenario = 'docs'\nplan = 'team'", "is fixed"),
        ("[accounts.a]\nplan = []", "accounts.a.plan"),
        ("[accounts.a]\nspan_days = 100000000", "span_days"),
        ("now = '0001-01-02T00:00:00Z'\n[accounts.a]\nkeys=['k']", "now must be between"),
        ("now = '9999-12-31T23:59:59Z'\n[accounts.a]\nkeys=['k']", "now must be between"),
        ("[accounts.a]\nspan_days = 0", "span_days"),
    ],
)
def test_bad_config_files_are_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    config = tmp_path / "mock.toml"
    config.write_text(content)
    code, _, err = _run(capsys, "keys", "--config", str(config))
    assert code == 2 and err.count("\n") == 1, err
    assert fragment in err


def test_config_file_defines_accounts(tmp_path: Path, client: FlaskClient) -> None:
    config = tmp_path / "mock.toml"
    config.write_text(
        'seed = 3\nnow = "2026-01-01T00:00:00Z"\n'
        '[accounts.alice]\nscenario = "realistic"\nsize = 12\nplan = "team"\n'
        'keys = ["sk_alice"]\nrevoked_keys = ["sk_alice_old"]\n'
        '[accounts.bob]\nscenario = "empty"\nkeys = ["sk_bob"]\n'
    )
    result = run_cli(["export", "--config", str(config), "--key", "sk_alice", "--format", "ndjson"])
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(items) == 12
    assert max(item["created_at"] for item in items) < "2026-01-01"
    assert {i["source"]["plan"] for i in items if i["kind"] == "subscription_renew"} <= {"team"}
    keys = run_cli(["keys", "--config", str(config)])
    assert "sk_alice_old" in keys.stdout and "revoked" in keys.stdout


def test_python_dash_m_is_the_same_cli() -> None:
    result = run_cli(["keys"])
    assert result.returncode == 0 and "bsk_test_default" in result.stdout
    bad = run_cli(["export"])
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_serve_refuses_a_busy_port_or_unknown_host_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = _run(capsys, "serve", "--port", str(port))
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "Address already in use" in err
    code, _, err = _run(capsys, "serve", "--host", "no-such-host.invalid")
    assert code == 2 and err.count("\n") == 1 and "cannot resolve" in err


@pytest.mark.parametrize("control", [True, False])
def test_serve_prints_the_console_url_after_the_base_url(control: bool) -> None:
    flags = ["--enable-control"] if control else []
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base = process.stdout.readline().strip()
        second = process.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:") and base.endswith("/api/v1")
        root = base.removesuffix("/api/v1")
        if control:
            assert second == f"console: {root}/__mock/console/"
            with urllib.request.urlopen(second.removeprefix("console: "), timeout=10) as page:
                assert page.status == 200
                assert page.headers["Content-Type"].startswith("text/html")
                assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        else:
            assert second.split() == ["KEY", "ACCOUNT", "SCENARIO", "ENTRIES", "STATUS"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err
