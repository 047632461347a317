"""Serve a WSGI app on a loopback port in a thread and run the contract suite on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from contract_tests.report import Report
from tests.broken.keepalive import KeepAliveServer
from tests.broken.registry import BUILTIN_KEYS, KeySet
from tests.broken.wsgi import WSGIApp

__all__ = ["API_ROOT", "SEED", "check", "serving"]

API_ROOT = "/api/v1"
SEED = 20240521


@contextmanager
def serving(app: WSGIApp) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (port 0, a thread per connection); yield `.../api/v1`.

    The server is `KeepAliveServer` rather than werkzeug's `make_server(...,
    threaded=True)`: werkzeug closes every connection, which made each run
    about a third slower (see `tests.broken.keepalive`).
    """
    server = KeepAliveServer(("127.0.0.1", 0), app)
    # A short poll interval: `shutdown()` waits for the loop to notice (0.5 s by default).
    thread = threading.Thread(
        target=server.serve_forever, args=(0.01,), name="broken-impl", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{API_ROOT}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _run_check(**kwargs: Any) -> Report:
    """`contract_tests.run_check` (the public entry point)."""
    from contract_tests import run_check

    return run_check(**kwargs)


def check(
    app: WSGIApp,
    *,
    keys: KeySet = BUILTIN_KEYS,
    profile: str = "full",
    fuzz: bool = False,
    max_examples: int = 25,
    seed: int = SEED,
) -> Report:
    """Serve `app` and run the contract suite against it with `keys`."""
    with serving(app) as base_url:
        return _run_check(
            base_url=base_url,
            api_key=keys.api_key,
            second_key=keys.second_key,
            other_account_key=keys.other_account_key,
            revoked_key=keys.revoked_key,
            profile=profile,
            usage_drift=False,
            seed=seed,
            max_examples=max_examples,
            fuzz=fuzz,
            # A fake that drops a request is retried before HTTP-RESPONDS judges it:
            # short waits keep the kill table quick without changing its verdicts.
            backoff=0.02,
        )
