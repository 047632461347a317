"""Small assertions shared by the request-level checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contract_tests.client import Exchange
from contract_tests.context import Context, describe

__all__ = ["expect_400", "expect_401", "expect_error", "expect_ok"]

Query = Mapping[str, str] | Iterable[tuple[str, str]] | str


def expect_error(
    ctx: Context, rule_id: str, exchange: Exchange, status: int, error_type: str
) -> bool:
    """`status` with `error.type == error_type`, recorded under `rule_id`."""
    ok = exchange.status == status and exchange.error.get("type") == error_type
    return ctx.record.expect(rule_id, ok, exchange, f"{status} {error_type}", describe(exchange))


def expect_400(
    ctx: Context, rule_id: str, query: Query, param: str, *, authorization: str | None = None
) -> Exchange:
    """Send `query`; expect a 400 naming `param` (the name is ERROR-PARAM's business)."""
    if authorization is None:
        exchange = ctx.client.get(query)
    else:
        exchange = ctx.client.get(query, authorization=authorization)
    expect_error(ctx, rule_id, exchange, 400, "invalid_request_error")
    if exchange.status == 400:
        ctx.record.expect(
            "ERROR-PARAM",
            exchange.error.get("param") == param,
            exchange,
            f"error.param == {param!r}",
            f"error.param == {exchange.error.get('param')!r}",
        )
    return exchange


def expect_401(
    ctx: Context, rule_id: str, authorization: str | None, query: Query = ()
) -> Exchange:
    """Send with this Authorization value (None: no header); expect 401 authentication_error."""
    exchange = ctx.client.get(query, authorization=authorization)
    expect_error(ctx, rule_id, exchange, 401, "authentication_error")
    return exchange


def expect_ok(
    ctx: Context, rule_id: str, query: Query = (), *, authorization: str | None = None
) -> Exchange:
    """Send `query` (with the main key unless `authorization` is given); expect 200."""
    if authorization is None:
        exchange = ctx.client.get(query)
    else:
        exchange = ctx.client.get(query, authorization=authorization)
    ctx.record.expect(rule_id, exchange.status == 200, exchange, "200", describe(exchange))
    return exchange
