"""Complaints on the phone (issue 15): filed on the page, followed on the page the filing
redirects to, answered by a manager over REST; a wrong code shows nothing; a reload or a
double submit files once; the form works without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import requests
from playwright.sync_api import Page, expect

from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess
from tests.web.support import SCREENSHOTS

PHONE_NUMBER = "13812345678"


def manager(hall: HallProcess) -> dict[str, str]:
    if not hasattr(hall, "manager_auth"):
        hall.manager_auth = {"Authorization": f"Bearer {hall.token('manager')}"}  # type: ignore[attr-defined]
    return hall.manager_auth  # type: ignore[attr-defined]


def complaints(hall: HallProcess) -> list[dict[str, Any]]:
    r = requests.get(f"{hall.http}/api/v1/complaints", params={"limit": 500}, headers=manager(hall), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["complaints"]


def file_complaint(page: Page, hall: HallProcess, text: str, *, phone: str = PHONE_NUMBER, window: str = "") -> None:
    page.goto(hall.http + "/m/")
    page.click("#to-complaint")
    page.get_by_label("服务态度").check()
    page.fill("#text", text)
    if window:
        page.fill("#window", window)
    if phone:
        page.fill("#phone", phone)
    page.click("#send-complaint")
    expect(page.locator("#complaint-id")).to_be_visible()


def test_a_complaint_filed_on_the_phone_is_answered_and_the_answer_shows(phone: Page, hall: HallProcess) -> None:
    file_complaint(phone, hall, "等了一个多小时，窗口一直没人", window="3")
    # The page the filing lands on is the complaint's own link, with its code: the page to keep.
    assert re.search(r"/m/complaint/TS-\d{8}-[0-9A-F]{8}\?code=[0-9A-Z]{6}$", phone.url), phone.url
    number = phone.inner_text("#complaint-id")
    code = phone.inner_text("#complaint-code")
    assert code in phone.url
    expect(phone.locator("#keep-title")).to_contain_text("请保存本页链接或查询码")
    expect(phone.locator("#complaint-state")).to_contain_text("待受理")
    expect(phone.locator("#complaint-due")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2}"))
    expect(phone.locator("#complaint-steps li")).to_have_count(1)
    expect(phone.locator("#complaint-phone")).to_have_text("138****5678")  # masked, never in full
    expect(phone.locator("#no-answer")).to_be_visible()
    assert PHONE_NUMBER not in phone.content()
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "phone-complaint.png"), full_page=True)

    # The hall sees what was filed: the window in the words, from the web.
    filed = next(c for c in complaints(hall) if c["id"] == number)
    assert filed["text"] == "【3号窗口】等了一个多小时，窗口一直没人"
    assert filed["category"] == "attitude" and filed["source"] == "web"

    auth = manager(hall)
    r = requests.post(f"{hall.http}/api/v1/complaints/{number}/accept", json={"handler": "c01"}, headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    phone.reload()
    expect(phone.locator("#complaint-state")).to_contain_text("办理中")
    expect(phone.locator("#complaint-steps li")).to_have_count(2)
    expect(phone.locator("#complaint-due")).to_be_visible()  # now the answer's deadline
    expect(phone.get_by_text("答复期限")).to_be_visible()

    answer = "经核实，当日3号窗口人员临时离岗，已批评教育并调整排班。感谢您的监督。"
    r = requests.post(f"{hall.http}/api/v1/complaints/{number}/answer", json={"answer": answer}, headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    phone.reload()
    expect(phone.locator("#complaint-answer")).to_have_text(answer)
    expect(phone.locator("#complaint-state")).to_contain_text("已答复")
    expect(phone.locator("#no-answer")).to_have_count(0)
    assert "c01" not in phone.inner_text("body") and "陈晓梅" not in phone.inner_text("body")  # no staff names

    r = requests.post(f"{hall.http}/api/v1/complaints/{number}/close", json={}, headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    phone.reload()
    expect(phone.locator("#complaint-state")).to_contain_text("已办结")
    expect(phone.locator("#complaint-steps li")).to_have_count(4)
    expect(phone.locator("#complaint-steps")).to_contain_text("已办结")
    # closing keeps the day it was answered
    expect(phone.locator("#complaint-answered-on")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-complaint-answered.png"), full_page=True)

    # Followed later by number and code, typed in (lower case is fine: the code is read in capitals).
    phone.goto(hall.http + "/m/complaint/find")
    phone.fill("#complaint", number)
    phone.fill("#code", code.lower())
    phone.click("#find")
    expect(phone.locator("#complaint-answer")).to_have_text(answer)


def test_a_wrong_code_shows_no_complaint(phone: Page, hall: HallProcess) -> None:
    file_complaint(phone, hall, "大厅空调太冷")
    number, code = phone.inner_text("#complaint-id"), phone.inner_text("#complaint-code")
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    response = phone.goto(f"{hall.http}/m/complaint/{number}?code={wrong}")
    assert response is not None and response.status == 404
    expect(phone.locator("#refused")).to_contain_text(f"没有找到投诉 {number}")
    expect(phone.locator("#refused [lang=en]")).to_have_text(f"no complaint {number}")
    expect(phone.locator("#complaint-id")).to_have_count(0)
    assert "大厅空调太冷" not in phone.content()
    # As a number that was never filed reads.
    phone.goto(f"{hall.http}/m/complaint/TS-20260101-00000000?code={code}")
    expect(phone.locator("#refused")).to_contain_text("没有找到投诉 TS-20260101-00000000")
    assert_accessible(phone)
    assert_fits_phone(phone)


def test_bad_input_is_refused_in_words_and_keeps_what_was_typed(phone: Page, hall: HallProcess) -> None:
    before = len(complaints(hall))
    phone.goto(hall.http + "/m/complaint")
    phone.get_by_label("办事效率").check()
    phone.fill("#text", "材料退回了三次")
    phone.fill("#phone", "12345")
    phone.click("#send-complaint")
    expect(phone.locator("#refused")).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", phone.inner_text("#refused [lang=en]")) is None
    expect(phone.locator("#text")).to_have_value("材料退回了三次")
    expect(phone.locator("#phone")).to_have_value("12345")
    expect(phone.get_by_label("办事效率")).to_be_checked()
    assert_accessible(phone)
    # Corrected, it is filed (the refusal's key is not the next try's).
    phone.fill("#phone", PHONE_NUMBER)
    phone.click("#send-complaint")
    expect(phone.locator("#complaint-id")).to_be_visible()
    assert len(complaints(hall)) == before + 1


def test_a_reload_or_a_double_submit_files_once(phone: Page, hall: HallProcess) -> None:
    before = len(complaints(hall))
    file_complaint(phone, hall, "取号机不出票")
    url = phone.url
    phone.reload()
    expect(phone.locator("#complaint-id")).to_be_visible()
    assert phone.url == url
    assert len(complaints(hall)) == before + 1

    # The same form sent twice (a double tap): one complaint, the same page both times.
    phone.goto(hall.http + "/m/complaint")
    form = {
        "csrf_token": phone.input_value("input[name=csrf_token]"),
        "key": phone.input_value("input[name=key]"),
        "category": "facilities",
        "text": "叫号屏不亮",
    }
    first = phone.request.post(hall.http + "/m/complaint", form=form, max_redirects=0)
    second = phone.request.post(hall.http + "/m/complaint", form=form, max_redirects=0)
    assert first.status == second.status == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(complaints(hall)) == before + 2


def test_filing_and_following_without_javascript(no_js_phone: Page, hall: HallProcess) -> None:
    page = no_js_phone
    page.goto(hall.http + "/m/complaint")
    page.get_by_label("其他").check()
    page.fill("#text", "希望增加周末服务")
    page.click("#send-complaint")
    expect(page.locator("#complaint-state")).to_contain_text("待受理")
    number, code = page.inner_text("#complaint-id"), page.inner_text("#complaint-code")
    assert any(c["id"] == number and c["phone"] is None for c in complaints(hall))
    page.goto(hall.http + "/m/complaint/find")
    page.fill("#complaint", number)
    page.fill("#code", code)
    page.click("#find")
    expect(page.locator("#complaint-id")).to_have_text(number)
    assert_fits_phone(page)
    assert_private(page)


def test_guessing_codes_is_throttled_in_words(phone: Page, hall: HallProcess) -> None:
    """Last in this module: it spends this client's budget of wrong codes (every page here
    comes from 127.0.0.1)."""
    file_complaint(phone, hall, "窗口人员玩手机")
    number, code = phone.inner_text("#complaint-id"), phone.inner_text("#complaint-code")
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    statuses = []
    for _ in range(12):
        response = phone.goto(f"{hall.http}/m/complaint/{number}?code={wrong}")
        assert response is not None
        statuses.append(response.status)
        if response.status == 429:
            break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {404}
    # Throttled, even the right code shows nothing, and the page says why in both languages.
    response = phone.goto(f"{hall.http}/m/complaint/{number}?code={code}")
    assert response is not None and response.status == 429
    expect(phone.locator("#refused")).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
    expect(phone.locator("#refused [lang=en]")).not_to_be_empty()
    expect(phone.locator("#complaint-id")).to_have_count(0)
    assert "窗口人员玩手机" not in phone.content()
    assert_accessible(phone)
