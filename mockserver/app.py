"""``create_app``: the plain HTTP app (``mockserver.http``), with the test layers asked for.

The one place the two meet: ``http`` builds the app that serves the contract,
``testing`` wraps it from outside (journal, faults, the control API) and, for
drift, serves the store through a view of it.
"""

from __future__ import annotations

from flask import Flask

from .core.config import MockConfig
from .core.errors import SettingError
from .http.app import create_app as create_http_app
from .http.app import ledger_store
from .http.pagecache import DEFAULT_PAGE_CACHE_BYTES
from .testing.control import check_control_token, install, layers
from .testing.drift import Drift
from .testing.faults import Faults
from .testing.journal import Journal

__all__ = ["create_app"]


def create_app(
    config: MockConfig | None = None,
    *,
    journal: Journal | None = None,
    faults: Faults | None = None,
    drift: Drift | None = None,
    control: bool = False,
    control_token: str | None = None,
    page_cache_bytes: int = DEFAULT_PAGE_CACHE_BYTES,
) -> Flask:
    """A Flask app serving ``config`` (the built-in test keys when ``None``).

    The test layers are off unless given: a request ``journal``, fault injection
    (``faults``), page ``drift``; ``control=True`` adds all three and the
    ``/__mock/`` control API (see ``mockserver.testing.control``); ``control_token``
    makes that API require ``Authorization: Bearer <control_token>``
    (``SettingError``, a ``ValueError``, in one line, for a token
    ``check_control_token`` refuses or without ``control``). ``page_cache_bytes``
    bounds the cache of whole answers (0 turns it off; it is paused while pages
    drift).
    """
    if control_token is not None:  # before the store is built: a bad flag fails at once
        check_control_token(control_token)
        if not control:
            raise SettingError(
                "a control token needs the control API (control=True)", param="control_token"
            )
    mock = layers(journal=journal, faults=faults, drift=drift, control=control)
    drifting = None if mock is None else mock.drift
    # Drift pauses the page cache while it is on; with drift off the cache is kept.
    app = create_http_app(
        config,
        page_cache_bytes=page_cache_bytes,
        source=None if drifting is None else drifting.bind,
        cache_paused=None if drifting is None else lambda: drifting.active,
    )
    if mock is not None:
        install(app, ledger_store(app), mock, control_token=control_token)
    return app
