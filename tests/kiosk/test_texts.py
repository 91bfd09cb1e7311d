"""The kiosk's bilingual text table."""

from __future__ import annotations

import logging
import re
import string
from collections import Counter

import pytest

from kiosk.texts import TEXTS, T, Text

HOME_BUTTONS = {
    "take_number": ("取号", "Take a number"),
    "appointment_checkin": ("预约签到", "Appointment check-in"),
    "service_guides": ("办事指南", "Service guides"),
    "self_service": ("自助申报", "Self-service application"),
    "track_case": ("办件查询", "Track my case"),
    "print_certificate": ("证照打印", "Print my certificate"),
    "rate_service": ("服务评价", "Rate our service"),
    "complaint": ("投诉建议", "Complaint"),
    "call_staff": ("呼叫工作人员", "Call staff for help"),
    "elder_mode": ("长辈版", "Elder mode"),
    "back": ("返回", "Back"),
    "home": ("首页", "Home"),
}


def blanks(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


def test_every_entry_has_both_languages() -> None:
    for key, text in TEXTS.items():
        assert isinstance(text, Text)
        assert text.zh.strip() and text.en.strip(), key
        assert text.zh == text.zh.strip() and text.en == text.en.strip(), key


def test_keys_are_short_snake_case() -> None:
    for key in TEXTS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key) and len(key) <= 24, key


def test_no_two_keys_share_a_chinese_text() -> None:
    twice = [zh for zh, n in Counter(t.zh for t in TEXTS.values()).items() if n > 1]
    assert twice == []


def test_blanks_are_the_same_in_both_languages() -> None:
    for key, text in TEXTS.items():
        assert blanks(text.zh) == blanks(text.en), key


def test_home_buttons_and_required_messages() -> None:
    for key, (zh, en) in HOME_BUTTONS.items():
        assert (T(key), T(key, "en")) == (zh, en)
    assert T("idle_more_time") == "还需要更多时间吗？" and T("idle_more_time", "en") == "Do you need more time?"
    assert "平放" in T("card_hold_still") and "flat" in T("card_hold_still", "en")
    for key in ("server_unreachable", "printer_out_of_paper", "scanner_failed", "camera_failed",
                "reader_failed", "slip_kept_paper_end"):
        assert key in TEXTS


def test_every_card_failure_and_kept_slip_has_its_sentence() -> None:
    from kiosk.hardware import CARD_FAILURES, KEPT_TEXT

    assert all(f"card_{kind}" in TEXTS for kind in CARD_FAILURES)
    assert all(key in TEXTS for key in KEPT_TEXT.values())


def test_chinese_is_the_default_and_blanks_fill() -> None:
    assert T("people_ahead", n=3) == "前面还有 3 人"
    assert T("people_ahead", "en", n=3) == "3 people ahead of you"
    assert T("idle_returning", "EN", seconds=10) == "Returning to the home screen in 10 s"
    assert TEXTS["back"].get() == "返回" and TEXTS["back"].get("en-US") == "Back"


def test_unknown_key_is_logged_and_shown_as_itself(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="kiosk.texts"):
        assert T("take_numbr") == "take_numbr"
    assert "take_numbr" in caplog.text
