"""The suite's one error root and its subclasses.

A violation of the contract is not an exception (it is data in the report);
these exceptions mean the check itself could not run, which the CLI turns into
exit status 2 with a one-line message.
"""

from __future__ import annotations

import traceback
from pathlib import Path

__all__ = [
    "BadArguments",
    "CheckCouldNotRun",
    "ContractSuiteError",
    "SchemaNotFound",
    "TargetUnreachable",
    "describe_failure",
]


class ContractSuiteError(Exception):
    """Root of every error the contract suite raises on purpose."""


class CheckCouldNotRun(ContractSuiteError):
    """The check could not be carried out at all (not a verdict on the target)."""


class BadArguments(CheckCouldNotRun):
    """The caller's arguments are unusable (bad URL, empty key, bad profile...)."""


class TargetUnreachable(CheckCouldNotRun):
    """The base URL does not answer, or does not look like the ledger API."""


class SchemaNotFound(ContractSuiteError):
    """A schema file of the suite itself is missing (a broken install, not the target's fault).

    Never escapes `run_check`: the rules that needed the file are reported as
    "could not run" and the run exits 2.
    """


def describe_failure(error: BaseException) -> str:
    """`Type: message (at folder/file.py:line)` for an unexpected exception, on one line.

    What a "could not run" reason shows: enough to file a bug against the
    suite without a traceback in the report (the CLI prints no tracebacks).
    """
    text = " ".join(f"{type(error).__name__}: {error}".split())
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        where = Path(frames[-1].filename)
        text += f" (at {'/'.join(where.parts[-2:])}:{frames[-1].lineno})"
    return text
