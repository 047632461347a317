"""The one production server of ``serve``: uvicorn workers under gunicorn's arbiter.

``protocol`` (one HTTP/1.1 connection), ``asgi`` (the WSGI app on the event
loop), ``worker`` (the gunicorn worker), ``serving`` (the arbiter and its
options), ``stops`` (stop signals noted during start-up). Importing this package
costs nothing: ``mockserver.entry`` reads ``stops`` before the heavy imports.
"""
