"""Read a response's body without outliving `--max-duration`.

requests' `timeout` bounds each read of the socket, not the answer: a target
that trickles its body a byte a second keeps every read short and the whole
answer endless.  So a request is sent with `stream=True` and its body read
here in pieces (`read1`: whatever one read of the socket brings, chunked or
not), with the run's deadline checked between them; past it the connection
is closed and `OutOfTime` raised.  The body read is then the response's
`content`, as if requests had read it.
"""

from __future__ import annotations

import requests
from requests.exceptions import ChunkedEncodingError, ContentDecodingError
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

from contract_tests.pushback import Governor

__all__ = ["CHUNK", "read_body"]

CHUNK = 64 * 1024


def read_body(response: requests.Response, governor: Governor) -> requests.Response:
    """Read all of `response`'s body (sent with `stream=True`) within `governor`'s deadline.

    Failures of the read are requests' own exceptions, as a non-streamed request
    raises them (a reset or a timeout is then retried like any other).
    """
    pieces: list[bytes] = []
    try:
        governor.check_time()
        while piece := response.raw.read1(CHUNK):
            pieces.append(piece)
            governor.check_time()
    except ProtocolError as error:
        response.close()
        raise ChunkedEncodingError(error) from error
    except ReadTimeoutError as error:
        response.close()
        raise requests.ReadTimeout(error) from error
    except DecodeError as error:
        response.close()
        raise ContentDecodingError(error) from error
    except BaseException:
        response.close()  # past the deadline: drop the connection, not pool it
        raise
    # What `Response.content` does once read; the response then holds the body.
    response._content = b"".join(pieces)
    response._content_consumed = True  # type: ignore[attr-defined]
    response.close()  # the body is read: this only hands the connection back
    return response
