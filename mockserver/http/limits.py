"""The server's promises to rude clients, in one place (docs/contract-decisions.md cites them).

Pure numbers, cheap to import: the CLI shows the defaults, the protocol and the
bridge enforce them, the hostile-traffic tests wait for them.
"""

from __future__ import annotations

__all__ = [
    "BODY_TIMEOUT",
    "CLOSE_GRACE",
    "DEFAULT_MAX_CONNECTIONS",
    "HEAD_TIMEOUT",
    "IDLE_TIMEOUT",
    "MAX_BODY_BYTES",
    "MAX_HEAD_BYTES",
    "MAX_PIPELINE",
    "WRITE_STALL_TIMEOUT",
]

HEAD_TIMEOUT = 10.0  # seconds from a request's first byte to the end of its headers (else 408)
IDLE_TIMEOUT = 5.0  # seconds a connection may wait with no request under way (then closed)
CLOSE_GRACE = 2.0  # seconds a closing connection may take to flush before it is aborted
MAX_HEAD_BYTES = 1 << 20  # request line and headers together (else 431)
MAX_BODY_BYTES = 64 * 1024  # a control request's body (else 413); the API's bodies are small
BODY_TIMEOUT = 10.0  # seconds for a control request's body to arrive whole (else 408)
WRITE_STALL_TIMEOUT = 10.0  # seconds a peer may leave our answers unread (then aborted)
MAX_PIPELINE = 64  # requests parsed ahead of their answers (the rest waits, unread)
DEFAULT_MAX_CONNECTIONS = 4096  # open connections per worker (the longest idle make room)
