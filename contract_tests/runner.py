"""`run_check`: the programmatic entry point that ties a run together.

Order: validate arguments, probe the target (unreachable means "could not
run", not "violated"), discover and pin the history, run the stateful checks,
run Schemathesis over the profile's OpenAPI document, and hand the recorder's
verdicts over as a `Report`.

An unexpected exception inside a check is the suite's bug, not the target's:
it neither crashes the run nor hides as "not checked"; the check's rules are
reported as "could not run" (ERROR), with the exception, and the run exits 2.

Every request goes through one `Governor` (`contract_tests.pushback`): 429s
and silences are waited out and retried within bounds.  What still pushes back
after the bound makes the rules of the check that needed it "could not check"
(ERROR), never violated.  A request that still gets no answer is
`HTTP-RESPONDS`'s violation only if the target answers a probe right after
(it dropped *that* request); a target that answers nothing any more stops the
run, and what was left unchecked is ERROR.  So is everything left when
`--max-duration` runs out: nothing unchecked is ever reported as passed.
"""

from __future__ import annotations

import math
import random
import time
from urllib.parse import urlsplit

from contract_tests.catalog import Profile
from contract_tests.checks import ALL_CHECKS, Check
from contract_tests.client import Client, PushbackExhausted, TransportError
from contract_tests.context import Context, Keys
from contract_tests.errors import BadArguments, TargetUnreachable, describe_failure
from contract_tests.history import DEFAULT_CAP, History, discover
from contract_tests.pacing import Pacer, RateLimit
from contract_tests.pushback import Governor, OutOfTime, RetryPolicy
from contract_tests.recorder import Recorder
from contract_tests.redaction import Redactor
from contract_tests.report import Report

__all__ = ["run_check"]

DEFAULT_SEED = 20240521
DEFAULT_MAX_EXAMPLES = 60
DEFAULT_MAX_TRIES = RetryPolicy().max_tries
DEFAULT_MAX_WAIT = RetryPolicy().max_wait


class _Stop(Exception):
    """The run cannot go on (out of time, the target stopped answering): `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    rate_limit: RateLimit | str | None = None,
    max_duration: float | None = None,
    max_tries: int = DEFAULT_MAX_TRIES,
    max_wait: float = DEFAULT_MAX_WAIT,
    backoff: float = RetryPolicy().backoff,
) -> Report:
    """Check the implementation at `base_url` against CONTRACT.md and report per rule.

    `rate_limit` ("10/s", "600/m") paces every request of the run, fuzzing
    included; `max_duration` (seconds) bounds the run, and what it leaves
    unchecked is "could not check"; `max_tries` (per request), `max_wait`
    (seconds of waiting per run) and `backoff` (the first wait after a 429
    without Retry-After; a request without an answer waits a tenth of it)
    bound the retries of pushback.

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
    governor = _governor(rate_limit, max_duration, max_tries, max_wait, backoff)
    redact = Redactor(keys.secrets())
    record = Recorder(profile, redact)
    client = Client(base_url, default_key=keys.api_key, timeout=timeout, governor=governor)
    ctx = Context(
        client=client,
        record=record,
        keys=keys,
        profile=profile,
        rng=random.Random(seed),
        usage_drift=usage_drift,
    )
    stopped: str | None = None
    try:
        _probe(client, base_url)
        try:
            _discover(ctx, history_cap)
        except _Stop as stop:
            stopped = stop.reason
        for check in ALL_CHECKS:
            if stopped is None:
                try:
                    _run(ctx, check)
                except _Stop as stop:
                    stopped = stop.reason
            if stopped is not None:
                _unchecked(ctx, check.rules, stopped)
    finally:
        client.close()
    from contract_tests.fuzzing import CHECK_RULES, fuzz_openapi

    if not fuzz:  # the caller's choice, not a failure: these rules are "not checked"
        for rule_id in CHECK_RULES.values():
            record.skip(rule_id, "the Schemathesis phase was turned off")
    elif stopped is not None:
        _unchecked(ctx, tuple(CHECK_RULES.values()), stopped)
    else:
        fuzz_openapi(ctx, base_url=base_url, seed=seed, max_examples=max_examples)
    if stopped is not None:
        ctx.notes.append(f"the run stopped early: {stopped}")
    return Report(
        base_url=base_url,
        profile=profile,
        results=record.results(),
        notes=[redact(note) for note in ctx.notes],
        elapsed=time.monotonic() - started,
        traffic=governor.traffic,
    )


