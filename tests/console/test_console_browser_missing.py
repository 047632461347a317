"""Without a browser the console's tests skip with the reason, except in CI, where they fail."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from .support import CHROMIUM_ENV, REQUIRE_ENV, chromium_path, missing


def test_the_browser_is_taken_from_the_environment_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(CHROMIUM_ENV, str(fake))
    assert chromium_path() == str(fake)
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "nowhere"))
    assert chromium_path() is None


def test_no_browser_skips_with_the_reason_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at /x"):
        missing("no Chromium at /x")


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [("CI", "true", "CI=true"), ("CI", "TRUE", "CI=true"), (REQUIRE_ENV, "1", f"{REQUIRE_ENV}=1")],
)
def test_no_browser_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match=rf"{said} but .*: no Chromium at /x"):
        missing("no Chromium at /x")
