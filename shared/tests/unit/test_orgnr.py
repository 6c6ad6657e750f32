"""The organisation number's mod-11 check."""

import pytest

from outreach_shared.orgnr import is_valid_orgnr, with_check_digit


@pytest.mark.parametrize("orgnr", ["974760673", "923609016", "971524960", "991825827"])
def test_accepts_real_organisation_numbers(orgnr: str) -> None:
    assert is_valid_orgnr(orgnr)


@pytest.mark.parametrize("orgnr", ["974760674", "974760670", "923609015"])
def test_refuses_a_wrong_check_digit(orgnr: str) -> None:
    assert not is_valid_orgnr(orgnr)


def test_refuses_numbers_whose_check_digit_would_be_ten() -> None:
    # 4 * 3 = 12, remainder 1, check digit 11 - 1 = 10: no such number is valid.
    assert not any(is_valid_orgnr(f"40000000{d}") for d in range(10))


def test_accepts_check_digit_zero_when_remainder_is_zero() -> None:
    # 1 * 3 + 4 * 2 = 11, remainder 0: the check digit is 0, not 11.
    assert is_valid_orgnr("140000000")
    assert not is_valid_orgnr("140000001")


NOT_NINE_ASCII_DIGITS = ["", "97476067", "9747606730", "97476067a", "974 760 673", "٩٧٤٧٦٠٦٧٣", "９７４７６０６７３"]


@pytest.mark.parametrize("orgnr", NOT_NINE_ASCII_DIGITS)
def test_refuses_anything_but_nine_ascii_digits(orgnr: str) -> None:
    assert not is_valid_orgnr(orgnr)


def test_with_check_digit_completes_a_number_or_says_there_is_none() -> None:
    assert with_check_digit("97476067") == "974760673"
    assert with_check_digit("14000000") == "140000000"
    assert with_check_digit("40000000") is None
