"""The unified social credit code's check character (GB 32100-2015), on real codes."""
import pytest

from engine.enterprises.credit_code import check_character, complete, is_valid, normalise, problem

REAL = ["91350100M000100Y43",  # the standard's own example
        "9144030071526726XG", "91330100716105852F", "914403001922038216", "91110000100017643K"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass_and_their_check_character_is_computed(code):
    assert problem(code) is None and is_valid(code.lower())
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code,expected", [
    ("91350100M000100Y44", "credit_code_check"),  # one character off
    ("91350100M000100Y4", "credit_code_length"),
    ("91350100M000100I43", "credit_code_characters"),  # I is not in the alphabet
    ("Z1350100M000100Y43", "credit_code_characters"),  # no such registering authority
    ("913501A0M000100Y43", "credit_code_characters"),  # the division code is digits
])
def test_wrong_codes_say_why(code, expected):
    assert problem(code) == expected


def test_a_swapped_pair_is_caught_and_spaces_and_case_do_not_matter():
    assert problem("93150100M000100Y43") == "credit_code_check"
    assert normalise(" 9135 0100m000100y43 ") == "91350100M000100Y43"
    assert complete("91350100M000100Y4") == "91350100M000100Y43"
