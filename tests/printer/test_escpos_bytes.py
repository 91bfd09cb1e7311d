"""Byte level: what goes on the wire for Chinese, punctuation, QR codes, images and cuts."""

from __future__ import annotations

import dataclasses

import pytest
from escpos.printer import Dummy

from printer import demo, layouts
from printer.commands import FS_KANJI_OFF, FS_KANJI_ON
from printer.document import QR, Cut, Document, Text
from printer.glyphs import QR_BYTE_CAPACITY, default_glyphs, qr_matrix, qr_modules
from printer.render import EscPosRenderer, RenderError
from printer.sim_interpreter import EscPosInterpreter

PUNCTUATION = "，。、；：？！（）【】《》“”‘’…—·￥"


def qr_store_payloads(data: bytes) -> list[bytes]:
    """Data of every GS ( k <QR store> (cn=49 '1', fn=80 'P', m=48 '0') command."""
    out, pos = [], 0
    while (pos := data.find(b"\x1d(k", pos)) >= 0:
        size = data[pos + 3] + 256 * data[pos + 4]
        body = data[pos + 5 : pos + 5 + size]
        if body[:3] == b"1P0":
            out.append(body[3:])
        pos += 5 + size
    return out


def interpret(data: bytes, profile: str = "generic-80"):
    """Run bytes through the simulator's interpreter; the pages it printed."""
    from printer.profiles import get_profile

    p = get_profile(profile)
    pages = []
    it = EscPosInterpreter(
        dots=p.dots,
        paper_dots=p.paper_dots,
        encoding=p.encoding,
        glyphs=default_glyphs(),
        on_page=pages.append,
    )
    pos = 0
    while pos < len(data):
        nxt = it.step(data, pos)
        assert nxt is not None, f"incomplete command at {pos}: {data[pos : pos + 12]!r}"
        pos = nxt
    assert it.unknown == []
    return pages


@pytest.mark.parametrize(
    "profile,encoding", [("generic-80", "gb18030"), ("generic-58", "gbk"), ("generic-80-gbk", "gbk")]
)
def test_chinese_is_sent_after_fs_ampersand_in_the_profiles_encoding(profile, encoding):
    data = EscPosRenderer(profile).render(layouts.ticket(demo.TICKET))
    for text in ("排队号", "不动产登记（二手房转移）", "前面等候"):
        assert FS_KANJI_ON + text.encode(encoding) in data
    # Every Chinese run is closed with FS . before the line feed.
    assert data.count(FS_KANJI_ON) == data.count(FS_KANJI_OFF)
    assert data.count(FS_KANJI_ON) >= 8
    # And the printer, interpreting the stream, decodes every line in Chinese mode.
    page = interpret(data, profile)[0]
    assert "不动产登记（二手房转移）" in page.text
    assert all(line.kanji for line in page.lines if not line.text.isascii())


def test_full_width_punctuation_survives_where_python_escpos_alone_loses_it():
    doc = Document("p", (Text("标点" + PUNCTUATION), Cut()))
    for profile, encoding in (("generic-80", "gb18030"), ("generic-80-gbk", "gbk"), ("generic-58", "gbk")):
        data = EscPosRenderer(profile).render(doc)
        if profile != "generic-58":  # one line on 80 mm; wrapped on 58 mm
            assert FS_KANJI_ON + ("标点" + PUNCTUATION).encode(encoding) + FS_KANJI_OFF in data
        assert b"?" not in data
        assert interpret(data, profile)[0].text.replace("\n", "") == "标点" + PUNCTUATION
    # What python-escpos 3.1 does on its own (DEVICES.md): no FS &, punctuation alone → "?"
    naive = Dummy()
    naive.text("，")
    assert FS_KANJI_ON not in naive.output and b"?" in naive.output


def test_qr_store_command_carries_exactly_the_ticket_url():
    data = EscPosRenderer("generic-80").render(layouts.ticket(demo.TICKET))
    assert qr_store_payloads(data) == [demo.TICKET.url.encode("utf-8")]
    assert b"\x1d(k\x03\x001Q0" in data  # and prints it
    assert b"\x1d(k\x04\x001A2\x00" in data  # model 2


