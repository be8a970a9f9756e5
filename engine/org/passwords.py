"""Staff password hashes (argon2id): the one place that decides how costly a hash is.

The cost is the defence against an attacker holding a copy of the user table, so production
always uses argon2-cffi's default profile (RFC 9106's low-memory choice). Only a test run may
ask for the cheapest parameters, by setting GREENLOOP_PASSWORD_HASH=fast (tests/conftest.py
does): the suite hashes and checks passwords in nearly every test, and at full cost that was
most of its run time. Whatever made a hash, checking it uses the parameters stored in it.
"""
from __future__ import annotations

import os
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

COST_VARIABLE = "GREENLOOP_PASSWORD_HASH"
STRONG = PasswordHasher()
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def hasher() -> PasswordHasher:
    return FAST if os.environ.get(COST_VARIABLE) == "fast" else STRONG


def fast_hashing() -> bool:
    return hasher() is FAST


def hash_password(password: str) -> str:
    return hasher().hash(password)


@cache
def _dummy_hash(chosen: PasswordHasher) -> str:
    return chosen.hash("greenloop-no-such-user")


def verify_password(digest: str | None, password: str) -> bool:
    """Whether ``password`` matches ``digest``. With no digest (no such account) a hash of the
    same cost is checked anyway, so the answer takes as long as for a wrong password."""
    chosen = hasher()
    try:
        return chosen.verify(digest or _dummy_hash(chosen), password) and bool(digest)
    except (VerificationError, InvalidHashError):
        return False
