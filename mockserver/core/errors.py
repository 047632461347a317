"""The package's one error root, and every error the package raises on purpose.

Every error below derives from ``LedgerMockError``; those a caller may also
catch as a ``ValueError`` (bad input) are ``ValueError`` too::

    LedgerMockError
    ├── ConfigError              core.config      a configuration that cannot be served
    ├── ScenarioError            core.scenarios   a scenario name or option (ValueError)
    ├── TimestampError           core.timestamps  not an RFC 3339 instant (ValueError)
    ├── SettingError             core.errors      a bad setting; ``param`` names it (ValueError)
    │   ├── FaultError           testing.faults   a fault that cannot be applied
    │   │   └── FaultLimitError  testing.faults   too many faults active (the API's 409)
    │   └── DriftError           testing.drift    drift settings that cannot be applied
    ├── ParamError               http.params      a bad query parameter (ValueError; the 400)
    ├── NotInstrumentedError     core.errors      an app without that part (LookupError)
    └── ServerError              server.asgi      an answer HTTP/1.1 cannot carry as given

Refusals that never leave their module (``_Refused`` of the control API,
``_Refusal`` of the protocol, ``_BodyRefused`` of the bridge) derive from the
root too; each becomes a JSON error answer where it is raised.

``ConnectionDropped`` (``testing.faults``) is no error of the mock's: it is the
``ConnectionError`` a ``drop`` fault raises on purpose, for servers to treat as
a client gone away.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

__all__ = ["LedgerMockError", "NotInstrumentedError", "SettingError", "unknown_setting"]


class LedgerMockError(Exception):
    """Root of every error this package raises on purpose."""


class NotInstrumentedError(LedgerMockError, LookupError):
    """An app asked for a part the mock did not put in it (its store, its test layers)."""


class SettingError(LedgerMockError, ValueError):
    """A setting that cannot be applied; ``param`` names it (``None``: not one setting's fault)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def unknown_setting(given: Iterable[object], known: Collection[str]) -> str | None:
    """The first (sorted) of ``given``'s names that is not ``known``, or ``None``."""
    unknown = sorted(str(name) for name in given if name not in known)
    return unknown[0] if unknown else None
