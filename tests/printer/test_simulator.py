"""The simulator is strict where printers are: it shows what a wrong byte stream would print."""

from __future__ import annotations

import json
import time

from escpos.printer import Dummy

from printer import demo, layouts
from printer.commands import CLEAR_BUFFERS, process_id_request
from printer.render import EscPosRenderer
from printer.simulator import send_control
from tests.printer.conftest import ink_height


def print_bytes(sim, data: bytes, pages: int = 1):
    conn = sim.attach_direct()
    conn.write(data)
    return sim.wait_pages(pages)[-1], conn


def test_chinese_without_fs_ampersand_prints_as_garbage(sim_factory):
    sim = sim_factory()
    page, _ = print_bytes(sim, b"\x1b@" + "排队号".encode("gb18030") + b"\n\x1dV\x01")
    assert "排队号" not in page.text and len(page.text) == 6  # six code-page characters
    page, _ = print_bytes(sim, b"\x1b@\x1c&" + "排队号".encode("gb18030") + b"\x1c.\n\x1dV\x01", 2)
    assert page.text == "排队号"


def test_what_python_escpos_sends_for_chinese_on_its_own_is_not_what_prints(sim_factory):
    sim = sim_factory()
    p = Dummy()
    p.text("请到3号窗口，谢谢。\n")
    p.cut()
    page, _ = print_bytes(sim, p.output)
    assert page.text != "请到3号窗口，谢谢。"  # hence our own FS & + encoding


def test_esc_exclamation_enlarges_ascii_only_and_gs_exclamation_enlarges_chinese_too(sim_factory):
    sim = sim_factory()
    esc = b"\x1b@\x1b!\x30\x1c&" + "号".encode("gbk") + b"\x1c.A\n"
    gs = b"\x1d!\x11\x1c&" + "号".encode("gbk") + b"\x1c.A\n"
    page, _ = print_bytes(sim, esc + gs + b"\x1dV\x01")
    (esc_line, gs_line) = page.lines
    left = 32  # the printable area starts 4 mm in; the Chinese character comes first on each line
    small = page.image.crop((left, 0, left + 24, page.image.height))
    large = page.image.crop((left, 0, left + 48, page.image.height))
    assert ink_height(small, esc_line.top, esc_line.top + esc_line.height) <= 24
    assert ink_height(large, gs_line.top, gs_line.top + gs_line.height) > 36


def test_alignment_and_the_printer_wrapping_a_line_too_long(sim_factory):
    sim = sim_factory("generic-58")
    page, _ = print_bytes(sim, b"\x1b@\x1ba\x01MID\n\x1ba\x00" + b"x" * 40 + b"\n\x1dV\x00")
    mid, first, rest = page.lines
    assert (mid.text, first.text, rest.text) == ("MID", "x" * 32, "x" * 8)  # 32 columns on 58 mm
    cols = (
        page.image.crop((0, mid.top, page.image.width, mid.top + mid.height))
        .convert("L")
        .point(lambda v: v < 128 and 255)
    ).getbbox()
    assert abs((cols[0] + cols[2]) / 2 - page.image.width / 2) < 8


def test_every_layout_uses_only_commands_the_simulator_knows(sim_factory):
    for profile in ("generic-80", "generic-80-gbk", "generic-58"):
        sim = sim_factory(profile)
        r = EscPosRenderer(profile)
        conn = sim.attach_direct()
        for lang in ("zh", "en", "zh+en"):
            conn.write(r.render(layouts.ticket(demo.TICKET, lang)))
            conn.write(r.render(layouts.one_time_notice(demo.NOTICE, lang)))
            conn.write(r.render(layouts.acceptance_receipt(demo.RECEIPT, lang)))
            conn.write(r.render(layouts.materials_checklist(demo.CHECKLIST, lang)))
        sim.wait_pages(12)
        assert sim.interp.unknown == []


def test_process_id_is_answered_only_after_the_job_prints_and_clear_drops_what_is_held(sim_factory):
    sim = sim_factory()
    sim.set_paper("end")
    job = EscPosRenderer("generic-80").render(layouts.ticket(demo.TICKET)) + process_id_request(42)
    conn = sim.attach_direct()
    conn.write(job)
    assert conn.read(0.2) == b""  # held, not printed, not acknowledged
    conn.write(b"\x10\x04\x04")
    assert conn.read(1) == bytes([0x7E])  # real-time status still answered
    conn.write(CLEAR_BUFFERS)
    assert conn.read(1) == b"\x37\x25\x00"
    sim.set_paper("ok")
    time.sleep(0.2)  # on purpose: time in which the cleared job must NOT come out
    assert sim.pages == [] and conn.read(0.1) == b""  # the cleared job never comes out
    conn.write(job)
    assert conn.read(2) == b"\x37\x22" + b"0042" + b"\x00"
    assert len(sim.pages) == 1


def test_paper_running_out_tears_the_page_and_the_rest_prints_after_reload(sim_factory):
    sim = sim_factory()
    sim.set_paper_left(15)
    conn = sim.attach_direct()
    conn.write(EscPosRenderer("generic-80").render(layouts.ticket(demo.TICKET)))
    torn = sim.wait_pages(1)[0]
    assert torn.torn and torn.path.name == "page-0001-torn.png"
    assert "A012" not in torn.text
    sim.set_paper("ok")
    rest = sim.wait_pages(2)[1]
    assert rest.continued and not rest.torn and "A012" in rest.text


def test_control_socket(sim_factory, tmp_path):
    sim = sim_factory()
    path = sim.start_control(tmp_path / "ctl.sock")
    assert send_control(path, "cover open")["cover_open"] is True
    assert send_control(path, "paper left 100 20")["paper_left_mm"] == 100.0
    assert send_control(path, "error autocutter")["status"] == ["0x3A", "0x56", "0x1A", "0x12"]
    assert "failed" in send_control(path, "make coffee")
    assert json.loads(sim.control("status"))["error"] == "autocutter"
