"""The test layers: request journal, fault injection, page drift and the control API.

They wrap the plain HTTP app (``mockserver.http``) from outside; nothing in
``core`` or ``http`` imports them. ``mockserver.create_app`` composes the two.
"""
