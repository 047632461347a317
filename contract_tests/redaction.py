"""Keep the caller's keys out of everything the suite prints or writes.

The report, the curl lines and the JUnit file may be pasted into tickets; a
key handed to the suite is replaced by a shell variable name (`$KEY`...), so a
curl line still works once the variable is exported.

Not only the key itself: the probes also send strings made from it (the key
less its last character, the key as HTTP Basic credentials), and a target
may echo a key in another case (a case-insensitive key store would accept
it).  Each such variant is a usable key or most of one, so each is replaced
by a shell expression that rebuilds it from the variable, matched in any case.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

__all__ = ["Redactor", "basic_credentials", "variants"]

MIN_PREFIX = 8
_BARE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")


def basic_credentials(key: str) -> str:
    """The key as HTTP Basic credentials (user `key`, no password), as a probe sends it."""
    return base64.b64encode(f"{key}:".encode()).decode()


def variants(secret: str, name: str) -> dict[str, str]:
    """Every string the suite derives from `secret`, with the shell text that rebuilds it.

    `name` is the placeholder of the secret itself (`$KEY`).
    """
    variable = name.removeprefix("$")
    found = {secret: name, basic_credentials(secret): f"$(printf %s: ${variable} | base64)"}
    # A short prefix is no key, and hiding it would garble ordinary text.
    if len(secret) > MIN_PREFIX:
        found.setdefault(secret[:-1], f"${{{variable}%?}}")
    return found


class Redactor:
    """Replaces each secret (and its variants, in any case) by its placeholder."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._secrets = [secret for secret in secrets if secret]
        replacements: dict[str, str] = {}
        # The secrets themselves first: a variant never displaces a whole key.
        for secret, name in secrets.items():
            if secret:
                replacements.setdefault(secret.lower(), name)
        for secret, name in secrets.items():
            if secret:
                for variant, text in variants(secret, name).items():
                    replacements.setdefault(variant.lower(), text)
        self._replacements = replacements
        # Longest first, so a key that contains another key is replaced whole.
        alternatives = sorted(replacements, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(a) for a in alternatives), re.IGNORECASE)
            if alternatives
            else None
        )

    @property
    def secrets(self) -> list[str]:
        """The secret values this redactor hides."""
        return list(self._secrets)

    def __call__(self, text: str) -> str:
        """Return `text` with every secret and variant replaced by its placeholder."""
        if self._pattern is None:
            return text
        return self._pattern.sub(self._placeholder, text)

    def _placeholder(self, match: re.Match[str]) -> str:
        # Unicode case folding can match what `lower()` spells otherwise.
        text = self._replacements.get(match.group(0).lower(), "[redacted]")
        following = match.string[match.end() : match.end() + 1]
        if _BARE.fullmatch(text) and (following.isalnum() or following == "_"):
            # `$KEYx` would be another variable: the probe's key + "x" is `${KEY}x`.
            return "${" + text[1:] + "}"
        return text
