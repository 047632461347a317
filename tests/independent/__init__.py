"""An implementation of the contract written from scratch (see `app`), and its mutants."""

from tests.independent.app import BUGS, IndependentApp
from tests.independent.ledger import KEYS, REVOKED_KEYS

__all__ = ["BUGS", "KEYS", "REVOKED_KEYS", "IndependentApp"]
