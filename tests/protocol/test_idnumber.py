"""The one set of ID-number rules (protocol/idnumber.py) the card reader, the printer and the
queue server share: the same numbers accepted and refused everywhere, masked the same way."""

from __future__ import annotations

import datetime as dt

import pytest

import idcard.errors
import idcard.idnumber
import printer.privacy
import queue_server.privacy
from protocol import idnumber
from protocol.idnumber import InvalidIdNumber, check_char, mask, mask_ids_in_text, problem, validate

TODAY = dt.date(2026, 6, 1)


def with_check(first17: str) -> str:
    """A number whose check character is right, so that only the other checks can fail."""
    return first17 + check_char(first17)


#: Valid check character, yet no such person: each breaks one rule other than the check.
IMPOSSIBLE = {
    "month 13": (with_check("11010519901301002"), "birth_date"),
    "30 February": (with_check("11010519900230002"), "birth_date"),
    "born in 2099": (with_check("11010520990101002"), "birth_future"),
    "born in 1800": (with_check("11010518000101002"), "birth_early"),
    "region 000000": (with_check("00000019900101002"), "region"),
    "province 99": (with_check("99010519900101002"), "region"),
}


@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_every_package_refuses_numbers_with_a_right_check_character_but_no_real_person(case: str) -> None:
    number, reason = IMPOSSIBLE[case]
    found = problem(number, today=TODAY)
    assert found is not None and found.reason == reason
    assert queue_server.privacy.id_number_problem(number, today=TODAY) is not None
    assert not idcard.idnumber.is_valid(number, today=TODAY)
    with pytest.raises(idcard.errors.InvalidIdNumber):
        idcard.idnumber.validate(number, today=TODAY)


@pytest.mark.parametrize(
    "number",
    [
        "110105490101001",  # 15-digit first-generation number: no check character, refused
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: str.isdigit() and int() take them
        "11010519491231002\u202e",
        "",
    ],
)
def test_only_18_ascii_characters_are_an_id_number(number: str) -> None:
    assert problem(number, today=TODAY) is not None
    assert not idnumber.looks_like_id_number(number)


def test_a_valid_number_passes_and_says_who_it_belongs_to() -> None:
    info = validate("11010519491231002x", today=TODAY)
    assert info.number == "11010519491231002X" and info.birth == dt.date(1949, 12, 31) and not info.male
    assert problem("360426199101010071", today=TODAY) is None


def test_the_safe_messages_never_contain_any_part_of_the_number() -> None:
    cases = [n for n, _ in IMPOSSIBLE.values()] + ["110105194912310021", "110105490101001"]
    for number in cases:
        e = problem(number, today=TODAY)
        assert e is not None and e.message and e.message_zh
        for part in (number[:6], number[6:14], number[12:]):
            assert part not in e.message and part not in e.message_zh


def test_the_card_packages_error_is_also_the_shared_one() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        idcard.idnumber.validate("110105194912310021", today=TODAY)
    e = caught.value
    assert isinstance(e, idcard.errors.IdCardError) and isinstance(e, ValueError)
    assert e.reason == "check" and "校验码应为 X" in str(e)  # the holder at the reader sees the detail


def test_one_copy_of_the_rules() -> None:
    assert printer.privacy.looks_like_id_number is idnumber.looks_like_id_number
    assert printer.privacy.mask_ids_in_text is idnumber.mask_ids_in_text
    assert idcard.idnumber.mask is idnumber.mask and idcard.idnumber.PROVINCES is idnumber.PROVINCES
    assert queue_server.privacy.mask_ids_in_text is idnumber.mask_ids_in_text


def test_masking_shows_first_four_and_last_four_and_finds_numbers_in_text() -> None:
    assert mask("11010519491231002X") == "1101**********002X"
    assert mask("12345678") == "********"
    text = "id 11010519491231002X, case NS-20261126-000001, hash ab11010519491231002Xcd, phone 13800138000"
    masked = mask_ids_in_text(text)
    assert "11010519491231002X," not in masked and "1101**********002X" in masked
    assert "NS-20261126-000001" in masked and "ab11010519491231002Xcd" in masked and "13800138000" in masked
