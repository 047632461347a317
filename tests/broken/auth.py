"""Broken authentication and account isolation (CONTRACT.md §2)."""

from __future__ import annotations

from tests.broken.registry import BUILTIN_KEYS, HIDDEN_REVOKED_ACCOUNT_KEY, defect
from tests.broken.wsgi import ENDPOINT, Environ, Middleware, Reply, WSGIApp, error_reply

_DEFAULT_KEY = BUILTIN_KEYS.api_key


class _KeyRewrite(Middleware):
    """Presents another `Authorization` value to the mock (a broken key lookup)."""

    def rewrite(self, header: str | None) -> str | None:
        return header

    def handle(self, environ: Environ) -> Reply:
        header = environ.get("HTTP_AUTHORIZATION")
        new = self.rewrite(header)
        if new == header:
            return self.forward(environ)
        changed = {k: v for k, v in environ.items() if k != "HTTP_AUTHORIZATION"}
        if new is not None:
            changed["HTTP_AUTHORIZATION"] = new
        return self.forward(changed)


class _RevokedAccepted(_KeyRewrite):
    def rewrite(self, header: str | None) -> str | None:
        if header is not None and header.strip().endswith(" bsk_test_revoked"):
            return f"Bearer {HIDDEN_REVOKED_ACCOUNT_KEY}"
        return header


@defect("AUTH-401-REVOKED", profile="documented")
def revoked_key_accepted(mock: WSGIApp) -> WSGIApp:
    """Revocation is never checked: a revoked key still opens its account's wallet."""
    return _RevokedAccepted(mock)


class _FirstTokenWins(_KeyRewrite):
    def rewrite(self, header: str | None) -> str | None:
        words = (header or "").split()
        if len(words) > 2 and words[0].lower() == "bearer":
            return f"Bearer {words[1].rstrip(',')}"
        if len(words) == 2 and "\t" in (header or "") and words[0].lower() == "bearer":
            return f"Bearer {words[1]}"
        return header


@defect("AUTH-401-MALFORMED")
def header_split_first_token(mock: WSGIApp) -> WSGIApp:
    """The key is `header.split()[1]`: a tab, a second token or `key, Bearer key` still pass."""
    return _FirstTokenWins(mock)


class _SchemeCaseSensitive(Middleware):
    def handle(self, environ: Environ) -> Reply:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.lstrip().lower().startswith("bearer") and not header.lstrip().startswith(
            "Bearer"
        ):
            return _unauthorized("expected 'Authorization: Bearer <key>'")
        return self.forward(environ)


def _unauthorized(message: str) -> Reply:
    reply = error_reply(401, "authentication_error", message)
    return reply.with_header("WWW-Authenticate", 'Bearer realm="bytespike"')


@defect("AUTH-SCHEME-CASE")
def scheme_case_sensitive(mock: WSGIApp) -> WSGIApp:
    """Only the exact word `Bearer` is accepted: `bearer <key>` is a 401."""
    return _SchemeCaseSensitive(mock)


class _OtherAccountsSeeDefault(_KeyRewrite):
    def rewrite(self, header: str | None) -> str | None:
        if header is not None and header.strip().endswith(" bsk_test_docs"):
            return f"Bearer {_DEFAULT_KEY}"
        return header


@defect("AUTH-ISOLATION")
def cross_account_leak(mock: WSGIApp) -> WSGIApp:
    """The wallet is looked up by a cached "current account", not the key: another
    account's key sees the default account's entries."""
    return _OtherAccountsSeeDefault(mock)


class _SecondKeyOwnWallet(_KeyRewrite):
    def rewrite(self, header: str | None) -> str | None:
        if header is not None and header.strip().endswith(" bsk_test_default_2"):
            return "Bearer bsk_test_boundary_200"
        return header


@defect("AUTH-SECOND-KEY")
def second_key_own_wallet(mock: WSGIApp) -> WSGIApp:
    """Each key has its own wallet: a second key of the same account sees other entries."""
    return _SecondKeyOwnWallet(mock)


class _MissingHeaderCrash(Middleware):
    def handle(self, environ: Environ) -> Reply:
        if environ.get("PATH_INFO") == ENDPOINT and "HTTP_AUTHORIZATION" not in environ:
            return error_reply(500, "api_error", "'NoneType' object has no attribute 'split'")
        return self.forward(environ)


