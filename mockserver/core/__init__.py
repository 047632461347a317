"""The core: what the mock serves, with no HTTP in it.

Kinds, seeding, timestamps, scenarios, configuration, generation, the columnar
``Ledger``, the store, the query engine and rendering. Imports no Flask,
Werkzeug or server, and nothing of ``mockserver``'s other layers; importing this
package costs nothing (``mockserver.core.kinds`` loads neither numpy nor Faker).
"""
