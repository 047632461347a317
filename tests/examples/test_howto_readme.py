"""The README's plugin example runs as written, in a fresh pytest project."""

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_plugin_example(pytester: pytest.Pytester) -> None:
    section = README.read_text(encoding="utf-8").split("## Testing your client: the pytest plugin")[
        1
    ]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    pytester.makeini(
        "[pytest]\naddopts = --strict-markers -p no:cacheprovider\nfilterwarnings = error\n"
    )
    pytester.makepyfile(test_readme=match[1])
    pytester.runpytest_inprocess("-q").assert_outcomes(passed=3)
