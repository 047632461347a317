"""Start ``ledger-mock serve`` as a real process, the way a user does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


@contextmanager
def running_mock(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL printed on the first line; SIGTERM and reap on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
        if not first_line.startswith("http://"):
            process.kill()
            _, err = process.communicate(timeout=10)
            raise AssertionError(f"serve did not start: {first_line!r} {err[-2000:]}")
        yield first_line
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise AssertionError("serve did not stop within 20 s of SIGTERM") from None
    assert process.returncode == 0, f"serve exited {process.returncode} on SIGTERM: {err[-2000:]}"
    assert "Traceback" not in err, err[-2000:]


def run_cli(args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
