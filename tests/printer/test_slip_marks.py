"""What a visitor reads on the paper: the lane mark of a green-channel or appointment ticket,
and the one-time notice's item and 查询码, printed over a real pty and read back by the
simulator's interpreter."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from kiosk.notices import notice_slip
from kiosk.slips import ticket_slip
from printer import demo, layouts
from printer.sim_interpreter import Page, PrintedLine

TZ = ZoneInfo("Asia/Shanghai")


def ticket_reply(priority: str | None) -> dict[str, Any]:
    """A ``ticket.issue`` reply as the server gives it (``protocol.models.queue``)."""
    return {
        "id": "t-7",
        "number": "G003" if priority else "A012",
        "item_code": "residence_permit",
        "item_name": {"zh": "居住证办理", "en": "Residence permit"},
        "position": 0,
        "estimated_wait_s": 0,
        "issued_at": dt.datetime(2026, 11, 26, 9, 31, tzinfo=TZ).timestamp(),
        "priority": priority,
    }


def flat(page: Page) -> str:
    return "".join(ln.text for ln in page.lines)


def find(page: Page, words: str) -> PrintedLine:
    return next(ln for ln in page.lines if words in ln.text)


def ink(page: Page, ln: PrintedLine) -> np.ndarray:
    """The line's dots, from its first inked column to its last."""
    band = np.array(page.image.convert("L"))[ln.top : ln.top + ln.height] < 128
    cols = np.flatnonzero(band.any(axis=0))
    return band[:, cols[0] : cols[-1] + 1]


def solid_ends(page: Page, ln: PrintedLine, dots: int = 16) -> bool:
    """The band's padding: solid ink at both ends, before and after its words."""
    dots_ = ink(page, ln)
    return bool(dots_[:, :dots].mean() > 0.95 and dots_[:, -dots:].mean() > 0.95)


def dark_share(page: Page, ln: PrintedLine) -> float:
    """How much of the line is ink: black words on white are under half of it (bold Chinese at
    double height about 0.47), a white-on-black band most of it."""
    return float(ink(page, ln).mean())


@pytest.mark.parametrize(
    ("priority", "mark"),
    [("green", "绿色通道 Green channel"), ("appointment", "预约 Appointment")],
)
@pytest.mark.parametrize("profile", ["generic-80", "generic-58"])
def test_a_priority_ticket_carries_its_lane_as_a_band_under_the_number(pty_printer, profile, priority, mark):
    sim, printer = pty_printer(profile)
    slip = ticket_slip(ticket_reply(priority), "示范区政务服务中心", "https://hall.example.gov.cn/t/7", TZ)
    printer.print_document(layouts.ticket(slip, lang="zh+en"))  # as the kiosk prints it
    page = sim.wait_pages(1)[0]

    band = find(page, mark)
    assert band.text.strip() == mark and band.height_mult == 2  # one line, large, nothing cut off
    # White on black, solid past the words on both sides: it stands out from a step away.
    assert dark_share(page, band) > 0.65 > dark_share(page, find(page, "居住证办理"))
    assert solid_ends(page, band)
    number = find(page, "G003")
    assert page.lines.index(number) < page.lines.index(band) < page.lines.index(find(page, "居住证办理"))
    assert sim.interp.unknown == []


def test_the_lane_mark_in_one_language_and_none_for_walk_ins(pty_printer):
    sim, printer = pty_printer("generic-80")
    walk_in = ticket_slip(ticket_reply(None), "示范区政务服务中心", "https://hall.example.gov.cn/t/7", TZ)
    printer.print_document(layouts.ticket(walk_in, lang="zh+en"))
    printer.print_document(layouts.ticket(dataclasses.replace(walk_in, priority="green"), lang="zh"))
    printer.print_document(layouts.ticket(dataclasses.replace(walk_in, priority="appointment"), lang="en"))
    printer.print_document(layouts.ticket(dataclasses.replace(walk_in, priority="someday"), lang="zh"))
    plain, zh, en, unknown = sim.wait_pages(4)

    for text in (flat(plain), flat(unknown)):
        assert "绿色通道" not in text and "预约" not in text and "Appointment" not in text
    assert "someday" not in flat(unknown)  # a lane the layout does not know prints no code
    assert find(zh, "绿色通道").text.strip() == "绿色通道" and "Green" not in flat(zh)
    assert find(en, "Appointment").text.strip() == "Appointment" and "预约" not in flat(en)


