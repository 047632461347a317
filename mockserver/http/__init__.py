"""The HTTP layer: the contract's endpoint as a plain Flask/WSGI app.

Imports ``mockserver.core`` only (never ``testing`` or ``server``): paths, auth,
query parameters, the one error envelope, the WSGI aliases, the page cache, the
fast path and ``create_app``.
"""
