"""Visitors' stories at the kiosk, tapped on the real widgets, against a real queue server and
the device simulators: card first (today's appointment, an open case, the first-inquiry clerk),
pinyin search, track my case, rating and complaint stored, the print station, idle reset, help,
elder mode's sizes, and a screenshot of every screen in both orientations.

The hall runs in a time zone where it is mid-morning now, so today's appointment slots are
open whatever the hour the tests run at (the slots are 09:00–17:00 local time).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from PIL import Image

from protocol.idnumber import check_char
from tests.kiosk.rig import KioskRig
from tests.support.hall import ROOT, HallProcess, run_cli


def mid_morning_zone() -> str:
    """An Etc/GMT zone where the local time now is between 09:30 and 10:30."""
    now = dt.datetime.now(dt.UTC)
    offset = (10 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def hall_with(var: Path, **rules: Any) -> HallProcess:
    """A hall (not started) whose local time is mid-morning, with these ``rules`` besides."""
    config = yaml.safe_load((ROOT / "config" / "hall.yaml").read_text(encoding="utf-8"))
    config["rules"].update(timezone=mid_morning_zone(), **rules)
    var.mkdir(parents=True, exist_ok=True)
    (var / "hall.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    run_cli("init", "--config", str(var / "hall.yaml"), var=var, db=h.db)
    h.enroll("kiosk-1")
    return h


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = hall_with(tmp_path_factory.mktemp("visits"))
    h.tokens = {  # type: ignore[attr-defined]
        "clerk": h.token("clerk", clerk="c01"),  # at window 1
        "health": h.token("clerk", clerk="d-health"),
        "manager": h.token("manager"),
    }
    h.start()
    yield h
    h.stop()


def call(hall: HallProcess, method: str, path: str, role: str | None = None, body: Any = None,
         status: int = 200) -> Any:
    headers = {"Authorization": f"Bearer {hall.tokens[role]}"} if role else {}  # type: ignore[attr-defined]
    r = requests.request(method, f"{hall.http}/api/v1{path}", json=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def person(name: str, first17: str, birth: str) -> Any:
    from idcard.cardfile import sample

    sex = "1" if int(first17[16]) % 2 else "2"  # the number's 17th digit says the holder's sex
    return dataclasses.replace(sample("resident_long_term"), name=name, id_number=first17 + check_char(first17),
                               birth=dt.date.fromisoformat(birth), sex_code=sex)


def local_now(hall: HallProcess) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(mid_morning_zone()))


def current_slot(now: dt.datetime) -> str:
    minute = 0 if now.minute < 30 else 30
    return f"{now.hour:02d}:{minute:02d}"


def submit_case(hall: HallProcess, card: Any, item: str = "C-WJ-002") -> dict[str, Any]:
    body = {"item_code": item, "id_number": card.id_number, "name": card.name,
            "materials": ["id_card", "application_form"]}
    return call(hall, "POST", "/cases", "clerk", body, status=201)


@pytest.fixture
def rig(hall: HallProcess, tmp_path: Path) -> Iterator[KioskRig]:
    r = KioskRig(hall, tmp_path / "kiosk")
    yield r
    r.close()


def sign_in(rig: KioskRig, card: Any) -> None:
    rig.sim.remove_card()  # a card left on the reader is read once: lifted and placed again
    rig.settle(0.3)
    rig.sim.place_card(card)
    rig.pump(lambda: rig.app.visit.visitor is not None and rig.app.visit.known, timeout=15)
    rig.settle(0.2)


# ------------------------------------------------------------------ card first
def test_card_first_offers_todays_appointment_and_the_open_case(hall: HallProcess, rig: KioskRig) -> None:
    card = person("李文芳", "11010519620514004", "1962-05-14")  # 64: elder mode is offered
    now = local_now(hall)
    booked = call(hall, "POST", "/appointments", None, {
        "item_code": "C-SB-001", "day": now.date().isoformat(), "slot": current_slot(now),
        "id_number": card.id_number, "name": card.name}, status=201)
    case = submit_case(hall, card)
    sign_in(rig, card)
    assert rig.shows("长辈版"), "a visitor of 60 or more is offered elder mode"
    rig.screenshot("elder-offer")
    rig.tap_text("不用了")
    assert rig.shows("您好，李*芳") and not rig.shows(card.id_number)
    rig.pump(lambda: rig.shows("预约签到：") and rig.shows("继续办理："))
    rig.screenshot("card-first-landscape")

    rig.tap_text("继续办理：")  # back to the first-inquiry clerk who took the case
    rig.at("confirm")
    assert rig.shows("1 号窗口 陈晓梅")
    rig.tap_text("确认取号")
    rig.at("ticket")
    assert rig.app.visit.ticket["first_inquiry_clerk"] == "c01" and rig.shows("已为您预留首问工作人员")
    rig.tap_text("首页")

    rig.tap_text("预约签到：")
    rig.at("ticket", timeout=15)
    ticket = rig.app.visit.ticket
    assert ticket["appointment"] == booked["code"] and not ticket.get("late")
    assert any("按预约优先" in t for t in rig.texts())
    rig.sim.wait_pages(2, timeout=10)
    assert case["id"] in {c["case"] for c in rig.app.visit.known["open_cases"]}


def test_pinyin_initials_find_the_item_on_our_keyboard(rig: KioskRig) -> None:
    rig.tap_text("取号")
    rig.tap_text("按名称或拼音查找")
    rig.at("search")
    kb = rig.screen.ids.keyboard

    def press(keys: str) -> None:
        for key in keys:
            rig.tap(next(k for line in kb.keys.children for k in line.children if k.ref == key))

    press("SB")
    rig.pump(lambda: kb.candidates)  # the candidate bar offers the phrases the letters spell
    assert all(ref.startswith("phrase:") for _shown, ref in kb.candidates)
    press("K")
    rig.pump(lambda: rig.shows("社会保障卡"))
    assert kb.text == "sbk"
    rig.screenshot("search-landscape")
    rig.tap_text("社会保障卡")
    rig.at("confirm")
    assert rig.app.visit.item_code.startswith("C-SB-")


def test_track_my_case_by_card_shows_officer_deadline_and_steps(hall: HallProcess, rig: KioskRig) -> None:
    card = person("周明远", "31010419800101003", "1980-01-01")
    case = submit_case(hall, card)
    sign_in(rig, card)
    rig.tap_text("办件查询")
    rig.at("track")
    rig.tap_text("查看我的办件")
    rig.at("progress", timeout=15)
    assert rig.shows(case["id"]) and rig.shows("经办人：陈晓梅") and rig.shows("0755-26010101")
    assert rig.shows("承诺办结日期：")
    rig.screenshot("progress-landscape")


def serve(hall: HallProcess, ticket_id: str) -> None:
    """The clerk at window 1 calls until this ticket comes, completing every one called."""
    for _ in range(50):
        called = call(hall, "POST", "/windows/1/call-next", "clerk", {})
        tid = (called.get("ticket") or called).get("id")
        call(hall, "POST", f"/tickets/{tid}/complete", "clerk", {})
        if tid == ticket_id:
            return
    raise AssertionError("the ticket was never called")


def test_a_rating_and_a_complaint_reach_the_hall(hall: HallProcess, rig: KioskRig) -> None:
    card = person("吴海燕", "44030419850202004", "1985-02-02")
    sign_in(rig, card)
    rig.tap_text("取号")
    rig.tap_text("个人办事")
    rig.tap_text("社会保障")
    rig.tap_text("城乡居民养老保险参保登记")
    rig.tap_text("确认取号")
    rig.at("ticket")
    serve(hall, rig.app.visit.ticket["id"])
    rig.tap_text("完成")  # the visit ends; she comes back to rate
    sign_in(rig, card)
    rig.pump(lambda: rig.shows("评价服务："))
    rig.tap_text("评价服务：")
    rig.at("rate")
    assert rig.shows("满意吗")
    rig.screenshot("rate-landscape")
    rig.tap_text("不满意")
    rig.pump(lambda: rig.shows("感谢您的评价"))
    follow_ups = call(hall, "GET", "/follow-ups", "manager")
    assert "window" in str(follow_ups) and "2" in str(follow_ups)  # a bad rating opens a follow-up
    rig.dismiss_overlays()

    rig.tap_text("首页")
    rig.tap_text("投诉建议")
    rig.at("complaint")
    rig.tap_text("服务态度")
    rig.tap_text("等候时间太长")
    rig.tap_text("联系电话")
    kb = rig.screen.ids.keyboard
    for digit in "13812345678":
        rig.tap(next(k for line in kb.keys.children for k in line.children if k.ref == digit))
    rig.screenshot("complaint-landscape")
    rig.tap_text("提交投诉")
    rig.pump(lambda: rig.shows("投诉已提交"))
    listed = call(hall, "GET", "/complaints", "manager")
    mine = [c for c in listed["complaints"] if c["text"] == "等候时间太长"]
    assert [(c["category"], c["phone"]) for c in mine] == [("attitude", "138****5678")]
    # The number and check code the kiosk showed open the complaint's progress for the citizen.
    said = " ".join(t for o in rig.overlays() for t in rig.texts(o))
    shown = re.search(r"编号 (\S+)，查询码 (\S+)（", said)
    assert shown is not None and shown.group(1) == mine[0]["id"], said
    progress = requests.get(f"{hall.http}/api/v1/complaints/{shown.group(1)}/progress", params={"code": shown.group(2)}, timeout=10)
    assert progress.status_code == 200 and progress.json()["state"] == "filed", progress.text


def test_a_complaint_needs_a_category_what_happened_and_a_phone(rig: KioskRig) -> None:
    rig.tap_text("投诉建议")
    rig.at("complaint")
    s = rig.screen

    def refused(message: str) -> bool:
        said = [t for o in rig.overlays() for t in rig.texts(o)]
        rig.dismiss_overlays()
        return message in said

    assert s.body() is None and refused("请选择投诉类别")
    s.choose("facilities")
    assert s.body() is None and refused("请选择或填写发生了什么")
    s.ids.text.text = "空调太冷"
    for bad in ("", "1381234567", "12812345678", "\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"):
        s.ids.phone.text = bad
        assert s.body() is None and refused("请填写可以联系到您的电话号码")
    s.ids.phone.text = "0755-26010101"
    assert s.body() == {"category": "facilities", "text": "空调太冷", "phone": "0755-26010101"}


def test_help_is_on_the_managers_list(hall: HallProcess, rig: KioskRig) -> None:
    rig.tap_text("呼叫工作人员")
    rig.at("help")
    rig.pump(lambda: rig.shows("已通知工作人员"))
    assert "kiosk-1" in str(call(hall, "GET", "/help-calls", "manager"))
    rig.screenshot("help-landscape")


def test_idle_clears_the_visitor_after_the_countdown(hall: HallProcess, tmp_path: Path) -> None:
    rig = KioskRig(hall, tmp_path / "kiosk", idle_s=1.5, countdown_s=2)
    try:
        sign_in(rig, person("郑小雨", "32010219900303005", "1990-03-03"))
        rig.tap_text("办事指南")
        rig.pump(lambda: rig.shows("还需要更多时间吗"), timeout=10)
        shot = rig.screenshot("idle-countdown")
        # The question is drawn on the white card its contrast is checked against (it once
        # sat on Kivy's own dark panel image, where it could not be read).
        question = rig.overlays()[0].box.children[-1]
        x, y = question.to_window(question.x + 4, question.center_y)
        img = Image.open(shot).convert("RGB")
        assert min(img.getpixel((int(x), img.height - int(y)))) > 240
        rig.pump(lambda: rig.app.visit.visitor is None and rig.screen.name == "home", timeout=10)
        rig.pump(lambda: not rig.overlays(), timeout=2)  # the countdown fades out
        assert rig.shows("请将身份证放在读卡区")
    finally:
        rig.close()


def test_print_station_prints_the_holders_certificate(hall: HallProcess, tmp_path: Path) -> None:
    card = person("钱佳怡", "33010619880808006", "1988-08-08")
    case = submit_case(hall, card)
    handed = ["physician_qualification", "health_certificate", "employment_letter", "photo"]  # the rest, at the window
    call(hall, "POST", f"/cases/{case['id']}/accept", "clerk", {"materials": handed})
    call(hall, "POST", f"/cases/{case['id']}/review", "clerk", {})
    call(hall, "POST", f"/cases/{case['id']}/decide", "health", {"decision": "approved"})
    rig = KioskRig(hall, tmp_path / "station", mode="print-station")
    try:
        assert rig.screen.name == "certificates" and not rig.app.root.has_screen("stream")
        rig.sim.show("face")
        sign_in(rig, card)
        rig.pump(lambda: rig.shows("请选择要打印的证照"), timeout=15)
        rig.screenshot("print-station-landscape")
        rig.tap_text("医师执业")
        rig.pump(lambda: rig.shows("证照已打印"), timeout=20)
        pdfs = list((tmp_path / "station" / "certificates").glob("*.pdf"))
        assert len(pdfs) == 1 and pdfs[0].stat().st_size > 1000
    finally:
        rig.close()


def test_no_tickets_left_today_offers_the_next_appointment(tmp_path: Path) -> None:
    hall = hall_with(tmp_path / "hall", daily_caps={"C-SB-001": 1})
    hall.start()
    rig = KioskRig(hall, tmp_path / "kiosk")
    try:
        for attempt in range(2):
            if attempt:
                rig.tap_text("首页")
            rig.tap_text("取号")
            rig.tap_text("个人办事")
            rig.tap_text("社会保障")
            rig.tap_text("城乡居民养老保险参保登记")
            rig.tap_text("确认取号")
            rig.at("no_ticket" if attempt else "ticket")
            if not attempt:
                assert rig.app.visit.ticket["number"] == "A001"
        assert rig.app.visit.ticket is None and rig.shows("可以预约")  # the second: none left today
        rig.screenshot("no-ticket-landscape")
        rig.tap_text("刷身份证预约此时段")
        rig.pump(lambda: rig.shows("预约需要刷身份证"))  # a booking needs the card
        rig.dismiss_overlays()
        card = person("孙立新", "51010719750707007", "1975-07-07")
        sign_in(rig, card)
        rig.tap_text("刷身份证预约此时段")
        rig.pump(lambda: rig.shows("预约成功"), timeout=15)
    finally:
        rig.close()
        hall.stop()


def test_outside_opening_hours_the_kiosk_says_so(tmp_path: Path) -> None:
    every_day = {d: ["14:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    hall = hall_with(tmp_path / "hall", hours=every_day, holidays_closed=False)
    hall.start()
    rig = KioskRig(hall, tmp_path / "kiosk")
    try:
        rig.tap_text("取号")
        rig.tap_text("个人办事")
        rig.tap_text("社会保障")
        rig.tap_text("城乡居民养老保险参保登记")
        rig.tap_text("确认取号")
        rig.at("no_ticket")
        assert rig.app.visit.ticket is None and rig.shows("14:00")
    finally:
        rig.close()
        hall.stop()


def press(rig: KioskRig, keys: str) -> None:
    kb = rig.screen.ids.keyboard
    for key in keys.upper():
        rig.tap(next(k for line in kb.keys.children for k in line.children if k.ref == key))


def test_track_by_the_receipts_qr_and_by_number_and_check_code(hall: HallProcess, rig: KioskRig) -> None:
    case = submit_case(hall, person("冯子健", "37010219870909008", "1987-09-09"))
    rig.tap_text("办件查询")
    rig.at("track")
    rig.sim.scan(case["progress_url"])  # what the receipt's QR code carries
    rig.at("progress", timeout=15)
    assert rig.shows(case["id"]) and rig.shows("经办人：陈晓梅")
    rig.tap_text("返回")
    rig.at("track")
    rig.tap_text("办件编号")
    press(rig, case["id"])
    rig.tap_text("查询码")
    press(rig, case["check_code"])
    rig.screenshot("track-landscape")
    rig.tap_text("查询")
    rig.at("progress", timeout=15)
    assert rig.shows(case["id"])


def test_a_booking_qr_scanned_on_home_checks_in(hall: HallProcess, rig: KioskRig) -> None:
    card = person("袁思琪", "42010619920404009", "1992-04-04")
    now = local_now(hall)
    booked = call(hall, "POST", "/appointments", None, {
        "item_code": "C-SB-002", "day": now.date().isoformat(), "slot": current_slot(now),
        "id_number": card.id_number, "name": card.name}, status=201)
    rig.sim.scan(f"{hall.http}/api/v1/appointments/{booked['code']}")
    rig.at("ticket", timeout=15)
    assert rig.app.visit.ticket["appointment"] == booked["code"]
    assert any("按预约优先" in t for t in rig.texts())


def test_a_card_holder_of_70_is_offered_the_green_channel(rig: KioskRig) -> None:
    sign_in(rig, person("蒋德厚", "13010219500505011", "1950-05-05"))
    rig.tap_text("不用了")  # elder mode is offered too
    rig.tap_text("取号")
    rig.tap_text("个人办事")
    rig.tap_text("社会保障")
    rig.tap_text("城乡居民养老保险参保登记")
    rig.at("confirm")
    rig.tap_text("绿色通道取号")
    rig.at("ticket")
    assert rig.app.visit.ticket["priority"] == "green" and rig.shows("绿色通道：优先办理")
