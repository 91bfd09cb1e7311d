"""GB 11643 ID numbers: check character, dates, regions, masking."""

from __future__ import annotations

import datetime as dt

import pytest

from idcard.errors import InvalidIdNumber
from idcard.idnumber import check_char, is_valid, mask, validate

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        "360426199101010071",
        "810000199408230021",
        "110105196205140024",
        "11010519491231002x",
    ],
)
def test_valid_numbers(number: str) -> None:
    info = validate(number, today=TODAY)
    assert info.number == number.upper()
    assert info.birth == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def test_x_check_character_and_sex() -> None:
    info = validate("11010519491231002X", today=TODAY)
    assert check_char("11010519491231002") == "X"
    assert info.birth == dt.date(1949, 12, 31) and not info.male  # sequence 002 is even
    assert validate("360426199101010071", today=TODAY).male  # 007 odd


def test_permit_numbers_are_recognised() -> None:
    assert validate("810000199408230021", today=TODAY).is_permit
    assert not validate("360426199101010071", today=TODAY).is_permit


def with_check(first17: str) -> str:
    """A number whose check character is right, so that only the other check can fail."""
    return first17 + check_char(first17)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "校验码"),  # X expected, 1 given
        ("11010519491231002", "17"),  # too short
        ("1101051949123100211", "17"),  # too long
        ("11010519491231002Y", "17"),  # bad character
        ("110105490101001", "15"),  # old 15-digit number
        (with_check("11010519900230002"), "impossible birth date"),  # 30 February
        (with_check("11010519901301002"), "impossible birth date"),  # month 13
        (with_check("11010519000229002"), "impossible birth date"),  # 1900 was not a leap year
        (with_check("11010520300101002"), "future"),
        (with_check("11010518790101002"), "too early"),
        (with_check("99010519900101002"), "region"),  # no province 99
    ],
)
def test_invalid_numbers(number: str, why: str) -> None:
    assert not is_valid(number, today=TODAY)
    with pytest.raises(InvalidIdNumber, match=why):
        validate(number, today=TODAY)


def test_errors_say_which_check_failed() -> None:
    with pytest.raises(InvalidIdNumber, match="校验码应为 X"):
        validate("110105194912310021", today=TODAY)
    with pytest.raises(InvalidIdNumber, match="impossible birth date"):
        validate("110105199002300021", today=TODAY)


def test_leap_day_is_a_real_date() -> None:
    number = "11010520000229" + "002"
    number += check_char(number)
    assert validate(number, today=TODAY).birth == dt.date(2000, 2, 29)


def test_masking_shows_first_four_and_last_four() -> None:
    assert mask("11010519491231002X") == "1101**********002X"
    assert mask("DEU110090052801") == "DEU1*******2801"
    assert mask("12345678") == "********"  # too short to show anything safely
