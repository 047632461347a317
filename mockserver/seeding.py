"""Stable seed derivation and bijective integer mixing.

Python's built-in string hashing is salted per process, so every seed is derived with blake2b
instead: the same configuration gives the same data in every process and machine.
"""

from __future__ import annotations

import hashlib

__all__ = ["derive_seed", "mix64", "to_base"]

_MASK64 = (1 << 64) - 1
_ALPHABET62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any tuple of ints and strings, identical everywhere."""
    text = "\x1f".join(f"{type(part).__name__}:{part}" for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def mix64(value: int, salt: int) -> int:
    """A bijection of 64-bit integers (splitmix64's finaliser after a salt).

    Distinct inputs give distinct outputs, which is what makes derived receipt and
    request ids unique by construction rather than by luck.
    """
    z = (value + salt * 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def to_base(value: int, *, width: int, alphabet: str = _ALPHABET62) -> str:
    """Fixed-width digits of ``value`` in ``alphabet`` (left-padded, never truncated)."""
    base = len(alphabet)
    digits: list[str] = []
    while value or len(digits) < width:
        value, digit = divmod(value, base)
        digits.append(alphabet[digit])
    return "".join(reversed(digits))
