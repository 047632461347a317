"""Near misses: what a request almost got right, said in one line for the journal.

The endpoint is lenient where the contract says so (an unknown parameter is
ignored) and strict elsewhere (a trailing slash is an unknown path), so a
client can be wrong without an error, or get an error that names the symptom
rather than the slip. These pure functions read what the journal kept of a
request (path, raw query, status, what kind of key it sent) and name the slip:
``pageSize`` for ``page_size``, ``from`` for ``since``, an unencoded ``+`` in an
offset, a trailing slash, a revoked or unknown key, another auth scheme, a
malformed ``Bearer`` header.

Their cost is bounded whatever a client sends, because the console rebuilds
them on every journal poll: only the first ``MAX_NAMES_CHECKED`` distinct
unknown parameter names are looked at (the rest are counted), and names longer
than ``MAX_FUZZY_NAME`` characters are never fuzzy-matched.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import unquote, unquote_plus

from ..http.paths import API_PREFIX, TRANSACTIONS_PATH

__all__ = [
    "MAX_FUZZY_NAME",
    "MAX_NAMES_CHECKED",
    "PARAMETERS",
    "AuthSeen",
    "auth_seen",
    "hints",
    "suggest_parameter",
]

PARAMETERS = ("page", "page_size", "kind", "since", "until")  # CONTRACT.md §3
MAX_NAMES_CHECKED = 5  # distinct unknown parameter names looked at per request
MAX_FUZZY_NAME = 40  # longer names are not fuzzy-matched (difflib is quadratic)

# What a client coming from another API sends instead, normalised (lower case,
# without "-", "_" and spaces) -> the contract's name.
_ALIASES: Mapping[str, str] = {
    "pagesize": "page_size",
    "perpage": "page_size",
    "limit": "page_size",
    "size": "page_size",
    "count": "page_size",
    "pagenumber": "page",
    "pageno": "page",
    "pagenum": "page",
    "kinds": "kind",
    "type": "kind",
    "types": "kind",
    "from": "since",
    "after": "since",
    "start": "since",
    "startdate": "since",
    "starttime": "since",
    "sincedate": "since",
    "to": "until",
    "before": "until",
    "end": "until",
    "enddate": "until",
    "endtime": "until",
}
_NORMALISED = {name.replace("_", ""): name for name in PARAMETERS}
_SLASHES = re.compile("/{2,}")

# How a request authenticated, as far as the journal can tell (it keeps no key):
# no header, a header of another scheme, a Bearer header the endpoint's grammar
# refuses (a tab, a second token, two joined headers), or a well-formed Bearer
# key that is active, revoked or not in the configuration.
AuthSeen = Literal["none", "other_scheme", "malformed", "active", "revoked", "unknown"]


def _normalise(name: str) -> str:
    return re.sub(r"[-_\s]", "", name).lower()


def suggest_parameter(name: str) -> str | None:
    """The contract's parameter ``name`` was probably meant as (``None``: no guess).

    ``None`` for the contract's own names: they are not misses.
    """
    if name in PARAMETERS:
        return None
    key = _normalise(name)
    if not key:
        return None
    found = _NORMALISED.get(key) or _ALIASES.get(key)
    if found is not None or len(key) > MAX_FUZZY_NAME:
        return found
    close = difflib.get_close_matches(key, list(_NORMALISED), n=1, cutoff=0.8)
    return _NORMALISED[close[0]] if close else None


def _pairs(query_string: str) -> list[tuple[str, str]]:
    """(decoded name, raw value) of each ``name=value`` of a raw query string."""
    out: list[tuple[str, str]] = []
    for part in query_string.split("&"):
        if part:
            name, _, value = part.partition("=")
            out.append((unquote_plus(name), value))
    return out


def _parameter_hints(query_string: str) -> list[str]:
    """An unencoded ``+`` first (it causes the error), then ignored look-alike names.

    Only the first ``MAX_NAMES_CHECKED`` distinct unknown names are looked at;
    the rest are counted in one more line (they were ignored too, unchecked).
    """
    pairs = _pairs(query_string)
    sent = {name for name, _ in pairs}
    found = [
        f"{name} has an unencoded '+': it arrives as a space; send the offset's '+' as %2B"
        for name in ("since", "until")
        if any(sent_name == name and "+" in raw for sent_name, raw in pairs)
    ]
    unknown = list(dict.fromkeys(name for name, _ in pairs if name not in PARAMETERS))
    looked_at = unknown[:MAX_NAMES_CHECKED]
    for name in looked_at:
        suggestion = suggest_parameter(name)
        if suggestion is None:
            continue
        shown = name if len(name) <= MAX_FUZZY_NAME else name[: MAX_FUZZY_NAME - 3] + "..."
        also = f" ({suggestion} was sent too)" if suggestion in sent else ""
        found.append(f"unknown parameter '{shown}' was ignored: did you mean '{suggestion}'?{also}")
    rest = len(unknown) - len(looked_at)
    if rest:
        found.append(f"and {rest} more unknown parameter name(s) ignored, not checked")
    return found


def _path_hint(path: str) -> str | None:
    if path == TRANSACTIONS_PATH or path.startswith("/__mock/"):
        return None
    merged = _SLASHES.sub("/", path)
    if merged.rstrip("/") == TRANSACTIONS_PATH:
        if merged != path:
            return f"doubled '/' in the path: the endpoint is {TRANSACTIONS_PATH}"
        return f"trailing slash: the endpoint is {TRANSACTIONS_PATH} (no '/' at the end)"
    trimmed = merged.rstrip("/")
    if trimmed.lower() == TRANSACTIONS_PATH:
        return f"paths are case-sensitive: the endpoint is {TRANSACTIONS_PATH}"
    if trimmed.endswith("/me/billing/transactions"):
        return f"the base URL must end in {API_PREFIX}: the endpoint is {TRANSACTIONS_PATH}"
    if difflib.SequenceMatcher(None, unquote(trimmed).lower(), TRANSACTIONS_PATH).ratio() >= 0.85:
        return f"no such path: did you mean {TRANSACTIONS_PATH}?"
    return None


_AUTH_HINTS: Mapping[str, str] = {
    "none": "no Authorization header: send 'Authorization: Bearer <key>'",
    "other_scheme": "the Authorization header is not 'Bearer <key>' (one space, one key)",
    "malformed": (
        "malformed Authorization header: send exactly 'Bearer <key>'"
        " (spaces, not a tab; one key; one header)"
    ),
    "revoked": "this key is revoked: use an active key (ledger-mock keys)",
    "unknown": "this key is not one of the mock's keys (ledger-mock keys lists them)",
}


def auth_seen(
    authorization: str | None, key_id: str | None, statuses: Mapping[str, str]
) -> AuthSeen:
    """How a request authenticated, from what the journal kept of it.

    ``authorization`` is the header as journaled (redacted), ``key_id`` the
    fingerprint of its Bearer token (kept only for a value the endpoint's own
    grammar accepts), ``statuses`` the configuration's key fingerprints ->
    ``"active"`` or ``"revoked"``.
    """
    if authorization is None or not authorization.strip(" \t"):
        return "none"
    if key_id is None:
        scheme = authorization.strip(" \t").split(None, 1)[0]
        return "malformed" if scheme.lower() == "bearer" else "other_scheme"
    status = statuses.get(key_id)
    if status == "active":
        return "active"
    if status == "revoked":
        return "revoked"
    return "unknown"


def hints(*, path: str, query_string: str, status: int | None, auth: AuthSeen) -> list[str]:
    """Every near miss of one request, most telling first (empty: nothing to say).

    A path slip explains a 404 by itself; auth is named only for the endpoint's
    own ``401``; the parameters of a request to the endpoint are read whatever
    its status (an ignored ``pageSize`` still answers ``200``).
    """
    path_hint = _path_hint(path)
    if path_hint is not None:
        return [path_hint]
    if path != TRANSACTIONS_PATH:
        return []
    found: list[str] = []
    if status == 401 and auth in _AUTH_HINTS:
        found.append(_AUTH_HINTS[auth])
    found += _parameter_hints(query_string)
    return found
