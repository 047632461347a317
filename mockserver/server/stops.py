"""Stop signals that come while ``serve`` starts: noted here, looked at later.

``mockserver.entry`` installs ``note_stop`` first thing (before the heavy
imports); ``serve`` asks ``stop_requested`` at safe points and hands a noted
stop to gunicorn's arbiter once it has its own handlers. No imports: cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["note_stop", "stop_requested"]

_noted: list[int] = []


def note_stop(signum: int, frame: Any) -> None:
    """A signal handler that only notes the signal (raising could land in a C import)."""
    _noted.append(signum)


def stop_requested() -> bool:
    """Whether a stop signal came while ``serve`` was starting."""
    return bool(_noted)
