"""The suite's one error root and its subclasses.

A violation of the contract is not an exception (it is data in the report);
these exceptions mean the check itself could not run, which the CLI turns into
exit status 2 with a one-line message.
"""

from __future__ import annotations

__all__ = ["BadArguments", "CheckCouldNotRun", "ContractSuiteError", "TargetUnreachable"]


class ContractSuiteError(Exception):
    """Root of every error the contract suite raises on purpose."""


class CheckCouldNotRun(ContractSuiteError):
    """The check could not be carried out at all (not a verdict on the target)."""


class BadArguments(CheckCouldNotRun):
    """The caller's arguments are unusable (bad URL, empty key, bad profile...)."""


class TargetUnreachable(CheckCouldNotRun):
    """The base URL does not answer, or does not look like the ledger API."""
