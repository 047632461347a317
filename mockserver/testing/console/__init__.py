"""The browser console at ``/__mock/console/``: the ledger, the journal, faults, drift, export.

It exists only with the control API (``create_app(control=True)``, ``serve
--enable-control``) and is part of it: ``mockserver.testing.control.install``
registers its routes and its control guard lets the page itself through
without the control token (it holds no data) while every data call needs it.
The page is a static HTML shell, a little plain JavaScript and the vendored
uPlot chart library (``VENDORED.md``); everything it shows comes from JSON.
"""

from __future__ import annotations

from .routes import console_blueprint
from .security import CONSOLE_PREFIX, SECURITY_HEADERS, is_public_path, with_security_headers

__all__ = [
    "CONSOLE_PREFIX",
    "SECURITY_HEADERS",
    "console_blueprint",
    "is_public_path",
    "with_security_headers",
]
