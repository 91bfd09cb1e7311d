"""Column counting, Chinese line breaking, ID masking."""

from __future__ import annotations

import pytest

from printer.privacy import looks_like_id_number, mask_id_number, mask_ids_in_text
from printer.text import NO_LINE_END, NO_LINE_START, columns, pad_row, wrap


def test_columns_count_chinese_and_full_width_punctuation_as_two():
    assert columns("A012") == 4
    assert columns("排队号") == 6
    assert columns("，。“”—") == 10  # full width on a Chinese-mode printer


@pytest.mark.parametrize("width", [16, 24, 32, 48])
def test_wrap_fits_the_width_and_keeps_every_character(width):
    text = (
        "您申请办理的事项尚缺以下材料，请一次备齐。补齐后请到3号窗口（综合窗口）提交。Please bring all of it."
    )
    lines = wrap(text, width)
    assert all(columns(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_never_starts_a_line_with_closing_punctuation_nor_ends_with_opening():
    text = "请留意叫号，过号需重新取号。材料（原件）须齐全，《告知书》所列之外不再要求。" * 3
    for width in range(8, 40, 2):
        for line in wrap(text, width):
            assert line[0] not in NO_LINE_START, (width, line)
            assert line[-1] not in NO_LINE_END, (width, line)


def test_wrap_keeps_english_words_whole_and_breaks_long_urls():
    lines = wrap("Scan for your live position: https://hall.example.gov.cn/t/A012-8f3a2c9d", 32)
    assert lines[0] == "Scan for your live position:"
    assert "".join(lines[1:]) == "https://hall.example.gov.cn/t/A012-8f3a2c9d"
    assert all(columns(line) <= 32 for line in lines)


def test_pad_row_right_aligns_the_value_or_moves_it_to_its_own_line():
    assert pad_row("前面等候", "5 人", 20) == ["前面等候" + " " * 8 + "5 人"]
    two = pad_row("办件编号 Case no.", "NS-20261126-000123", 32)
    assert two[0] == "办件编号 Case no." and two[1].endswith("NS-20261126-000123") and columns(two[1]) == 32


def test_id_numbers_are_masked_first_four_and_last_four():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("1234") == "****"


def test_free_text_masks_valid_id_numbers_but_not_case_or_phone_numbers():
    text = "申请人 11010519491231002X，代办人 360426199101010071；办件 202611260001234567；电话 13800138000"
    masked = mask_ids_in_text(text)
    assert "11010519491231002X" not in masked and "1101**********002X" in masked
    assert "3604**********0071" in masked
    assert "202611260001234567" in masked  # 18 digits, but no valid birth date / check character
    assert "13800138000" in masked
    assert looks_like_id_number("810000199408230021")
    assert not looks_like_id_number("110105194912310021")  # wrong check character
