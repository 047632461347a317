"""A thin recording HTTP client for the ledger endpoint.

Every request the stateful checks send goes through `Client.send`, which keeps
an `Exchange` (request as sent, response as received, raw text included) so
that the passes over *all* responses (JSON everywhere, error envelopes, item
invariants) need no extra traffic, and every violation can be shown as a curl
line.  Query strings are built here by hand, already percent-encoded, because
several rules are about the exact bytes of the query (`+`, repeated names,
non-ASCII digits).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import quote

import requests

__all__ = ["ENDPOINT", "Client", "Exchange", "TransportError", "bearer", "encode_query"]

ENDPOINT = "/me/billing/transactions"
_MISSING: Any = object()


def bearer(key: str) -> str:
    """The canonical Authorization value for `key`."""
    return f"Bearer {key}"


def encode_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """Percent-encode name/value pairs, keeping `:` readable and encoding `+`."""
    pairs = params.items() if isinstance(params, Mapping) else params
    return "&".join(f"{quote(name, safe='')}={quote(value, safe=':')}" for name, value in pairs)


class TransportError(Exception):
    """The target gave no HTTP response (refused, reset, timed out)."""

    def __init__(self, exchange: Exchange, cause: Exception) -> None:
        super().__init__(f"{exchange.method} {exchange.url}: {cause}")
        self.exchange = exchange
        self.cause = cause


@dataclass
class Exchange:
    """One request and its response, kept verbatim."""

    method: str
    url: str
    path: str
    query: str
    authorization: str | None
    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    # The body as received; `text` is its UTF-8 reading for display (bad bytes replaced),
    # so rules about the bytes themselves must look at `content`.
    content: bytes = b""
    text: str = ""

    @cached_property
    def _parsed(self) -> tuple[bool, Any]:
        try:
            return True, json.loads(self.text, parse_float=Decimal)
        except ValueError:
            return False, None

    @property
    def is_json(self) -> bool:
        """True when the body text is a JSON document."""
        return self._parsed[0]

    @property
    def body(self) -> Any:
        """The body parsed with `Decimal` for non-integers (`None` if not JSON)."""
        return self._parsed[1]

    def header(self, name: str) -> str | None:
        """A response header, case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    @property
    def error(self) -> Mapping[str, Any]:
        """The `error` object of an error envelope, or an empty mapping."""
        body = self.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"]
        return {}


class Client:
    """Sends requests to one base URL and records every exchange."""

    def __init__(self, base_url: str, *, default_key: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.default_authorization = bearer(default_key)
        self.timeout = timeout
        self.exchanges: list[Exchange] = []
        self._session = requests.Session()
        # requests would add `Accept-Encoding` and friends; keep them, but
        # never let it fill in credentials from ~/.netrc.
        self._session.trust_env = False

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def get(
        self,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | str = (),
        *,
        authorization: str | None = _MISSING,
        path: str = ENDPOINT,
        method: str = "GET",
    ) -> Exchange:
        """Send one request; `authorization=None` sends no header at all."""
        query = params if isinstance(params, str) else encode_query(params)
        auth = self.default_authorization if authorization is _MISSING else authorization
        return self.send(method, path, query, auth)

    def prepare(self, params: Mapping[str, str] | Iterable[tuple[str, str]] | str = ()) -> Exchange:
        """An unsent GET with the main key: something to print as a curl line."""
        query = params if isinstance(params, str) else encode_query(params)
        return self._exchange("GET", ENDPOINT, query, self.default_authorization)

    def _exchange(self, method: str, path: str, query: str, authorization: str | None) -> Exchange:
        url = self.base_url + path + (f"?{query}" if query else "")
        return Exchange(method, url, path, query, authorization)

    def send(self, method: str, path: str, query: str, authorization: str | None) -> Exchange:
        """Send exactly this request and record it, raising `TransportError` on no answer."""
        exchange = self._exchange(method, path, query, authorization)
        headers = {"Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        try:
            response = self._session.request(
                method, exchange.url, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            self.exchanges.append(exchange)
            raise TransportError(exchange, error) from error
        exchange.status = response.status_code
        exchange.headers = dict(response.headers)
        exchange.content = response.content
        exchange.text = response.content.decode("utf-8", errors="replace")
        self.exchanges.append(exchange)
        return exchange
