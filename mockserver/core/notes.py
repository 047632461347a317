"""Human text written with a seeded Faker: staff e-mails and ticket-style admin notes.

Faker's output may change between Faker releases; the golden digests in the tests
notice when it does. One Faker instance is shared and reseeded before every use,
under a lock, so its output depends on the seed alone.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

from .seeding import derive_seed

if TYPE_CHECKING:
    from faker import Faker

__all__ = ["account_actors", "admin_note", "prime", "staff_emails"]

_CREDIT_REASONS = (
    "failed {model} call burst",
    "{model} latency SLA breach",
    "duplicate charge reversal",
    "promo credit for {company}",
    "rate-limit incident on {model}",
)
_DEBIT_REASONS = (
    "reversal of duplicated refund",
    "chargeback on an earlier top-up",
    "expired promo credit",
    "manual correction of {model} rebate",
)
_NOTE_MODELS = ("Doubao", "DeepSeek", "Qwen", "GPT-4o", "Claude", "Gemini", "Llama")
_LOCK = threading.Lock()


@functools.cache
def _faker() -> Faker:
    # Imported on first use: Faker costs ~0.3 s to import and most requests never need it.
    from faker import Faker

    return Faker("en_US")


def prime() -> None:
    """Load Faker now (e.g. in a server's parent process, before workers fork)."""
    _faker()


def staff_emails(seed: int, *, count: int) -> tuple[str, ...]:
    """``count`` plausible ``first.last@bytespike.ai`` addresses for an account's admins."""
    with _LOCK:
        fake = _faker()
        fake.seed_instance(derive_seed(seed, "staff"))
        names = [(fake.first_name(), fake.last_name()) for _ in range(count)]
    return tuple(f"{first}.{last}@bytespike.ai".lower().replace(" ", "") for first, last in names)


@functools.lru_cache(maxsize=1024)
def account_actors(seed: int) -> tuple[str, ...]:
    """Who may adjust an account (two shared addresses, two staff); a pure function of ``seed``."""
    return ("ops@bytespike.ai", "billing@bytespike.ai", *staff_emails(seed, count=2))


def admin_note(seed: int, position: int, *, credit: bool) -> str:
    """A ticket-style note for the admin entry at ``position`` of an account."""
    with _LOCK:
        fake = _faker()
        fake.seed_instance(derive_seed(seed, "note", position))
        reason = fake.random_element(_CREDIT_REASONS if credit else _DEBIT_REASONS)
        model = fake.random_element(_NOTE_MODELS)
        company = fake.company()
        ticket = fake.random_int(min=100, max=99999)
    title = "Goodwill credit" if credit else "Manual correction"
    return f"{title} — {reason.format(model=model, company=company)}, ticket #{ticket}"
