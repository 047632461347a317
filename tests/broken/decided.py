"""An implementation that differs from the mock only where the docs are silent.

Each deviation below is a choice a real service could make on a point
CONTRACT.md marks **[decided]**: the `documented` profile must pass it with
zero violations, the `full` profile must report exactly the decided rules
listed in `DECIDED_RULES` (and nothing the public page promises).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.broken import auth, data, filters, params, routing
from tests.broken.wsgi import WSGIApp

__all__ = ["DECIDED_DEVIATIONS", "DECIDED_RULES", "decided_only_app"]

# (builder, why it is only a [decided] point)
DECIDED_DEVIATIONS: tuple[tuple[Callable[[WSGIApp], WSGIApp], str], ...] = (
    (data.extra_has_more, "extra keys in the body: the docs do not forbid them"),
    (data.created_at_isoformat, "created_at as `+00:00`: the docs show `Z` but fix no grammar"),
    (data.subscription_period_datetimes, "renewal source shape is not documented"),
    (auth.no_www_authenticate, "WWW-Authenticate is [decided]"),
    (auth.params_before_auth, "401-before-400 is [decided]"),
    (auth.scheme_case_sensitive, "a case-insensitive scheme word is [decided]"),
    (params.python_int_parsing, "`+1`, ` 1` as integers: integer spelling is [decided]"),
    (params.leading_zeros_rejected, "accepting `007` is [decided]"),
    (params.unknown_params_rejected, "ignoring unknown parameters is [decided]"),
    (filters.empty_range_rejected, "since >= until as an empty page is [decided]"),
    (routing.html_404, "the 404 of unknown paths is [decided]"),
    (routing.trailing_slash_served, "the trailing slash as unknown path is [decided]"),
    (routing.options_answered, "405 for other methods is [decided]"),
)

# Exactly what the full profile must report for `decided_only_app()`.
DECIDED_RULES = frozenset(
    {
        "BODY-KEYS-EXACT",
        "ITEM-CREATED-AT-FORMAT",
        "SOURCE-SUBSCRIPTION-EXACT",
        "AUTH-WWW-AUTHENTICATE",
        "AUTH-BEFORE-PARAMS",
        "AUTH-SCHEME-CASE",
        "PARAM-INT-STRICT",
        "PARAM-INT-LEADING-ZEROS",
        "PARAM-UNKNOWN-IGNORED",
        "FILTER-EMPTY-RANGE",
        "JSON-EVERYWHERE",
        "PATH-404",
        "PATH-404-TRAILING-SLASH",
        "ERROR-ENVELOPE-EXACT",
        "METHOD-405",
        "METHOD-405-ALLOW",
    }
)


def decided_only_app(mock: WSGIApp) -> WSGIApp:
    """The mock with every deviation of `DECIDED_DEVIATIONS` at once."""
    app = mock
    for build, _why in DECIDED_DEVIATIONS:
        app = build(app)
    return app
