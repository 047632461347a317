"""An implementation of the contract written from scratch (see `app`), and its mutants."""

from tests.broken.registry import KeySet
from tests.independent.app import BUGS, IndependentApp
from tests.independent.ledger import KEYS, REVOKED_KEYS

__all__ = ["BUGS", "INDEPENDENT_KEYS", "KEYS", "MUTANT_RULES", "REVOKED_KEYS", "IndependentApp"]

INDEPENDENT_KEYS = KeySet(
    api_key="ind_live_acme_primary",
    second_key="ind_live_acme_ci",
    other_account_key="ind_live_globex",
    revoked_key="ind_live_acme_2023",
)
# Mutant of the independent implementation -> the rule the suite must report.
MUTANT_RULES = {
    "until-inclusive": "FILTER-UNTIL-EXCLUSIVE",
    "offset-off-by-one": "PAGE-CONCAT",
    "note-on-refund": "ITEM-NOTE-NON-ADMIN-NULL",
    "revoked-accepted": "AUTH-401-REVOKED",
    "kind-case-insensitive": "KIND-400",
    "float-balance": "ITEM-MONEY-DECIMALS",
    "octal-integers": "PARAM-INT-LEADING-ZEROS",
    "negative-offset-minutes": "FILTER-OFFSETS",
    "ci-key-stale-total": "TOTAL-INDEPENDENT",
}
