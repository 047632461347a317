"""`check`: the command line of the contract suite.

Mounted lazily by the mock's CLI as `ledger-mock check`, and runnable alone as
`python -m contract_tests`.  Exit 0: the target conforms; 1: a rule is
violated; 2: the check could not run (one line on stderr, no traceback), as a
whole (bad arguments, unreachable target) or for some rules (a schema the
suite cannot find, an internal error: the report is printed, those rules show
as ERROR, and the stderr line names them and why).  2 wins over 1.

Real services push back: `--max-tries` and `--max-wait` bound how long 429s,
503s with Retry-After, resets and timeouts are waited out, `--rate-limit`
keeps the whole run under a request rate, `--max-duration` bounds the run
(what it leaves unchecked is "could not check", exit 2).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from contract_tests.catalog import Profile
from contract_tests.errors import CheckCouldNotRun
from contract_tests.junit import write_junit
from contract_tests.report import EXIT_COULD_NOT_RUN
from contract_tests.runner import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_TRIES,
    DEFAULT_MAX_WAIT,
    DEFAULT_SEED,
    run_check,
)

__all__ = ["check"]


def _fail(message: str) -> click.exceptions.Exit:
    """Print the one-line reason and return the exit to raise."""
    click.echo(f"error: {' '.join(message.split())}", err=True)
    return click.exceptions.Exit(EXIT_COULD_NOT_RUN)


class _OneLineErrors(click.Command):
    """A command whose usage errors are a single stderr line, even when mounted in a group."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            raise _fail(error.format_message()) from None


class _Seconds(click.ParamType):
    """A finite number of seconds: `inf` and `nan` would never bound anything
    (and the pytest options refuse them too)."""

    name = "seconds"

    def __init__(self, *, zero_ok: bool) -> None:
        self.zero_ok = zero_ok

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            seconds = value
        else:
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                seconds = math.nan
        if not math.isfinite(seconds) or not (seconds >= 0 if self.zero_ok else seconds > 0):
            bound = ">= 0" if self.zero_ok else "> 0"
            self.fail(f"must be a finite number of seconds {bound}, not {value!r}", param, ctx)
        return seconds


@click.command(cls=_OneLineErrors)
@click.option("--base-url", required=True, help="Base URL, e.g. http://127.0.0.1:8080/api/v1.")
@click.option("--api-key", required=True, envvar="LEDGER_API_KEY", help="A valid key (required).")
@click.option("--second-key", help="Another key of the same account.")
@click.option("--other-account-key", help="A key of another account (isolation).")
@click.option("--revoked-key", help="A revoked key.")
@click.option(
    "--profile",
    type=click.Choice([p.value for p in Profile]),
    default=Profile.FULL.value,
    show_default=True,
    help="documented: only what the docs promise; full: every [decided] point too.",
)
@click.option("--usage-drift", is_flag=True, help="Relax the balance chain to <= (real wallets).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Schemathesis fuzzing examples.",
)
@click.option(
    "--rate-limit",
    metavar="N/s|N/m",
    help="Keep the whole run (fuzzing included) under this request rate, e.g. 10/s.",
)
@click.option(
    "--max-duration",
    type=_Seconds(zero_ok=False),
    metavar="SECONDS",
    help="Stop after this long; rules not checked by then are 'could not check' (exit 2).",
)
@click.option(
    "--max-tries",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_TRIES,
    show_default=True,
    help="Tries per request when the target answers 429/503 (Retry-After) or not at all.",
)
@click.option(
    "--max-wait",
    type=_Seconds(zero_ok=True),
    default=DEFAULT_MAX_WAIT,
    show_default=True,
    metavar="SECONDS",
    help="Seconds the whole run may wait out pushback.",
)
@click.option(
    "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML."
)
def check(
    base_url: str,
    api_key: str,
    second_key: str | None,
    other_account_key: str | None,
    revoked_key: str | None,
    profile: str,
    usage_drift: bool,
    seed: int,
    max_examples: int,
    rate_limit: str | None,
    max_duration: float | None,
    max_tries: int,
    max_wait: float,
    junit_xml: Path | None,
) -> None:
    """Check an implementation of GET /me/billing/transactions against CONTRACT.md."""
    try:
        report = run_check(
            base_url=base_url,
            api_key=api_key,
            second_key=second_key,
            other_account_key=other_account_key,
            revoked_key=revoked_key,
            profile=profile,
            usage_drift=usage_drift,
            seed=seed,
            max_examples=max_examples,
            rate_limit=rate_limit,
            max_duration=max_duration,
            max_tries=max_tries,
            max_wait=max_wait,
        )
    except CheckCouldNotRun as error:
        raise _fail(str(error)) from None
    click.echo(report.to_text())
    if junit_xml is not None:
        try:
            write_junit(report, junit_xml)
        except OSError as error:
            raise _fail(f"cannot write {junit_xml}: {error.strerror}") from None
    summary = report.error_summary()
    if summary is not None:
        raise _fail(summary)
    raise click.exceptions.Exit(report.exit_code)
