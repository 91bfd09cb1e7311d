"""Booking an appointment on the phone (/m/book, /m/booking/<code>) against a real hall: the
visitor chooses an item, a day and a free slot, gives name and ID number, and gets the
booking's page with its code and QR code; the kiosk checks it in over ZeroMQ and the ticket
has the appointment's priority. Refusals (a second booking, a bad ID number, a wrong one for
cancelling) are said in words and keep what was typed; a cancelled booking cannot check in.

The hall books slots of four hours round the clock (the last until 23:59), so a slot of today is always free, and
has one closed day three days ahead (the day list must leave it out)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
import requests
import yaml
from playwright.sync_api import Page, expect

from protocol.client import HallClient, RequestFailed
from protocol.idnumber import check_char
from protocol.keys import CurveClientKeys
from queue_server.hallconfig import DEFAULT_HALL_CONFIG
from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess, run_cli
from tests.web.support import SCREENSHOTS

TZ = ZoneInfo("Asia/Shanghai")
CAPACITY = 2
#: Round the clock; the last slot ends at 23:59, as the engine cannot place a slot ending at 24:00.
SLOTS = ["00:00-04:00", "04:00-08:00", "08:00-12:00", "12:00-16:00", "16:00-20:00", "20:00-23:59"]
ALL_DAY = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{6}$")


def valid(first17: str) -> str:
    return first17 + check_char(first17)


def today() -> date:
    return datetime.now(TZ).date()


def closed_day() -> str:
    return (today() + timedelta(days=3)).isoformat()


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("booking-hall")
    config = yaml.safe_load(DEFAULT_HALL_CONFIG.read_text(encoding="utf-8"))
    config["rules"].pop("appointment_periods", None)
    config["rules"].update(appointment_slots=SLOTS, appointment_capacity=CAPACITY, hours=ALL_DAY, holidays_closed=False)
    config["cases"]["closed_days"] = [closed_day()]
    path = var / "hall.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    run_cli("init", "--config", str(path), var=var, db=h.db)
    h.kiosk = h.enroll("kiosk-1", "kiosk")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def kiosk(hall: HallProcess) -> HallClient:
    """A kiosk as it talks to the hall: ZeroMQ, CURVE, its enrolled keys."""
    device = hall.kiosk  # type: ignore[attr-defined]
    return HallClient(hall.router, curve=CurveClientKeys.from_files(device["server_public"], device["secret"]), timeout=5)


def fill_and_book(page: Page, name: str, id_number: str, phone: str = "") -> None:
    page.locator("#slots input[type=radio]:not([disabled])").first.check()
    page.fill("#name", name)
    page.fill("#id_number", id_number)
    if phone:
        page.fill("#phone", phone)
    page.click("#book")


def book(page: Page, hall: HallProcess, item: str, id_number: str, day: str | None = None) -> str:
    page.goto(f"{hall.http}/m/book?item={item}" + (f"&day={day}" if day else ""))
    fill_and_book(page, "王小明", id_number)
    expect(page).to_have_url(re.compile(r"/m/booking/[A-Z0-9]{6}$"))
    return page.url.rsplit("/", 1)[1]


def qr_text(page: Page, tmp_path: Path) -> str:
    """What a camera reads from the page's QR code (OpenCV, as the kiosk's camera does)."""
    shot = tmp_path / "qr.png"
    page.locator("#qr svg").screenshot(path=str(shot))
    image = cv2.imdecode(np.frombuffer(shot.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def test_a_booking_made_on_the_page_checks_in_at_the_kiosk_with_the_appointments_priority(
    hall: HallProcess, phone: Page, tmp_path: Path
) -> None:
    phone.goto(f"{hall.http}/m/")
    phone.click("#to-book")
    phone.fill("#q", "shbzk")  # 社会保障卡申领, by its initials
    phone.click("#search")
    phone.locator("#results .items a").first.click()
    expect(phone.locator("#chosen-item")).to_contain_text("社会保障卡申领")
    expect(phone.locator(".day.chosen")).to_contain_text("今天")
    free = phone.locator("#slots input[type=radio]:not([disabled])")
    assert free.count() >= 1  # the slot of this hour at least
    assert_accessible(phone)
    assert_fits_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-book.png"), full_page=False)
    fill_and_book(phone, "张三丰", valid("11010519900307123"), "13800138000")

    expect(phone).to_have_url(re.compile(r"/m/booking/[A-Z0-9]{6}$"))
    code = phone.url.rsplit("/", 1)[1]
    assert CODE.match(code)
    expect(phone.locator("#code")).to_have_text(code)
    size = phone.locator("#code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 32  # the code large enough to read out at a window
    expect(phone.locator("#item")).to_contain_text("社会保障卡申领")
    expect(phone.locator("#day")).to_have_text(today().isoformat())
    expect(phone.locator("#name")).to_have_text("张**")
    expect(phone.locator("#state")).to_contain_text("已预约")
    expect(phone.locator("#materials > li").first).to_be_visible()  # what to bring
    assert qr_text(phone, tmp_path).endswith(f"/m/booking/{code}")  # the kiosk's scanner takes the last part
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-booking.png"), full_page=False)

    with kiosk(hall) as client:
        ticket = client.request("appointment.check_in", {"code": code})
    assert ticket["appointment"] == code
    assert ticket["priority"] == "appointment" and ticket["lane"] == "appointment"
    phone.reload()
    expect(phone.locator("#state")).to_contain_text("已签到")
    assert phone.locator("#cancel-form").count() == 0 and phone.locator("#qr").count() == 0


def test_a_second_booking_of_the_same_item_and_day_is_refused_in_words(hall: HallProcess, phone: Page) -> None:
    holder = valid("44030519850612345")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    first = book(phone, hall, "C-RS-001", holder, tomorrow)
    phone.goto(f"{hall.http}/m/book?item=C-RS-001&day={tomorrow}")
    fill_and_book(phone, "李四", holder, "0755-26010101")
    refused = phone.locator("#refused")
    expect(refused).to_contain_text(f"您已预约{tomorrow}该事项")
    expect(refused).to_contain_text("already booked")
    expect(refused).to_contain_text(first)  # the booking the visitor already holds
    # Nothing typed is lost: the visitor may choose another day without typing again.
    expect(phone.locator("#name")).to_have_value("李四")
    expect(phone.locator("#id_number")).to_have_value(holder)
    expect(phone.locator("#phone")).to_have_value("0755-26010101")
    assert_private(phone)


def test_a_bad_id_number_is_refused_on_the_page_and_what_was_typed_stays(hall: HallProcess, phone: Page) -> None:
    good = valid("32010219800101003")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")  # the check character wrong
    phone.goto(f"{hall.http}/m/book?item=C-WJ-001")
    slot = phone.locator("#slots input[type=radio]:not([disabled])").first.get_attribute("value")
    fill_and_book(phone, "赵六", bad, "13912345678")
    error = phone.locator("#error-id_number")
    expect(error).to_contain_text("身份证号码有误")
    expect(error).to_contain_text("校验码")
    expect(error).to_contain_text("The ID number is wrong")
    assert bad not in phone.inner_text("body")  # the number only in its own input
    expect(phone.locator("#id_number")).to_have_value(bad)
    expect(phone.locator("#id_number")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#name")).to_have_value("赵六")
    expect(phone.locator("#phone")).to_have_value("13912345678")
    expect(phone.locator(f"#slots input[value='{slot}']")).to_be_checked()
    assert_accessible(phone)
    assert_private(phone)
    phone.fill("#id_number", good)
    phone.click("#book")
    expect(phone).to_have_url(re.compile(r"/m/booking/[A-Z0-9]{6}$"))


def test_a_cancelled_booking_cannot_check_in(hall: HallProcess, phone: Page) -> None:
    holder = valid("11010819751120456")
    code = book(phone, hall, "C-YB-002", holder)
    phone.fill("#cancel-id", valid("11010819751120466"))  # a valid number, not the one booked with
    phone.click("#cancel")
    expect(phone.locator("#cancel-error")).to_contain_text("身份证号码与预约不符")
    expect(phone.locator("#state")).to_contain_text("已预约")
    phone.fill("#cancel-id", holder)
    phone.click("#cancel")
    expect(phone).to_have_url(re.compile(rf"/m/booking/{code}\?cancelled=1$"))
    expect(phone.locator("#cancelled")).to_contain_text("预约已取消")
    expect(phone.locator("#state")).to_contain_text("已取消")
    assert phone.locator("#qr").count() == 0 and phone.locator("#cancel-form").count() == 0
    with kiosk(hall) as client, pytest.raises(RequestFailed) as refused:
        client.request("appointment.check_in", {"code": code})
    assert refused.value.code == "conflict" and "已取消" in (refused.value.message_zh or "")
    r = requests.post(f"{hall.http}/api/v1/appointments/{code}/check-in", timeout=5)
    assert r.status_code == 409


def test_full_slots_are_disabled_and_closed_days_are_not_offered(hall: HallProcess, phone: Page) -> None:
    day = (today() + timedelta(days=2)).isoformat()
    for i in range(CAPACITY):
        r = requests.post(
            f"{hall.http}/api/v1/appointments",
            json={"item_code": "C-ZJ-001", "day": day, "slot": "08:00", "id_number": valid(f"44030519920210{i}11")},
            timeout=5,
        )
        assert r.status_code == 201, r.text
    phone.goto(f"{hall.http}/m/book?item=C-ZJ-001&day={day}")
    full = phone.locator("#slots input[value='08:00']")
    expect(full).to_be_disabled()
    expect(phone.locator("label.slot.full")).to_contain_text("已约满")
    expect(phone.locator("#slots input[value='12:00']")).to_be_enabled()
    expect(phone.locator("#slots input[value='12:00'] ~ .slot-left")).to_contain_text(f"余{CAPACITY}个")
    offered = phone.locator("#days [data-day]").evaluate_all("els => els.map(e => e.dataset.day)")
    assert closed_day() not in offered
    assert (today() + timedelta(days=4)).isoformat() in offered and day not in offered  # day: the chosen one
    # The page's own check: a slot taken meanwhile is refused in words, the form kept.
    phone.evaluate("() => { const r = document.querySelector(\"#slots input[value='08:00']\"); r.disabled = false; r.checked = true; }")
    phone.fill("#name", "孙七")
    phone.fill("#id_number", valid("44030519920203222"))
    phone.click("#book")
    expect(phone.locator("#error-slot")).to_contain_text("请选择一个有空位的时段")
    expect(phone.locator("#name")).to_have_value("孙七")


def test_without_javascript_a_visitor_books_and_reads_the_booking(hall: HallProcess, no_js_phone: Page) -> None:
    page = no_js_phone
    page.goto(f"{hall.http}/m/book")
    page.locator("#group-employment + .items a", has_text="就业创业证申领").click()
    expect(page.locator("#chosen-item")).to_contain_text("就业创业证申领")
    tomorrow = page.locator("#days a.day").first
    tomorrow.click()
    expect(page.locator(".day.chosen")).to_contain_text("明天")
    fill_and_book(page, "周八", valid("11010519880808088"))
    expect(page).to_have_url(re.compile(r"/m/booking/[A-Z0-9]{6}$"))
    expect(page.locator("#code")).to_have_text(page.url.rsplit("/", 1)[1])
    expect(page.locator("#day")).to_have_text((today() + timedelta(days=1)).isoformat())
    expect(page.locator("#qr svg")).to_be_visible()
    expect(page.locator("#materials > li").first).to_be_visible()


def test_an_unknown_code_is_a_page_that_says_so(hall: HallProcess, phone: Page) -> None:
    r = requests.get(f"{hall.http}/m/booking/ZZZZZZ", timeout=5)
    assert r.status_code == 404 and "没有这个预约号" in r.text
    assert requests.get(f"{hall.http}/m/booking/not-a-code", timeout=5).status_code == 404
    phone.goto(f"{hall.http}/m/booking/ZZZZZZ")
    expect(phone.locator("main h1")).to_contain_text("没有这个预约号")


def test_the_hall_page_gives_the_hours_of_each_day_and_the_closed_days(hall: HallProcess, phone: Page) -> None:
    phone.goto(f"{hall.http}/m/hall")
    rows = phone.locator("#hours table.hours tbody tr")
    assert rows.count() == 7
    expect(rows.first).to_contain_text("周一")
    expect(rows.first).to_contain_text("00:00–24:00")
    expect(phone.locator("#closed-days")).to_contain_text(closed_day())
    assert phone.locator("#open-daily").count() == 0
    assert_accessible(phone)
    assert_fits_phone(phone)
