"""The Playwright example of docs/console.md runs as written against a live console."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .support import CHROMIUM_ENV, DEFAULT_CHROMIUM, Served, chromium_path, missing

DOC = Path(__file__).resolve().parents[2] / "docs" / "console.md"


def test_the_docs_playwright_example_passes(console_server: Served, tmp_path: Path) -> None:
    path = chromium_path()
    if path is None:
        missing(f"no Chromium at {os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM}")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (example,) = [b for b in blocks if "sync_playwright" in b]
    assert 'BASE = "http://127.0.0.1:8080"' in example
    assert 'executable_path="/usr/bin/chromium"' in example
    assert console_server.control("POST", "reset").status_code == 200  # its own journal only
    script = tmp_path / "example.py"
    script.write_text(
        example.replace("http://127.0.0.1:8080", console_server.base).replace(
            "/usr/bin/chromium", path
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
