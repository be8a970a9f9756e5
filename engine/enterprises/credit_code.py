"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
31-character alphabet (the digits and the capitals less I, O, Z, S, V) —

- 1: the registering authority (1 机构编制, 5 民政, 9 工商/市场监管, Y 其他 …),
- 2: the kind of organisation under it,
- 3–8: the administrative division code (GB/T 2260) of the registering office,
- 9–17: the organisation's code (GB 11714),
- 18: a check character (weights 3^i mod 31), computed and checked by python-stdnum's
  ``stdnum.cn.uscc`` rather than by hand.

Pure functions: no database, so the register's import, the edit page and the demo share them.
"""
from __future__ import annotations

import re

from stdnum.cn import uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Registering authorities (the first character) the standard assigns.
AUTHORITIES = frozenset("123456789ABCDEFGNY")
_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def check_character(first17: str) -> str:
    """The 18th character for the first seventeen (ValueError on a character outside the alphabet)."""
    if len(first17) != 17:
        raise ValueError("the first 17 characters are needed")
    outside = [ch for ch in first17 if ch not in ALPHABET]
    if outside:
        raise ValueError(f"{outside[0]!r} is not in the code's alphabet")
    return uscc.calc_check_digit(first17)


def normalise(code: str) -> str:
    """As typed: spaces dropped, letters in capitals (codes are printed in capitals)."""
    return re.sub(r"\s+", "", code or "").upper()


def problem(code: str) -> str | None:
    """Why ``code`` (normalised) is not a unified social credit code, as a problem code, or None."""
    if len(code) != 18:
        return "credit_code_length"
    if not _SHAPE.fullmatch(code) or code[0] not in AUTHORITIES:
        return "credit_code_characters"
    if not uscc.is_valid(code):
        return "credit_code_check"
    return None


def is_valid(code: str) -> bool:
    return problem(normalise(code)) is None


def complete(first17: str) -> str:
    """The full code for its first seventeen characters (the demo's generated register)."""
    return first17 + check_character(first17)
