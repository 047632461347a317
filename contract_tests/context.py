"""What every check is handed: the client, the recorder, the keys, the history.

Built once per run by the runner; checks read it and record evidence, and do
not keep state of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from contract_tests.catalog import Profile
from contract_tests.client import Client, Exchange
from contract_tests.history import History
from contract_tests.recorder import Recorder

__all__ = ["Context", "Keys", "body_dict", "describe"]


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys the caller handed over (§7: one required, three optional)."""

    api_key: str
    second_key: str | None = None
    other_account_key: str | None = None
    revoked_key: str | None = None

    def secrets(self) -> dict[str, str]:
        """Each key with the shell variable that stands for it in printed curl lines."""
        named = {
            self.api_key: "$KEY",
            self.second_key: "$SECOND_KEY",
            self.other_account_key: "$OTHER_KEY",
            self.revoked_key: "$REVOKED_KEY",
        }
        return {key: name for key, name in named.items() if key}


@dataclass(slots=True)
class Context:
    """Shared state of one run."""

    client: Client
    record: Recorder
    keys: Keys
    profile: Profile
    rng: random.Random
    usage_drift: bool = False
    history: History | None = None
    history_problem: str = "the history could not be read"
    # True when the history is missing through the suite's own failure (an
    # internal exception), not the target's: then rules needing it "could not run".
    history_failed_internally: bool = False
    notes: list[str] = field(default_factory=list)
    # The other keys' own pinned histories (or why they could not be read),
    # read on first use by `checks._views` and shared by every check after it.
    key_histories: dict[str, Any] = field(default_factory=dict)

    def require_history(self, *rule_ids: str) -> History | None:
        """The history, or `None` after marking `rule_ids` not checked (or, when the
        suite itself failed to read it, could not run) with the reason."""
        if self.history is None:
            mark = self.record.cannot_run if self.history_failed_internally else self.record.skip
            for rule_id in rule_ids:
                mark(rule_id, self.history_problem)
        return self.history


def describe(exchange: Exchange, *, limit: int = 300) -> str:
    """A short "status + body" summary of a response, for `actual` fields."""
    text = exchange.text if len(exchange.text) <= limit else exchange.text[: limit - 3] + "..."
    return f"{exchange.status} {text}".strip()


def body_dict(exchange: Exchange) -> dict[str, Any]:
    """The body if it is a JSON object, else an empty dict."""
    body = exchange.body
    return body if isinstance(body, dict) else {}
