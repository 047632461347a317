"""`run_check`: the programmatic entry point that ties a run together.

Order: validate arguments, probe the target (unreachable means "could not
run", not "violated"), discover and pin the history, run the stateful checks,
run Schemathesis over the profile's OpenAPI document, and hand the recorder's
verdicts over as a `Report`.

An unexpected exception inside a check is the suite's bug, not the target's:
it neither crashes the run nor hides as "not checked"; the check's rules are
reported as "could not run" (ERROR), with the exception, and the run exits 2.
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlsplit

from contract_tests.catalog import Profile
from contract_tests.checks import ALL_CHECKS, Check
from contract_tests.client import Client, TransportError
from contract_tests.context import Context, Keys
from contract_tests.errors import BadArguments, TargetUnreachable, describe_failure
from contract_tests.history import DEFAULT_CAP, History, discover
from contract_tests.recorder import Recorder
from contract_tests.redaction import Redactor
from contract_tests.report import Report

__all__ = ["run_check"]

DEFAULT_SEED = 20240521
DEFAULT_MAX_EXAMPLES = 60


def run_check(
    *,
    base_url: str,
    api_key: str,
    second_key: str | None = None,
    other_account_key: str | None = None,
    revoked_key: str | None = None,
    profile: Profile | str = Profile.FULL,
    usage_drift: bool = False,
    seed: int = DEFAULT_SEED,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    history_cap: int = DEFAULT_CAP,
    fuzz: bool = True,
    timeout: float = 15.0,
) -> Report:
    """Check the implementation at `base_url` against CONTRACT.md and report per rule.

    Raises `BadArguments` or `TargetUnreachable` (both `CheckCouldNotRun`)
    when no verdict can be given; violations are data in the report.
    """
    started = time.monotonic()
    profile = _profile(profile)
    base_url = _base_url(base_url)
    keys = _keys(api_key, second_key, other_account_key, revoked_key)
    if max_examples < 1:
        raise BadArguments(f"max_examples must be >= 1, got {max_examples}")
    if history_cap < 200:
        raise BadArguments(f"history_cap must be >= 200, got {history_cap}")
    redact = Redactor(keys.secrets())
    record = Recorder(profile, redact)
    client = Client(base_url, default_key=keys.api_key, timeout=timeout)
    ctx = Context(
        client=client,
        record=record,
        keys=keys,
        profile=profile,
        rng=random.Random(seed),
        usage_drift=usage_drift,
    )
    try:
        _probe(client, base_url)
        _discover(ctx, history_cap)
        for check in ALL_CHECKS:
            _run(ctx, check)
    finally:
        client.close()
    from contract_tests.fuzzing import CHECK_RULES, fuzz_openapi

    if fuzz:
        fuzz_openapi(ctx, base_url=base_url, seed=seed, max_examples=max_examples)
    else:  # the caller's choice, not a failure: these rules are "not checked"
        for rule_id in CHECK_RULES.values():
            record.skip(rule_id, "the Schemathesis phase was turned off")
    return Report(
        base_url=base_url,
        profile=profile,
        results=record.results(),
        notes=[redact(note) for note in ctx.notes],
        elapsed=time.monotonic() - started,
    )


def _profile(profile: Profile | str) -> Profile:
    try:
        return Profile(profile)
    except ValueError:
        choices = ", ".join(p.value for p in Profile)
        raise BadArguments(f"unknown profile {profile!r} (choose from {choices})") from None


def _base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadArguments(f"base URL must be http(s)://host[:port]/path, got {base_url!r}")
    if parts.query or parts.fragment:
        raise BadArguments(f"base URL must not carry a query or fragment: {base_url!r}")
    return base_url.rstrip("/")


def _keys(api_key: str, *optional: str | None) -> Keys:
    given = [key for key in (api_key, *optional) if key is not None]
    if not api_key:
        raise BadArguments("an API key is required")
    if any(not key or any(char.isspace() for char in key) for key in given):
        raise BadArguments("a key must be a non-empty string without whitespace")
    if len(set(given)) != len(given):
        raise BadArguments("the keys given must all differ")
    second, other, revoked = optional
    return Keys(api_key, second, other, revoked)


def _probe(client: Client, base_url: str) -> None:
    """One request, to tell "cannot check" (exit 2) from "does not conform" (exit 1)."""
    try:
        exchange = client.get({"page_size": "1"})
    except TransportError as error:
        raise TargetUnreachable(f"cannot reach {base_url}: {_cause(error)}") from None
    if exchange.status == 401:
        raise TargetUnreachable(f"{base_url} refused the API key (401): check --api-key")
    if exchange.status == 404:
        raise TargetUnreachable(
            f"{base_url}/me/billing/transactions is 404: is the base URL the /api/v1 root?"
        )


def _cause(error: TransportError) -> str:
    text = str(error.cause)
    for marker in ("Connection refused", "Name or service not known", "timed out"):
        if marker in text:
            return marker.lower()
    return type(error.cause).__name__


def _discover(ctx: Context, cap: int) -> None:
    try:
        found = discover(ctx.client, cap=cap)
    except TransportError as error:
        _transport_failure(ctx, error)
        ctx.history_problem = "reading the history failed: no HTTP response"
        return
    except Exception as error:  # the suite's own failure: its rules could not run
        ctx.history_problem = f"reading the history failed: {describe_failure(error)}"
        ctx.history_failed_internally = True
        ctx.notes.append(ctx.history_problem)
        return
    if isinstance(found, History):
        ctx.history = found
        if not found.complete:
            ctx.notes.append(
                f"the account has {found.total} entries (pinned); comparisons use the newest "
                f"{len(found.entries)} (since={found.window_since}, until={found.pin}), "
                f"the history cap is {cap} entries"
            )
        elif found.pin is not None:
            ctx.notes.append(f"history: {len(found.entries)} entries, pinned until={found.pin}")
    else:
        ctx.history_problem = f"the history could not be read: {found}"
        ctx.notes.append(ctx.history_problem)


def _run(ctx: Context, check: Check) -> None:
    """Run one check; a lost connection is HTTP-RESPONDS's violation, not a crash,
    and an exception of the check itself makes its rules "could not run"."""
    if not ctx.record.wants(*check.rules):
        return
    try:
        check.run(ctx)
    except TransportError as error:
        _transport_failure(ctx, error)
        for rule_id in check.rules:
            ctx.record.skip(rule_id, f"{check.name} stopped: a request got no HTTP response")
    except Exception as error:
        for rule_id in check.rules:
            ctx.record.cannot_run(
                rule_id, f"internal error in check {check.name}: {describe_failure(error)}"
            )


def _transport_failure(ctx: Context, error: TransportError) -> None:
    ctx.record.violate(
        "HTTP-RESPONDS", error.exchange, "an HTTP response", f"no response: {_cause(error)}"
    )
