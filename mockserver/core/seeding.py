"""Stable seed derivation and bijective integer mixing.

Python's built-in string hashing is salted per process, so every seed is derived with blake2b
instead: the same configuration gives the same data in every process and machine.
"""

from __future__ import annotations

import hashlib

__all__ = ["base36_13", "base62_11", "derive_seed", "mix64"]

_MASK64 = (1 << 64) - 1


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


_UPPER36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALPHABET62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Two digits per table lookup: half the divisions of a digit-by-digit conversion.
_PAIRS62 = tuple(a + b for a in _ALPHABET62 for b in _ALPHABET62)
_PAIRS36 = tuple(a + b for a in _UPPER36 for b in _UPPER36)


def base62_11(value: int) -> str:
    """11 base-62 digits of a 64-bit value (62**11 > 2**64, so never more, zero-padded)."""
    pairs = _PAIRS62
    value, a = divmod(value, 3844)
    value, b = divmod(value, 3844)
    value, c = divmod(value, 3844)
    value, d = divmod(value, 3844)
    value, e = divmod(value, 3844)
    return (pairs[value] + pairs[e] + pairs[d] + pairs[c] + pairs[b] + pairs[a])[1:]


def base36_13(value: int) -> str:
    """13 upper-case base-36 digits of a 64-bit value (zero-padded)."""
    pairs = _PAIRS36
    value, a = divmod(value, 1296)
    value, b = divmod(value, 1296)
    value, c = divmod(value, 1296)
    value, d = divmod(value, 1296)
    value, e = divmod(value, 1296)
    value, f = divmod(value, 1296)
    return (pairs[value] + pairs[f] + pairs[e] + pairs[d] + pairs[c] + pairs[b] + pairs[a])[1:]
