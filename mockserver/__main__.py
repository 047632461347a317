"""``python -m mockserver`` is ``ledger-mock``."""

from .cli import main

main()
