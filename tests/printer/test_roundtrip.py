"""Layout → ESC/POS → real pty or TCP → simulator → PNG, checked as a visitor would look at it."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image

from printer import demo, layouts
from printer.text import columns
from tests.printer.conftest import decode_qr, ink_height


def line(page, text):
    return next(ln for ln in page.lines if ln.text == text)


@pytest.mark.parametrize("profile", ["generic-80", "generic-58"])
def test_ticket_over_a_pty_reads_back_qr_and_shows_a_big_number(pty_printer, profile):
    sim, printer = pty_printer(profile)
    printer.print_document(layouts.ticket(demo.TICKET))
    page = sim.wait_pages(1)[0]

    assert page.path is not None and page.path.exists()
    png = Image.open(page.path)
    assert png.width == sim.profile.paper_mm * 8
    assert decode_qr(png) == demo.TICKET.url  # what a phone reads off the paper

    number, ordinary = line(page, "A012"), line(page, "前面等候" + " " * (sim.profile.chars - 12) + "5 人")
    number_ink = ink_height(png, number.top, number.top + number.height)
    text_ink = ink_height(png, ordinary.top, ordinary.top + ordinary.height)
    assert number_ink >= 60  # at least 7.5 mm tall at 8 dots/mm
    assert number_ink >= 3 * text_ink

    for text in (
        "深圳市南山区政务服务中心",
        "不动产登记（二手房转移）",
        "温馨提示：请留意叫号，过号需重新取号。",
    ):
        assert text in page.text.replace("\n", "")
    assert sim.interp.unknown == []


def test_ticket_over_tcp_port_9100_style(tcp_printer):
    sim, printer = tcp_printer("generic-80")
    slip = dataclasses.replace(demo.TICKET, number="B107", url="https://hall.example.gov.cn/t/B107-77aa")
    printer.print_document(layouts.ticket(slip))
    page = sim.wait_pages(1)[0]
    assert decode_qr(page.image) == slip.url
    assert line(page, "B107").height == 96  # 4 x 24 dots


def test_bilingual_ticket_fits_58mm_without_the_printer_wrapping_anything(pty_printer):
    sim, printer = pty_printer("generic-58")
    doc = layouts.ticket(demo.TICKET, "zh+en")
    printer.print_document(doc)
    page = sim.wait_pages(1)[0]
    for ln in page.lines:
        assert columns(ln.text) * ln.width_mult <= 32, ln.text
    assert "排队号 Your number" in page.text and "Scan for your live position" in page.text
    assert decode_qr(page.image) == demo.TICKET.url


@pytest.mark.parametrize("profile", ["generic-80", "generic-58"])
def test_notice_receipt_and_checklist_come_out_whole(pty_printer, profile):
    sim, printer = pty_printer(profile)
    printer.print_document(layouts.one_time_notice(demo.NOTICE))
    printer.print_document(layouts.acceptance_receipt(demo.RECEIPT))
    printer.print_document(layouts.materials_checklist(demo.CHECKLIST))
    notice, receipt, checklist = sim.wait_pages(3)

    flat = notice.text.replace("\n", "")
    for name, note in demo.NOTICE.missing_materials:
        assert name in flat and note.replace(" ", "") in flat.replace(" ", "")
    assert "李明" in flat and "0755-2612 3456" in flat and "2026年12月03日" in flat

    assert "7Q4K" in receipt.text and "2026年12月10日" in receipt.text
    assert decode_qr(receipt.image) == demo.RECEIPT.progress_url

    assert checklist.text.count("□") == len(demo.CHECKLIST.materials)
    assert [p.cut for p in (notice, receipt, checklist)] == [sim.profile.cut] * 3