def test_printer_without_native_qr_gets_a_raster_image_instead():
    data = EscPosRenderer("generic-58").render(layouts.ticket(demo.TICKET))
    assert qr_store_payloads(data) == []
    assert b"\x1dv0" in data  # GS v 0 raster


def test_qr_module_shrinks_to_fit_and_too_long_data_is_refused():
    long_url = "https://hall.example.gov.cn/p/" + "x" * 300
    data = EscPosRenderer("generic-58").render(Document("q", (QR(long_url, module=8), Cut())))
    width_bytes = data[data.find(b"\x1dv0") + 4]
    assert width_bytes * 8 <= 384
    with pytest.raises(RenderError):
        EscPosRenderer("generic-58").render(Document("q", (QR("x" * 700),)))


def test_qr_capacity_table_matches_the_encoder():
    for ec, caps in QR_BYTE_CAPACITY.items():
        for version, cap in enumerate(caps[:12], start=1):
            assert len(qr_matrix(b"\xff" * cap, ec)) == 17 + 4 * version
            assert qr_modules(cap + 1, ec) == 17 + 4 * (version + 1)


@pytest.mark.parametrize("profile,cut", [("generic-80", b"\x1dV\x01"), ("generic-58", b"\x1dV\x00")])
def test_every_slip_ends_with_the_profiles_cut(profile, cut):
    r = EscPosRenderer(profile)
    for doc in (
        layouts.ticket(demo.TICKET),
        layouts.one_time_notice(demo.NOTICE),
        layouts.acceptance_receipt(demo.RECEIPT),
        layouts.materials_checklist(demo.CHECKLIST),
    ):
        data = r.render(doc)
        assert data.startswith(b"\x1b@") and data.endswith(cut)


def test_a_character_the_printer_font_lacks_is_printed_as_an_image_not_a_question_mark():
    slip = dataclasses.replace(demo.NOTICE, officer_name="王䶮")  # 䶮 is in GB18030 only
    gbk = EscPosRenderer("generic-58").render(layouts.one_time_notice(slip))
    assert "王䶮".encode("gb18030") not in gbk
    page = interpret(gbk, "generic-58")[0]
    assert page.images == 1  # the notice has no QR code: the image is that line
    assert "?" not in page.text and "？" not in page.text
    gb18030 = EscPosRenderer("generic-80").render(layouts.one_time_notice(slip))
    assert "王䶮".encode("gb18030") in gb18030


def test_id_numbers_never_reach_the_printer_unmasked():
    slip = dataclasses.replace(demo.CHECKLIST, materials=("申请人身份证 11010519491231002X 原件",))
    data = EscPosRenderer("generic-80").render(layouts.materials_checklist(slip))
    assert b"11010519491231002X" not in data
    assert b"1101**********002X" in data


def test_caller_text_cannot_inject_printer_commands():
    slip = dataclasses.replace(demo.TICKET, advice="请稍候\x1b@\x1dV\x00\x10\x14\x08")
    data = EscPosRenderer("generic-80").render(layouts.ticket(slip))
    assert data.count(b"\x1b@") == 1 and data.count(b"\x1dV") == 1 and b"\x10\x14" not in data


def test_large_text_is_sized_with_gs_exclamation_so_chinese_grows_too():
    data = EscPosRenderer("generic-80").render(layouts.ticket(demo.TICKET))
    assert b"\x1d!\x33" in data  # GS ! 4x4 before the number
    assert b"\x1b!\x30" not in data  # not ESC !, which leaves Chinese characters small


def test_fast_mask_choice_builds_exactly_the_symbol_segno_makes_with_that_mask():
    import numpy as np
    import segno

    from printer.glyphs import best_mask

    same_choice = 0
    urls = [f"https://hall.example.gov.cn/t/A{i:03d}-{i * 7919:08x}" for i in range(60)]
    for url in urls:
        first = segno.make_qr(url, error="m", boost_error=False, mask=0)
        best, _ = best_mask(np.array(first.matrix, dtype=np.uint8))
        assert qr_matrix(url) == segno.make_qr(url, error="m", boost_error=False, mask=best).matrix
        same_choice += qr_matrix(url) == segno.make_qr(url, error="m", boost_error=False).matrix
    # segno scores before adding format information, we after: the choice agrees most of the time
    assert same_choice >= 0.6 * len(urls)
