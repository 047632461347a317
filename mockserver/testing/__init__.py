"""The test layers: request journal, fault injection, page drift, the control API and its console.

They wrap the plain HTTP app (``mockserver.http``) from outside; nothing in
``core`` or ``http`` imports them. ``mockserver.create_app`` composes the two.
``hints`` names a request's near misses for the journal's readers; ``console``
is the browser page at ``/__mock/console/``, part of the control API.
"""
