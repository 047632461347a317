"""``python -m mockserver`` is ``ledger-mock``."""

from .entry import main

main()
