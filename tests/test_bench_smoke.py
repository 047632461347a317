"""The benchmark harness still runs (tiny durations; times nothing; ``-m slow`` only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "bench" / "run.py"

pytestmark = pytest.mark.slow


def _bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(RUN), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_startup_and_scale_report() -> None:
    out = _bench("startup")
    assert out.count("to first 200") == 2
    assert "serve --port 0 --enable-control --workers 1" in out
    out = _bench("scale", "--samples", "2")
    assert "10^6" in out


def test_first_use_reports_the_probe_during_generation() -> None:
    out = _bench("first-use", "--first-use-runs", "1", "--first-use-baseline", "0.3")
    assert "| serve --workers 1 " in out
    assert "| serve --enable-control --workers 1 " in out
    assert "worst probe stall during a first use" in out


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_throughput_prints_ratios() -> None:
    out = _bench("throughput", "--duration", "1", "--rounds", "1", "--urls", "40")
    assert "ledger-mock, mixed workload" in out
    assert "x raw WSGI app, same bytes" in out
    assert "ledger-mock --enable-control --workers 1, mixed" in out
    assert "control/plain (serve --enable-control vs serve" in out
    assert "--server" not in out


@pytest.mark.skipif(
    shutil.which(os.environ.get("LEDGER_CHROMIUM") or "/usr/bin/chromium") is None,
    reason="no Chromium (apt-get install chromium, or LEDGER_CHROMIUM=PATH)",
)
def test_console_reports_the_first_view_against_the_api_page() -> None:
    out = _bench("console", "--console-runs", "1", "--console-cold-runs", "1")
    assert "console, cold server" in out
    assert "console, warm server" in out
    assert "API page ?page=1&page_size=50" in out
    assert "console warm first view (median)" in out
    assert "not measured" not in out