def _governor(
    rate_limit: RateLimit | str | None,
    max_duration: float | None,
    max_tries: int,
    max_wait: float,
    backoff: float,
) -> Governor:
    """One governor for the run's every request (BadArguments for unusable bounds)."""
    if isinstance(rate_limit, str):
        rate_limit = RateLimit.parse(rate_limit)
    if max_duration is not None and (
        isinstance(max_duration, bool)
        or not isinstance(max_duration, int | float)
        or not math.isfinite(max_duration)
        or not max_duration > 0
    ):
        raise BadArguments(
            f"max_duration must be a finite number of seconds > 0, got {max_duration!r}"
        )
    policy = RetryPolicy(
        max_tries=max_tries, max_wait=max_wait, backoff=backoff, reset_backoff=backoff / 10
    )
    pacer = None if rate_limit is None else Pacer(rate_limit)
    return Governor(policy, pacer=pacer, max_duration=max_duration)


def _unchecked(ctx: Context, rule_ids: tuple[str, ...], reason: str) -> None:
    """Rules the run never got to (or did not finish): could not check, never passed."""
    for rule_id in rule_ids:
        ctx.record.cannot_run(rule_id, f"could not check: {reason}")


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
    """One request, to tell "cannot check" (exit 2) from "does not conform" (exit 1).

    Pushback and resets are waited out as everywhere; a connection that cannot
    be opened at all (a wrong port or host) is said at once.
    """
    try:
        exchange = client.get({"page_size": "1"}, retry_unconnected=False)
    except TransportError as error:
        raise TargetUnreachable(f"cannot reach {base_url}: {_cause(error)}") from None
    except PushbackExhausted as error:
        raise TargetUnreachable(
            f"could not check {base_url}: it kept pushing back ({error.reason})"
        ) from None
    except OutOfTime as error:
        raise TargetUnreachable(f"could not check {base_url}: {error}") from None
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
    except OutOfTime as error:
        raise _Stop(str(error)) from None
    except TransportError as error:
        if not _alive(ctx.client):
            raise _Stop(f"the target stopped answering ({_cause(error)}, {error.reason})") from None
        _transport_failure(ctx, error)
        ctx.history_problem = "reading the history failed: no HTTP response"
        return
    except PushbackExhausted as error:
        # Not the target's breach, not the suite's bug: the rules that compare
        # against the history could not be checked (ERROR, exit 2).
        problem = f"could not check: reading the history was pushed back ({error.reason})"
        ctx.history_problem = problem
        ctx.history_failed_internally = True
        ctx.notes.append(ctx.history_problem)
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
    """Run one check; a dropped request is HTTP-RESPONDS's violation, not a crash;
    pushback past the bound and an exception of the check itself make its rules
    "could not run"; `_Stop` when the run cannot go on."""
    if not ctx.record.wants(*check.rules):
        return
    try:
        check.run(ctx)
    except OutOfTime as error:
        raise _Stop(str(error)) from None
    except TransportError as error:
        if not _alive(ctx.client):
            reason = f"the target stopped answering ({_cause(error)}, {error.reason})"
            raise _Stop(reason) from None
        _transport_failure(ctx, error)
        for rule_id in check.rules:
            ctx.record.skip(rule_id, f"{check.name} stopped: a request got no HTTP response")
    except PushbackExhausted as error:
        for rule_id in check.rules:
            ctx.record.cannot_run(
                rule_id, f"could not check: {check.name} was pushed back: {error.reason}"
            )
    except Exception as error:
        for rule_id in check.rules:
            ctx.record.cannot_run(
                rule_id, f"internal error in check {check.name}: {describe_failure(error)}"
            )


def _alive(client: Client) -> bool:
    """Does the target still answer a plain request (after a request that got no answer)?"""
    try:
        client.get({"page_size": "1"})
    except (TransportError, PushbackExhausted):
        return False
    except OutOfTime as error:
        raise _Stop(str(error)) from None
    return True


def _transport_failure(ctx: Context, error: TransportError) -> None:
    actual = f"no response: {_cause(error)}"
    if error.reason:
        actual += f" ({error.reason})"
    ctx.record.violate("HTTP-RESPONDS", error.exchange, "an HTTP response", actual)
