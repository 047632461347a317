"""The stateful checks, in the order the runner runs them.

Request-level checks first (they need no data), then those that compare
against the pinned history, and last the pass over every recorded response.
"""

from contract_tests.checks import auth, data, filters, pagination, params, responses, routing
from contract_tests.checks._registry import Check

__all__ = ["ALL_CHECKS", "Check"]

ALL_CHECKS: tuple[Check, ...] = (
    routing.endpoint_answers,
    routing.head_like_get,
    routing.other_methods,
    routing.unknown_paths,
    auth.refused_headers,
    auth.accepted_headers,
    params.integers,
    params.timestamps,
    params.kinds,
    params.repeated_and_unknown,
    params.error_order,
    pagination.pages,
    pagination.unfiltered_totals,
    filters.kind_filter,
    filters.time_filters,
    filters.timestamp_forms,
    filters.empty_ranges,
    data.ids_and_order,
    data.balances,
    data.unique_references,
    auth.second_key,
    auth.isolation,
    responses.every_response,
)
