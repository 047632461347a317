"""Schemathesis over the profile's OpenAPI document, folded into our rules.

Runs the engine the `st run` CLI uses (examples, coverage and fuzzing phases)
with a fixed seed and a bounded example count, then maps each built-in
check's verdicts onto an `OPENAPI-*` rule.  The documented profile generates
positive data only: what an invalid `kind` (say) should get is a [decided]
point the documented profile must not judge.  Schemathesis is imported
lazily: it costs seconds, and `--no-fuzz` style callers never pay them.

A missing OpenAPI document, a failed import or an engine crash is the suite's
failure, not the target's: the `OPENAPI-*` rules are then "could not run"
(ERROR, exit 2), never "not checked".

Schemathesis' requests go through the run's governor (`interpose.governed`):
429s are waited out below it, so its checks never see them.  A case whose
answer is still pushback after the bound (itself, its parent or a child)
gives its checks' rules "could not check", pass or fail; so does running out
of `--max-duration` mid-phase, for every rule of the phase.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from contract_tests.catalog import Profile
from contract_tests.client import ENDPOINT
from contract_tests.context import Context
from contract_tests.errors import SchemaNotFound, describe_failure
from contract_tests.interpose import governed
from contract_tests.pushback import OutOfTime, pushback_kind
from contract_tests.spec import openapi_path

__all__ = ["CHECK_RULES", "fuzz_openapi"]

_PLACEHOLDER_WORD = re.compile(r"'([^']*\$(?:KEY|SECOND_KEY|OTHER_KEY|REVOKED_KEY)\b[^']*)'")

# HEAD's random examples: a quarter of GET's (see `_config`).
HEAD_SHARE = 4

# Schemathesis check name -> our rule id.
CHECK_RULES: dict[str, str] = {
    "not_a_server_error": "OPENAPI-NO-SERVER-ERROR",
    "status_code_conformance": "OPENAPI-STATUS-CODE",
    "content_type_conformance": "OPENAPI-CONTENT-TYPE",
    "response_headers_conformance": "OPENAPI-RESPONSE-HEADERS",
    "response_schema_conformance": "OPENAPI-RESPONSE-SCHEMA",
    "positive_data_acceptance": "OPENAPI-POSITIVE-ACCEPTED",
    "negative_data_rejection": "OPENAPI-NEGATIVE-REJECTED",
    "missing_required_header": "OPENAPI-MISSING-HEADER",
    "ignored_auth": "OPENAPI-IGNORED-AUTH",
    "unsupported_method": "OPENAPI-UNSUPPORTED-METHOD",
    "allow_header_conformance": "OPENAPI-ALLOW-HEADER",
}


def _config(ctx: Context, *, base_url: str, seed: int, max_examples: int) -> dict[str, Any]:
    wanted = [name for name, rule_id in CHECK_RULES.items() if ctx.record.wants(rule_id)]
    documented = ctx.profile is Profile.DOCUMENTED
    generation = {
        "mode": "positive" if documented else "all",
        "max-examples": max_examples,
        "deterministic": True,
        "database": "none",
        "codec": "ascii",
        "allow-x00": False,
    }
    return {
        "seed": seed,
        "base-url": base_url,
        # As the stateful checks: a hung request is a timeout (retried, bounded), not a hang.
        "request-timeout": ctx.client.timeout,
        "headers": {"Authorization": ctx.client.default_authorization},
        "generation": generation,
        # HEAD shares GET's parameters and handler: its coverage phase (every boundary
        # value) stays whole, its random phase draws a quarter of GET's examples. It
        # was half of the phase's time for little news (the time budget,
        # docs/contract-suite.md); HEAD-LIKE-GET compares the two methods directly.
        "operations": [
            {
                "include-method": "HEAD",
                "generation": {**generation, "max-examples": max(1, max_examples // HEAD_SHARE)},
            }
        ],
        "phases": {"stateful": {"enabled": False}},
        # Our redactor puts `$KEY` in curl lines; Schemathesis' own filter
        # would print `[Filtered]`, which no longer reproduces anything.
        "output": {"sanitization": {"enabled": False}},
        "checks": {
            "enabled": False,
            **{name: {"enabled": True} for name in wanted},
            # Tightened: a 404 or a 5xx is no proper rejection of a bad parameter.
            "negative_data_rejection": {
                "enabled": "negative_data_rejection" in wanted,
                "expected-statuses": [400, 401],
            },
            "positive_data_acceptance": {
                "enabled": "positive_data_acceptance" in wanted,
                "expected-statuses": [200],
            },
        },
    }


def fuzz_openapi(ctx: Context, *, base_url: str, seed: int, max_examples: int) -> None:
    """Run Schemathesis and record its verdicts under the `OPENAPI-*` rules."""
    rules = [rule_id for rule_id in CHECK_RULES.values() if ctx.record.wants(rule_id)]
    if not rules:
        return
    governor = ctx.client.governor
    try:
        spec = openapi_path(ctx.profile)
        governor.check_time()
        with governed(base_url, governor):
            _run(ctx, spec, base_url=base_url, seed=seed, max_examples=max_examples)
    except SchemaNotFound as error:
        for rule_id in rules:
            ctx.record.cannot_run(rule_id, f"no OpenAPI document: {error}")
    except OutOfTime as error:
        _out_of_time(ctx, rules, error)
    except Exception as error:  # a failed lookup, import or engine run is ours, not the target's
        if governor.out_of_time:  # the engine stopped on our deadline, in its own words
            _out_of_time(ctx, rules, OutOfTime(governor.max_duration or 0.0))
        else:
            for rule_id in rules:
                ctx.record.cannot_run(
                    rule_id, f"Schemathesis could not run: {describe_failure(error)}"
                )
    else:
        if governor.out_of_time:
            _out_of_time(ctx, rules, OutOfTime(governor.max_duration or 0.0))
    if ctx.profile is Profile.DOCUMENTED:
        ctx.record.note("OPENAPI-POSITIVE-ACCEPTED", "documented profile: positive data only")


def _out_of_time(ctx: Context, rules: list[str], error: OutOfTime) -> None:
    """An unfinished fuzzing phase proves none of its rules, whatever it saw so far."""
    for rule_id in rules:
        ctx.record.cannot_run(rule_id, f"could not check: {error} before fuzzing finished")


def _run(ctx: Context, spec: Path, *, base_url: str, seed: int, max_examples: int) -> None:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema
    from schemathesis.schemas import BaseSchema

    config = SchemathesisConfig.from_dict(
        _config(ctx, base_url=base_url, seed=seed, max_examples=max_examples)
    )
    schema: BaseSchema = schemathesis.openapi.from_path(spec, config=config)
    if ctx.profile is Profile.DOCUMENTED:
        # HEAD is [decided] (CONTRACT §1): declared so spec-driven tools route it, not judged here.
        schema = schema.exclude(method="HEAD")
        schema.hook("map_query")(_ordered_window)
    governor = ctx.client.governor
    gave_up_before = governor.traffic.gave_up
    charged = False  # was some pushback that outlasted the bound tied to its cases?
    seen: set[str] = set()
    stream = from_schema(schema).execute()
    for event in stream:
        if governor.out_of_time:
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            pushed_back = _pushed_back_cases(event.recorder)
            charged = charged or bool(pushed_back)
            for case_id, name, failure, query in _verdicts(event.recorder):
                rule_id = CHECK_RULES.get(name)
                if rule_id is None:
                    continue
                if (
                    ctx.profile is Profile.DOCUMENTED
                    and name == "positive_data_acceptance"
                    and _ordered_window(None, query) != query
                ):
                    # since >= until: what it gets is [decided]. map_query only
                    # reaches the fuzzing phase; the coverage phase sends it anyway.
                    continue
                seen.add(rule_id)
                if case_id in pushed_back:
                    # A 429 is no answer about the contract, pass or fail.
                    ctx.record.cannot_run(rule_id, _PUSHED_BACK)
                elif failure is None:
                    ctx.record.passed(rule_id)
                else:
                    curl, expected, actual = failure
                    ctx.record.violate(rule_id, _requote(ctx.record.redact(curl)), expected, actual)
        elif isinstance(event, events.FatalError):
            raise RuntimeError(str(event.exception))
    if governor.traffic.gave_up > gave_up_before and not charged:
        # Pushback outlasted the bound on a request no recorded case owns (a
        # probe, a check's own request): no verdict of this phase is whole.
        for rule_id in CHECK_RULES.values():
            ctx.record.cannot_run(rule_id, _PUSHED_BACK)
    for name, rule_id in CHECK_RULES.items():
        if rule_id not in seen:
            ctx.record.skip(rule_id, f"Schemathesis ran no {name} check on {ENDPOINT}")


_PUSHED_BACK = (
    "could not check: the target still answered 429 (or 503 with Retry-After) "
    "after the retry bound on a fuzzing request"
)


def _pushed_back_cases(recorder: Any) -> set[str]:
    """Ids of the cases whose family (a case, its parent, its children) got a final
    answer that is still pushback: their checks saw no answer about the contract."""
    parents = {case_id: node.parent_id for case_id, node in recorder.cases.items()}

    def root(case_id: str) -> str:
        seen = {case_id}
        while parents.get(case_id) and parents[case_id] not in seen:
            case_id = parents[case_id]
            seen.add(case_id)
        return case_id

    roots = {
        root(case_id)
        for case_id, interaction in recorder.interactions.items()
        if interaction.response is not None and _is_pushback(interaction.response)
    }
    if not roots:
        return set()
    return {case_id for case_id in {*parents, *recorder.checks} if root(case_id) in roots}


def _is_pushback(response: Any) -> bool:
    """A Schemathesis `Response` (headers: lower-case names to lists) that is pushback."""
    retry_after = (response.headers or {}).get("retry-after")
    return pushback_kind(response.status_code, {"Retry-After": retry_after}) is not None


def _verdicts(
    recorder: Any,
) -> Iterator[tuple[str, str, tuple[str, str, str] | None, dict[str, Any] | None]]:
    """(case id, check name, None or (curl, expected, actual), the case's query) for each
    check run."""
    for case_id, nodes in recorder.checks.items():
        case = getattr(recorder.cases.get(case_id), "value", None)
        query = getattr(case, "query", None)
        query = dict(query) if isinstance(query, dict) else None
        for node in nodes:
            info = node.failure_info
            if info is None:
                yield case_id, node.name, None, query
                continue
            failure = info.failure
            title = getattr(failure, "title", type(failure).__name__)
            code = getattr(failure, "code", "")
            message = " ".join(str(getattr(failure, "message", "") or "").split())
            status = getattr(failure, "status_code", None)
            actual = message or (f"{title}: status {status}" if status else title)
            yield case_id, node.name, (info.code_sample, f"no {code} {title!r}", actual), query


def _requote(curl: str) -> str:
    """Put single-quoted words holding a `$KEY`-style placeholder in double quotes."""
    return _PLACEHOLDER_WORD.sub(lambda m: '"' + m.group(1).replace('"', '\\"') + '"', curl)


def _ordered_window(ctx: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """Documented profile: keep `since < until` (what `since >= until` gives is [decided])."""
    since, until = (query or {}).get("since"), (query or {}).get("until")
    if query and isinstance(since, str) and isinstance(until, str) and since >= until:
        return {k: v for k, v in query.items() if k != "until"}
    return query
