"""Keep the caller's keys out of everything the suite prints or writes.

The report, the curl lines and the JUnit file may be pasted into tickets; a
key handed to the suite is replaced by a shell variable name (`$KEY`...), so a
curl line still works once the variable is exported.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["Redactor"]


class Redactor:
    """Replaces each secret by its placeholder, longest secret first."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        # Longest first, so a key that contains another key is replaced whole.
        self._pairs = sorted(
            ((secret, name) for secret, name in secrets.items() if secret),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )

    @property
    def secrets(self) -> list[str]:
        """The secret values this redactor hides."""
        return [secret for secret, _ in self._pairs]

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced by its placeholder."""
        for secret, name in self._pairs:
            text = text.replace(secret, name)
        return text