@defect("AUTH-401-MISSING", profile="documented")
def missing_header_500(mock: WSGIApp) -> WSGIApp:
    """No `Authorization` header at all crashes the handler: 500 instead of 401."""
    return _MissingHeaderCrash(mock)


class _NoWwwAuthenticate(Middleware):
    def handle(self, environ: Environ) -> Reply:
        return self.forward(environ).without_header("WWW-Authenticate")


@defect("AUTH-WWW-AUTHENTICATE")
def no_www_authenticate(mock: WSGIApp) -> WSGIApp:
    """A 401 carries no `WWW-Authenticate` header."""
    return _NoWwwAuthenticate(mock)


class _ParamsBeforeAuth(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status != 401 or environ.get("PATH_INFO") != ENDPOINT:
            return reply
        probe = self.forward({**environ, "HTTP_AUTHORIZATION": f"Bearer {_DEFAULT_KEY}"})
        return probe if probe.status == 400 else reply


@defect("AUTH-BEFORE-PARAMS")
def params_before_auth(mock: WSGIApp) -> WSGIApp:
    """The query string is validated before the key: a bad key with a bad `page` gets 400."""
    return _ParamsBeforeAuth(mock)


class _KeyEchoed(Middleware):
    def handle(self, environ: Environ) -> Reply:
        reply = self.forward(environ)
        if reply.status != 401:
            return reply
        presented = (environ.get("HTTP_AUTHORIZATION") or "").strip()
        body = reply.json()
        body["error"]["message"] = f"invalid credentials: {presented!r}"
        return reply.with_json(body)


@defect("AUTH-KEY-NOT-ECHOED")
def key_echoed(mock: WSGIApp) -> WSGIApp:
    """The 401 message quotes the presented Authorization value (the key leaks into logs)."""
    return _KeyEchoed(mock)


class _PrefixKeyMatch(_KeyRewrite):
    """Looks keys up with `startswith`: any extension or truncation of a key matches."""

    def rewrite(self, header: str | None) -> str | None:
        words = (header or "").split(" ")
        if len(words) != 2 or words[0] != "Bearer" or len(words[1]) < 12:
            return header
        token = words[1]
        for known in ("bsk_test_default", "bsk_test_docs", "bsk_test_ties"):
            if token != known and (token.startswith(known) or known.startswith(token)):
                return f"Bearer {known}"
        return header


@defect("AUTH-401-UNKNOWN", profile="documented")
def key_prefix_match(mock: WSGIApp) -> WSGIApp:
    """Keys are matched by prefix (`LIKE key || '%'`): `<key>x` and `<key minus one char>` work."""
    return _PrefixKeyMatch(mock)


class _SchemeIgnored(_KeyRewrite):
    """Takes the last word of the header as the key, whatever the scheme."""

    def rewrite(self, header: str | None) -> str | None:
        words = (header or "").split()
        if len(words) == 1 and words[0].startswith("bsk_"):
            return f"Bearer {words[0]}"
        if len(words) == 2 and words[0].lower() == "token":
            return f"Bearer {words[1]}"
        return header


@defect("AUTH-401-SCHEME", profile="documented")
def scheme_not_checked(mock: WSGIApp) -> WSGIApp:
    """The scheme word is not checked: `Token <key>` and a bare `<key>` are accepted."""
    return _SchemeIgnored(mock)


class _NotTrimmed(Middleware):
    def handle(self, environ: Environ) -> Reply:
        header = environ.get("HTTP_AUTHORIZATION")
        if header is not None and (header != header.strip() or "  " in header):
            return _unauthorized("malformed Authorization header")
        return self.forward(environ)


@defect("AUTH-SPACES")
def header_not_trimmed(mock: WSGIApp) -> WSGIApp:
    """The header must be exactly `Bearer <key>`: trailing or doubled spaces are a 401."""
    return _NotTrimmed(mock)


class _EmptyBearerDemo(_KeyRewrite):
    def rewrite(self, header: str | None) -> str | None:
        if header is not None and header.strip().lower() in ("bearer", ""):
            return "Bearer bsk_test_docs"
        return header


@defect("AUTH-401-EMPTY", profile="documented")
def empty_bearer_demo_account(mock: WSGIApp) -> WSGIApp:
    """An empty header or a bare `Bearer` falls back to the public demo account."""
    return _EmptyBearerDemo(mock)
