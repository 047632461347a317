"""A thin recording HTTP client for the ledger endpoint.

Every request the stateful checks send goes through `Client.send`, which keeps
an `Exchange` (request as sent, response as received, raw text included) so
that the passes over *all* responses (JSON everywhere, error envelopes, item
invariants) need no extra traffic, and every violation can be shown as a curl
line.  Query strings are built here by hand, already percent-encoded, because
several rules are about the exact bytes of the query (`+`, repeated names,
non-ASCII digits).

Every request goes through the run's `Governor` (`contract_tests.pushback`):
a `429` is waited out and sent again, never recorded as the answer.  What is
still pushed back after the bound raises `PushbackExhausted`, what still gets
no answer raises `TransportError`: neither is an exchange a rule may judge.
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

from contract_tests.deadline import read_body
from contract_tests.pushback import Governor, Unanswered

__all__ = [
    "ENDPOINT",
    "Client",
    "Exchange",
    "PushbackExhausted",
    "TransportError",
    "bearer",
    "encode_query",
]

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
    """The target gave no HTTP response (refused, reset, timed out), retries included."""

    def __init__(self, exchange: Exchange, cause: Exception, reason: str | None = None) -> None:
        super().__init__(f"{exchange.method} {exchange.url}: {cause}")
        self.exchange = exchange
        self.cause = cause
        self.reason = reason


class PushbackExhausted(Exception):
    """The target still answered 429 (or 503 with Retry-After) after the retry bound.

    Not a verdict: the rules that needed this answer could not be checked.
    `exchange` holds the last pushback, for the reason text only.
    """

    def __init__(self, exchange: Exchange, reason: str) -> None:
        super().__init__(f"{exchange.method} {exchange.url}: {reason}")
        self.exchange = exchange
        self.reason = reason


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

    def __init__(
        self,
        base_url: str,
        *,
        default_key: str,
        timeout: float = 15.0,
        governor: Governor | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.default_authorization = bearer(default_key)
        self.timeout = timeout
        self.governor = governor if governor is not None else Governor()
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
        retry_unconnected: bool = True,
    ) -> Exchange:
        """Send one request; `authorization=None` sends no header at all.

        `retry_unconnected=False`: a connection that cannot be opened at all is
        not retried (the first probe: a wrong URL is said at once).
        """
        query = params if isinstance(params, str) else encode_query(params)
        auth = self.default_authorization if authorization is _MISSING else authorization
        return self.send(method, path, query, auth, retry_unconnected=retry_unconnected)

    def prepare(self, params: Mapping[str, str] | Iterable[tuple[str, str]] | str = ()) -> Exchange:
        """An unsent GET with the main key: something to print as a curl line."""
        query = params if isinstance(params, str) else encode_query(params)
        return self._exchange("GET", ENDPOINT, query, self.default_authorization)

    def _exchange(self, method: str, path: str, query: str, authorization: str | None) -> Exchange:
        url = self.base_url + path + (f"?{query}" if query else "")
        return Exchange(method, url, path, query, authorization)

    def send(
        self,
        method: str,
        path: str,
        query: str,
        authorization: str | None,
        *,
        retry_unconnected: bool = True,
    ) -> Exchange:
        """Send exactly this request and record its answer.

        Raises `TransportError` when no attempt got an answer, `PushbackExhausted`
        when the target still pushes back after the bound (not recorded: no rule
        may read a 429 as the answer), `pushback.OutOfTime` past `--max-duration`.
        """
        exchange = self._exchange(method, path, query, authorization)
        headers = {"Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization

        def attempt() -> requests.Response:
            # Streamed, then read against the deadline: requests' timeout bounds
            # each read, not a body that trickles in (`deadline`).
            response = self._session.request(
                method,
                exchange.url,
                headers=headers,
                timeout=self._timeout(),
                allow_redirects=False,
                stream=True,
            )
            return read_body(response, self.governor)

        try:
            response, gave_up = self.governor.send(attempt, retry_unconnected=retry_unconnected)
        except Unanswered as error:
            self.exchanges.append(exchange)
            raise TransportError(exchange, error.cause, error.reason) from error.cause
        except requests.RequestException as error:  # not worth a retry (a bad URL...)
            self.exchanges.append(exchange)
            raise TransportError(exchange, error) from error
        exchange.status = response.status_code
        exchange.headers = dict(response.headers)
        exchange.content = response.content
        exchange.text = response.content.decode("utf-8", errors="replace")
        if gave_up is not None:
            raise PushbackExhausted(exchange, gave_up)
        self.exchanges.append(exchange)
        return exchange

    def _timeout(self) -> float:
        """The request timeout, never past the run's `--max-duration`."""
        left = self.governor.remaining()
        return self.timeout if left is None else max(0.001, min(self.timeout, left))
