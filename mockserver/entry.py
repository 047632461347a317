"""The ``ledger-mock`` console script: a stop during ``serve``'s start-up is quiet too.

``serve`` takes about a second to start (imports, configuration, the smaller
ledgers, the bind) before gunicorn's arbiter takes over SIGINT and SIGTERM.
A stop in that second used to print a ``KeyboardInterrupt`` traceback (Ctrl-C)
or end the process by the signal (SIGTERM, status -15). Here the stop signals
are taken first thing, before the heavy imports, and only noted: raising from
the handler could land inside a C extension's import and crash the
interpreter at exit (seen: SIGSEGV). ``serve`` looks at the note at safe
points (``stop_requested``) and exits 0, and once gunicorn's arbiter has its
own handlers, a noted stop is handed to it as a SIGTERM (``mockserver.server.serving``).
The other commands keep Python's defaults (``export`` reports Ctrl-C as
"aborted", status 130).
"""

from __future__ import annotations

import signal
import sys

from .server.stops import note_stop, stop_requested

__all__ = ["main", "stop_requested"]


def _command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: list[str] | None = None) -> None:
    """``ledger-mock``: see ``mockserver.cli``."""
    args = sys.argv[1:] if argv is None else argv
    if _command(args) == "serve":
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, note_stop)
    from .cli import main as cli_main

    cli_main(args)