def notice_reply() -> dict[str, Any]:
    """A ``case.notice_slip`` reply as the server gives it, with the item and the check code."""
    return {
        "case": "H01-20261126-0007",
        "check_code": "K7Q4M2",
        "notice": 1,
        "item_name": {"zh": "开办企业（设立登记）", "en": "Starting a business"},
        "materials": [
            {"code": "charter", "name": {"zh": "公司章程", "en": "Articles of association"},
             "note": {"zh": "原件", "en": "original"}},
            {"code": "lease", "name": {"zh": "住所使用证明", "en": "Proof of premises"}, "note": None},
        ],
        "where": {"zh": "示范区政务服务中心 5号企业服务窗口", "en": "Shifan centre, enterprise window 5"},
        "deadline": "2026-12-10",
        "officer": {"name": "陈晓梅", "phone": "0755-26010101"},
        "issued_at": "2026-11-26T10:05:00+08:00",
        "flagged": False,
    }


@pytest.mark.parametrize("profile", ["generic-80", "generic-58"])
def test_the_notice_names_the_item_and_the_check_code_next_to_the_case_number(pty_printer, profile):
    sim, printer = pty_printer(profile)
    printer.print_document(layouts.one_time_notice(notice_slip(notice_reply(), "zh"), "zh"))
    page = sim.wait_pages(1)[0]
    text = flat(page)

    assert "办理事项：开办企业（设立登记）" in text
    code = find(page, "K7Q4M2")
    assert code.text.startswith("查询码") and code.text.endswith("K7Q4M2")  # label and code on one row
    lines = [ln.text for ln in page.lines]
    case_at = next(i for i, t in enumerate(lines) if "H01-20261126-0007" in t)
    assert lines[case_at + 1] == code.text  # the two the progress page asks for, together
    assert "凭办件编号和查询码查询办理进度" in text
    assert "提交地点：示范区政务服务中心 5号企业服务窗口" in text  # the window as the server names it
    assert "1. 公司章程" in text and "2. 住所使用证明" in text
    assert sim.interp.unknown == []


def test_a_bilingual_notice_and_one_from_a_server_without_the_new_fields(pty_printer):
    sim, printer = pty_printer("generic-58")
    printer.print_document(layouts.one_time_notice(notice_slip(notice_reply(), "zh+en"), "zh+en"))
    old = {k: v for k, v in notice_reply().items() if k not in ("item_name", "check_code")}
    printer.print_document(layouts.one_time_notice(notice_slip(old, "zh"), "zh"))
    both, without = sim.wait_pages(2)

    assert "办理事项 Service: 开办企业（设立登记） Starting a business" in flat(both)
    assert find(both, "K7Q4M2").text.startswith("查询码 Check code")
    assert "查询码" not in flat(without) and "办理事项" not in flat(without)
    assert "H01-20261126-0007" in flat(without) and "1. 公司章程" in flat(without)


def test_the_demo_notice_shows_its_item_and_code(pty_printer):
    sim, printer = pty_printer("generic-80")
    printer.print_document(layouts.one_time_notice(demo.NOTICE))
    page = sim.wait_pages(1)[0]
    assert demo.NOTICE.item_name in flat(page) and demo.NOTICE.check_code in flat(page)


def test_a_wait_past_closing_promises_no_minutes(pty_printer):
    """A number taken late (the reply's ``beyond_closing``): the slip says the visitor may not
    be served today and gives the server's words, instead of "约 2 分钟" (issue 13)."""
    sim, printer = pty_printer("generic-80")
    late = {
        **ticket_reply(None),
        "position": 9,
        "estimated_wait_s": 120,
        "beyond_closing": True,
        "wait_notice": {
            "zh": "按目前进度，轮到您之前今日办公时间（至17:30）可能已结束，今日可能无法办理，可预约其他时段",
            "en": "At the current pace, today's service (until 17:30) may end before your turn",
        },
    }
    lunch = {**late, "beyond_closing": False, "wait_notice": {"zh": "等候期间有午间休息（12:00-14:00），预计 14:10 前后叫号", "en": "The wait includes the break"}}
    for reply in (late, lunch):
        printer.print_document(layouts.ticket(ticket_slip(reply, "示范区政务服务中心", "https://hall.example.gov.cn/t/7", TZ), lang="zh"))
    late_page, lunch_page = sim.wait_pages(2)

    text = flat(late_page)
    assert "今日可能无法办理" in find(late_page, "预计等候").text and "约 2 分钟" not in text
    assert "至17:30" in text and "可预约其他时段" in text
    assert "约 2 分钟" in flat(lunch_page) and "午间休息（12:00-14:00）" in flat(lunch_page)
