"""The rule catalog: every rule the suite checks, as data.

One table, so that a rule id means the same thing in the report, in the JUnit
file, in pytest and in `docs/contract-suite.md`.  A rule belongs to the
`documented` profile when CONTRACT.md states it without a **[decided]** mark
(the public page promises it), and to `full` only when it is **[decided]**.
Every rule of `documented` is also in `full`.  Points the contract calls
unspecified have no rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CATALOG", "Profile", "Rule", "rule", "rules_for"]


class Profile(StrEnum):
    """How much of the contract a run holds the target to."""

    DOCUMENTED = "documented"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class Rule:
    """One checkable promise of CONTRACT.md."""

    id: str
    section: str
    profiles: frozenset[Profile]
    summary: str


_BOTH = frozenset({Profile.DOCUMENTED, Profile.FULL})
_FULL = frozenset({Profile.FULL})

# (id, CONTRACT.md section, documented?, summary)
_TABLE: tuple[tuple[str, str, bool, str], ...] = (
    # §1 Endpoint
    ("HTTP-RESPONDS", "§1", True, "every request gets an HTTP response (no dropped connection)"),
    ("ENDPOINT-200", "§1", True, "GET with a valid key and no parameters answers 200"),
    ("HEAD-LIKE-GET", "§1", False, "HEAD answers like GET (status, content type) without a body"),
    ("METHOD-405", "§1", False, "other methods on the path: 405, invalid_request_error"),
    ("METHOD-405-ALLOW", "§1", False, "a 405 carries `Allow: GET, HEAD`"),
    ("PATH-404", "§1", False, "an unknown path: 404, not_found_error"),
    ("PATH-404-TRAILING-SLASH", "§1", False, "`/transactions/` is an unknown path (404)"),
    ("ROUTING-BEFORE-AUTH", "§1", False, "404/405 are given whatever the key"),
    ("JSON-ENDPOINT", "§1", True, "every response of the endpoint is application/json"),
    ("JSON-EVERYWHERE", "§1", False, "every other response is application/json too"),
    ("JSON-UTF8", "§1", True, "every body is UTF-8 JSON as sent (decoded strictly, no BOM)"),
    ("JSON-CHARSET", "§1", True, "a Content-Type `charset`, if any, reads the bytes as UTF-8"),
    # §2 Authentication
    ("AUTH-401-MISSING", "§2", True, "no Authorization header: 401 authentication_error"),
    ("AUTH-401-EMPTY", "§2", True, "empty Authorization header: 401 authentication_error"),
    ("AUTH-401-SCHEME", "§2", True, "a scheme other than Bearer: 401 authentication_error"),
    ("AUTH-401-UNKNOWN", "§2", True, "an unknown key (also a given key cut or extended): 401"),
    ("AUTH-401-REVOKED", "§2", True, "a revoked key: 401 authentication_error"),
    ("AUTH-SCHEME-CASE", "§2", False, "the scheme word is case-insensitive (`bearer` works)"),
    ("AUTH-SPACES", "§2", False, "several spaces after the scheme, trailing spaces: accepted"),
    ("AUTH-401-MALFORMED", "§2", False, "a tab, a second token or a comma-joined value: 401"),
    ("AUTH-WWW-AUTHENTICATE", "§2", False, '401: `WWW-Authenticate: Bearer realm="bytespike"`'),
    ("AUTH-BEFORE-PARAMS", "§2", False, "a bad key with bad parameters gets 401, not 400"),
    ("AUTH-SECOND-KEY", "§2", False, "two keys of one account list the same pinned history"),
    ("AUTH-ISOLATION", "§2", False, "a key never sees another account's entries"),
    ("AUTH-KEY-NOT-ECHOED", "§2", False, "an error body never echoes the presented key"),
    # §3 Query parameters
    ("PAGE-400-RANGE", "§3", True, "page 0 or negative: 400 invalid_request_error"),
    ("PAGE-MAX", "§3", False, "page 2147483647 is accepted, 2147483648 is a 400"),
    ("PAGE-SIZE-400-RANGE", "§3", True, "page_size 0, negative or above 200: 400"),
    ("PAGE-SIZE-BOUNDS-OK", "§3", True, "page_size 1 and 200 are accepted"),
    ("PARAM-INT-MALFORMED", "§3", True, "a non-numeric page/page_size: 400"),
    ("PARAM-INT-STRICT", "§3", False, "only plain ASCII digits (`1.0`, `+1`...: 400)"),
    ("PARAM-INT-LEADING-ZEROS", "§3", False, "leading zeros accepted, in decimal (`010` is 10)"),
    ("SINCE-400-UNPARSEABLE", "§3", True, "an unparseable since: 400 invalid_request_error"),
    ("UNTIL-400-UNPARSEABLE", "§3", False, "an unparseable until: 400 invalid_request_error"),
    ("TIMESTAMP-STRICT", "§3", False, "non-RFC 3339 timestamps (space, +0800, 2023-02-29...): 400"),
    ("TIMESTAMP-PLUS-UNENCODED", "§3", False, "an unencoded `+` in an offset (a space): 400"),
    ("TIMESTAMP-PLUS-HINT", "§3", False, "that 400's message says to send the `+` as `%2B`"),
    ("TIMESTAMP-FORMS", "§3", False, "accepted timestamp forms (t/z, offsets, fraction, date)"),
    ("KIND-400", "§3", False, "an unknown, empty or comma-listed kind: 400"),
    ("PARAM-REPEATED", "§3", False, "one of the five parameters given twice: 400 naming it"),
    ("PARAM-UNKNOWN-IGNORED", "§3", False, "unknown (also repeated) parameters are ignored"),
    ("PARAM-ERROR-ORDER", "§3", False, "several bad parameters: the first of page..until is named"),
    ("FILTER-KIND", "§3", True, "kind keeps exactly the entries of that kind"),
    ("FILTER-SINCE-INCLUSIVE", "§3", True, "since keeps entries with created_at >= since"),
    ("FILTER-UNTIL-EXCLUSIVE", "§3", True, "until keeps entries with created_at < until"),
    ("FILTER-COMBINED", "§3", True, "kind, since and until combine (intersection)"),
    ("FILTER-OFFSETS", "§3", False, "every `±HH:MM` offset (and none: UTC) is the same instant"),
    ("FILTER-FRACTION", "§3", False, "fractional seconds are compared exactly"),
    ("FILTER-BARE-DATE", "§3", False, "a bare date means midnight UTC"),
    ("FILTER-EMPTY-RANGE", "§3", False, "since >= until: 200, no items, total 0"),
    # §4 Response
    ("BODY-SHAPE", "§4", True, "page body and items carry the documented keys and types"),
    ("BODY-KEYS-EXACT", "§4", False, "page body and items carry exactly the listed keys"),
    ("RESP-ECHO", "§4", True, "page and page_size echo the effective values (defaults 1, 50)"),
    ("ORDER-CREATED-DESC", "§4", True, "items are ordered by created_at descending"),
    ("ORDER-TIES-ID-DESC", "§4", False, "equal created_at: ordered by id descending"),
    ("TOTAL-INDEPENDENT", "§4", True, "total counts every match, the same on every page"),
    ("PAGE-LEN", "§4", True, "len(items) == max(0, min(page_size, total - (page-1)*page_size))"),
    ("PAGE-CONCAT", "§4", True, "pages concatenate to every match exactly once, in order"),
    ("PAGE-PAST-END", "§3", True, "a page past the end: 200 with no items"),
    ("PAGE-PAST-END-TOTAL", "§3", False, "a page past the end still reports the real total"),
    ("ITEM-ID-UNIQUE", "§4", True, "ids are integers >= 1, unique"),
    ("ITEM-ID-MONOTONIC", "§4", False, "a later created_at never has a smaller id"),
    ("ITEM-CREATED-AT-FORMAT", "§4", False, "created_at is `YYYY-MM-DDTHH:MM:SSZ`"),
    ("ITEM-AMOUNT-SIGN", "§4", True, "amount_usd > 0 for credits, < 0 for debits"),
    ("ITEM-MONEY-DECIMALS", "§4", False, "amounts and balances have at most 2 decimal places"),
    ("ITEM-NOTE-NON-ADMIN-NULL", "§4", True, "non-admin entries have note null"),
    ("SOURCE-TOPUP-DOCUMENTED", "§4", True, "a topup source has provider and receipt_id"),
    ("SOURCE-ADMIN-DOCUMENTED", "§4", True, "an admin source has actor"),
    ("SOURCE-TOPUP-EXACT", "§4", False, "topup source: exact card or wire shape"),
    ("SOURCE-REFUND-EXACT", "§4", False, "refund source: exactly request_id and model"),
    ("SOURCE-ADMIN-EXACT", "§4", False, "admin source: exactly actor (an email)"),
    ("SOURCE-SUBSCRIPTION-EXACT", "§4", False, "subscription_renew source: plan and period dates"),
    ("SOURCE-IDS-UNIQUE", "§4", False, "receipt_id and request_id are unique within the account"),
    ("BALANCE-CHAIN", "§4", False, "balance_after == previous balance_after + amount, to the cent"),
    ("BALANCE-OPENING-ZERO", "§4", False, "the oldest entry starts from an opening balance of 0"),
    ("BALANCE-NON-NEGATIVE", "§4", False, "the balance never goes below 0"),
    # §5 Errors
    ("ERROR-ENVELOPE", "§5", True, '400/401 bodies are {"error": {"type": ...}}'),
    ("ERROR-ENVELOPE-EXACT", "§5", False, "error envelope: exactly type, message (text), param"),
    ("ERROR-PARAM", "§5", False, "param names the bad parameter on a 400, else null"),
    # Schemathesis over the OpenAPI document of the profile
    ("OPENAPI-NO-SERVER-ERROR", "§5", True, "fuzzing: no 5xx"),
    ("OPENAPI-STATUS-CODE", "§5", True, "fuzzing: only statuses the OpenAPI document lists"),
    ("OPENAPI-CONTENT-TYPE", "§1", True, "fuzzing: documented content types"),
    ("OPENAPI-RESPONSE-HEADERS", "§2", True, "fuzzing: documented response headers"),
    ("OPENAPI-RESPONSE-SCHEMA", "§4", True, "fuzzing: bodies match the response schemas"),
    ("OPENAPI-POSITIVE-ACCEPTED", "§3", True, "fuzzing: valid parameters are answered 200"),
    ("OPENAPI-NEGATIVE-REJECTED", "§3", False, "fuzzing: invalid parameters are answered 400/401"),
    ("OPENAPI-MISSING-HEADER", "§2", True, "fuzzing: a missing Authorization header is a 401"),
    ("OPENAPI-IGNORED-AUTH", "§2", True, "fuzzing: requests without valid auth are refused"),
    ("OPENAPI-UNSUPPORTED-METHOD", "§1", False, "fuzzing: undocumented methods get 405"),
    ("OPENAPI-ALLOW-HEADER", "§1", False, "fuzzing: a 405 lists the allowed methods"),
)

CATALOG: dict[str, Rule] = {
    rule_id: Rule(rule_id, section, _BOTH if documented else _FULL, summary)
    for rule_id, section, documented, summary in _TABLE
}


def rule(rule_id: str) -> Rule:
    """Look a rule up by id; an unknown id is a programming error, so it raises."""
    return CATALOG[rule_id]


def rules_for(profile: Profile) -> list[Rule]:
    """The rules a run with `profile` checks, in catalog order."""
    return [r for r in CATALOG.values() if profile in r.profiles]
