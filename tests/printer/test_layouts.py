"""Layouts are pure: slip data in, a document with every field out, in the language asked."""

from __future__ import annotations

import dataclasses

from printer import demo, layouts
from printer.document import QR, Cut, Text


def all_text(doc) -> str:
    return "\n".join(doc.texts())


def test_ticket_carries_every_field_and_a_qr_to_the_live_page():
    doc = layouts.ticket(demo.TICKET)
    text = all_text(doc)
    for piece in (
        "深圳市南山区政务服务中心",
        "A012",
        "不动产登记（二手房转移）",
        "5 人",
        "约 15 分钟",
        "2026-11-26 09:31",
    ):
        assert piece in text
    assert demo.TICKET.advice in text
    assert doc.qr_codes() == [demo.TICKET.url]
    assert isinstance(doc.blocks[-1], Cut)
    number = next(b for b in doc.blocks if isinstance(b, Text) and b.text == "A012")
    assert number.width >= 4 and number.height >= 4  # the number is the largest thing on the slip


def test_chinese_is_the_default_english_on_request_and_bilingual_puts_chinese_first():
    zh, en, both = (all_text(layouts.ticket(demo.TICKET, lang)) for lang in ("zh", "en", "zh+en"))
    assert "前面等候" in zh and "Ahead" not in zh
    assert "Ahead" in en and "前面等候" not in en
    assert "前面等候 Ahead" in both
    assert both.index("微信/手机扫码查看实时排队进度") < both.index("Scan for your live position")


def test_ticket_without_estimate_or_wait_says_so():
    none = layouts.ticket(dataclasses.replace(demo.TICKET, estimated_wait_min=None))
    zero = layouts.ticket(dataclasses.replace(demo.TICKET, estimated_wait_min=0, people_ahead=0))
    assert "以叫号为准" in all_text(none)
    assert "无需等候" in all_text(zero) and "0 人" in all_text(zero)


def test_one_time_notice_lists_every_missing_material_where_by_when_and_who():
    text = all_text(layouts.one_time_notice(demo.NOTICE))
    for i, (name, note) in enumerate(demo.NOTICE.missing_materials, start=1):
        assert f"{i}. {name}" in text
        if note:
            assert note in text
    for piece in (
        "NS-20261126-000123",
        "3号综合窗口（一楼东侧）",
        "2026年12月03日",
        "李明",
        "0755-2612 3456",
    ):
        assert piece in text
    assert "不再要求您补充其他材料" in text


def test_acceptance_receipt_has_case_promised_date_check_code_and_progress_qr():
    doc = layouts.acceptance_receipt(demo.RECEIPT)
    text = all_text(doc)
    for piece in ("受理回执", "NS-20261126-000123", "食品经营许可（新办）", "2026年12月10日", "7Q4K"):
        assert piece in text
    assert doc.qr_codes() == [demo.RECEIPT.progress_url]


def test_materials_checklist_has_a_box_per_material():
    doc = layouts.materials_checklist(demo.CHECKLIST)
    lines = [b.text for b in doc.blocks if isinstance(b, Text) and b.text.startswith("□")]
    assert len(lines) == len(demo.CHECKLIST.materials)
    assert "□ 2. 营业执照复印件" in lines


def test_layouts_are_pure():
    assert layouts.ticket(demo.TICKET) == layouts.ticket(demo.TICKET)
    assert not any(isinstance(b, QR) for b in layouts.materials_checklist(demo.CHECKLIST).blocks)
