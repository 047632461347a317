"""Near-miss hints (``mockserver.testing.hints``): pure, and in the contract's own names.

The names come from the published OpenAPI document (the contract's §3 table), so
a parameter renamed there and not here fails this test.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.testing import hints as hints_module
from mockserver.testing.hints import PARAMETERS, auth_seen, hints, suggest_parameter
from mockserver.testing.journal import key_fingerprint

OPENAPI = Path(__file__).resolve().parents[2] / "schemas" / "full" / "openapi.json"
ENDPOINT = "/api/v1/me/billing/transactions"


def _documented_parameters() -> tuple[str, ...]:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    listing = document["paths"]["/me/billing/transactions"]["get"]["parameters"]
    parameters = document["components"]["parameters"]
    resolved = [parameters[p["$ref"].rsplit("/", 1)[1]] for p in listing]
    return tuple(p["name"] for p in resolved if p["in"] == "query")


def test_the_parameters_are_the_contracts() -> None:
    assert _documented_parameters() == PARAMETERS


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("pageSize", "page_size"),
        ("page-size", "page_size"),
        ("PAGE_SIZE", "page_size"),
        ("per_page", "page_size"),
        ("limit", "page_size"),
        ("kinds", "kind"),
        ("type", "kind"),
        ("Kind", "kind"),
        ("from", "since"),
        ("after", "since"),
        ("start", "since"),
        ("Since", "since"),
        ("to", "until"),
        ("before", "until"),
        ("end", "until"),
        ("untill", "until"),
        ("Page", "page"),
    ],
)
def test_look_alike_names_are_matched(sent: str, meant: str) -> None:
    assert meant in PARAMETERS
    assert suggest_parameter(sent) == meant


@pytest.mark.parametrize("name", [*PARAMETERS, "x", "trace_id", "", "-", "zzzzzz"])
def test_real_and_unrelated_names_get_no_suggestion(name: str) -> None:
    assert suggest_parameter(name) is None


def test_an_ignored_parameter_is_named_even_on_a_200() -> None:
    (hint,) = hints(path=ENDPOINT, query_string="pageSize=5", status=200, auth="active")
    assert "'pageSize'" in hint and "'page_size'" in hint and "ignored" in hint


def test_each_name_is_reported_once_and_a_present_real_one_is_noted() -> None:
    found = hints(
        path=ENDPOINT, query_string="from=1&from=2&since=2024-01-01", status=200, auth="active"
    )
    assert found == [
        "unknown parameter 'from' was ignored: did you mean 'since'? (since was sent too)"
    ]


def test_an_unencoded_plus_in_an_offset_comes_first() -> None:
    found = hints(
        path=ENDPOINT,
        query_string="kinds=topup&until=2024-01-01T00:00:00+02:00",
        status=400,
        auth="active",
    )
    assert found[0].startswith("until has an unencoded '+'") and "%2B" in found[0]
    assert "'kinds'" in found[1]
    encoded = hints(
        path=ENDPOINT, query_string="until=2024-01-01T00:00:00%2B02:00", status=200, auth="active"
    )
    assert encoded == []


@pytest.mark.parametrize(
    ("path", "word"),
    [
        (ENDPOINT + "/", "trailing slash"),
        ("/api/v1//me/billing/transactions", "doubled"),
        ("/API/v1/me/billing/transactions", "case-sensitive"),
        ("/me/billing/transactions", "base URL"),
        ("/api/v1/me/billing/transaction", "did you mean"),
    ],
)
def test_near_paths(path: str, word: str) -> None:
    (hint,) = hints(path=path, query_string="pageSize=5", status=404, auth="active")
    assert word in hint and ENDPOINT in hint


@pytest.mark.parametrize("path", ["/", "/favicon.ico", "/__mock/journal", "/<script>x</script>"])
def test_unrelated_paths_have_no_hint(path: str) -> None:
    assert hints(path=path, query_string="pageSize=5", status=404, auth="active") == []


@pytest.mark.parametrize(
    ("auth", "word"),
    [
        ("none", "no Authorization header"),
        ("other_scheme", "not 'Bearer <key>'"),
        ("malformed", "malformed Authorization header"),
        ("revoked", "revoked"),
        ("unknown", "not one of the mock's keys"),
    ],
)
def test_auth_slips_on_a_401(auth: str, word: str) -> None:
    (hint,) = hints(path=ENDPOINT, query_string="", status=401, auth=auth)  # type: ignore[arg-type]
    assert word in hint
    assert hints(path=ENDPOINT, query_string="", status=200, auth=auth) == []  # type: ignore[arg-type]


def test_auth_seen_reads_what_the_journal_kept() -> None:
    statuses = {
        key_fingerprint("bsk_test_docs"): "active",
        key_fingerprint("bsk_test_revoked"): "revoked",
    }
    assert auth_seen(None, None, statuses) == "none"
    assert auth_seen("  ", None, statuses) == "none"
    assert auth_seen("[REDACTED]", None, statuses) == "other_scheme"
    assert auth_seen("Bearer [REDACTED]", None, statuses) == "malformed"
    fp = key_fingerprint
    assert auth_seen("Bearer [REDACTED]", fp("bsk_test_docs"), statuses) == "active"
    assert auth_seen("Bearer [REDACTED]", fp("bsk_test_revoked"), statuses) == "revoked"
    assert auth_seen("Bearer [REDACTED]", fp("bsk_nope"), statuses) == "unknown"


def test_a_hostile_name_is_quoted_verbatim_for_the_page_to_escape() -> None:
    (hint,) = hints(path=ENDPOINT, query_string="%3Ckind%3E=topup", status=200, auth="active")
    assert "'<kind>'" in hint and "'kind'" in hint


def test_the_cost_of_a_hint_is_bounded_whatever_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """3000 unknown names: five are looked at, the rest counted; the hint stays short."""
    fuzzy: list[str] = []
    real = difflib.get_close_matches

    def counting(word: str, *args: Any, **kwargs: Any) -> list[str]:
        fuzzy.append(word)
        return real(word, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    query = "&".join(f"pageSize{index}x=1" for index in range(3000))
    found = hints(path=ENDPOINT, query_string=query, status=200, auth="active")
    assert len(fuzzy) <= hints_module.MAX_NAMES_CHECKED
    assert found[-1] == "and 2995 more unknown parameter name(s) ignored, not checked"
    assert sum(len(line) for line in found) < 1000
    long_name = "page_size" + "x" * 100
    fuzzy.clear()
    assert suggest_parameter(long_name) is None
    assert fuzzy == []  # too long to fuzzy-match: difflib is never asked


def test_a_name_sent_many_times_is_looked_at_once() -> None:
    query = "&".join(["pageSize=1"] * 500)
    (hint,) = hints(path=ENDPOINT, query_string=query, status=200, auth="active")
    assert "'pageSize'" in hint
