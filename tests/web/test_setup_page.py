"""The admin's set-up page in Debian's Chromium against a real server (issue 16): a window
added and opening hours set in the browser are in force at once for the hall's other
clients (a clerk calls at the new window, the API refuses a number outside the hours); a
bad set-up names its problems and changes nothing; only an admin may open it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.hall import HallProcess
from tests.web.support import CLERK_PASSWORD, MANAGER_PASSWORD, SCREENSHOTS, add_users, new_hall, sign_in

ADMIN_PASSWORD = "root-admin-2026"
ITEM = "C-SB-001"


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("setup"), lambda h: add_users(h, ("root", "admin", ADMIN_PASSWORD, None)))
    yield h
    h.stop()


def to_setup(page: Page, hall: HallProcess) -> None:
    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.click("#to-setup")
    expect(page).to_have_url(re.compile(r"/setup$"))


def take(hall: HallProcess) -> requests.Response:
    return requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": ITEM}, timeout=10)


def closed_period() -> str:
    """A half hour of today that is over (or still to come, just after midnight)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return "00:00-00:30" if now.hour >= 2 else "22:00-22:30"


def test_a_window_added_in_the_browser_calls_at_once(hall: HallProcess, page: Page) -> None:
    to_setup(page, hall)
    expect(page.locator("#windows tbody tr")).to_have_count(9)  # the demo's 8, and a new one
    page.fill("[name=new-number]", "9")
    page.select_option("[name=kind-new]", "dedicated")
    page.fill("[name=name-new]", "社保专窗二 Social security 2")
    page.fill("[name=items-new]", ITEM)
    page.click("#save-setup")
    expect(page.locator("#applied")).to_contain_text("新增窗口 9")
    expect(page.locator("#window-9 [name=items-9]")).to_have_value(ITEM)

    number = take(hall).json()["number"]
    token = hall.token("clerk", clerk="c07")
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.post(f"{hall.http}/api/v1/windows/9/sign-in", headers=auth, timeout=10).status_code == 200
    called = requests.post(f"{hall.http}/api/v1/windows/9/call-next", headers=auth, timeout=10).json()
    assert called["ticket"]["number"] == number
    assert any(w["number"] == 9 for w in requests.get(f"{hall.http}/api/v1/queue", timeout=10).json()["windows"])


def test_opening_hours_set_in_the_browser_refuse_a_number_outside_them(hall: HallProcess, page: Page) -> None:
    to_setup(page, hall)
    page.uncheck("#always-open")
    period = closed_period()
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        page.fill(f"#hours-{day}", period)
    page.fill("#appointment-periods", period)
    page.click("#save-setup")
    expect(page.locator("#applied")).to_contain_text("营业时间或预约规则已更新")
    refused = take(hall)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "hall_closed"
    page.set_viewport_size({"width": 1366, "height": 1100})
    page.screenshot(path=str(SCREENSHOTS / "admin-setup.png"), full_page=True)

    page.check("#always-open")
    page.fill("#appointment-periods", "09:00-12:00 14:00-17:00")
    page.click("#save-setup")
    expect(page.locator("#applied")).to_be_visible()
    assert take(hall).status_code == 201


def test_a_bad_set_up_names_its_problems_and_changes_nothing(hall: HallProcess, page: Page) -> None:
    to_setup(page, hall)
    page.uncheck("#always-open")
    page.fill("#hours-mon", "08:30-12:00 11:00-17:00")
    page.fill("[name=items-7]", "C-XX-999")
    page.fill("#appointment-capacity", "many")
    page.click("#save-setup")
    expect(page.locator("#refused")).to_contain_text("未作任何更改")
    expect(page.locator("#problems")).to_contain_text("bookings per slot: 'many' is not a whole number")
    page.fill("#appointment-capacity", "4")
    page.click("#save-setup")
    problems = page.locator("#problems li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("rules.hours.mon[1]: 11:00-17:00 overlaps the period before it")
    expect(problems.nth(1)).to_contain_text("windows[6] (window 7).items[0]: item C-XX-999 is not in the catalogue")
    expect(page.locator("#hours-mon")).to_have_value("08:30-12:00 11:00-17:00")  # what was typed stays
    page.goto(hall.http + "/setup")
    expect(page.locator("#always-open")).to_be_checked()
    expect(page.locator("[name=items-7]")).to_have_value("C-SB-001 C-SB-002 C-SB-003 C-SB-004")


def test_only_an_admin_opens_the_set_up(hall: HallProcess, page: Page) -> None:
    for name, password in (("boss", MANAGER_PASSWORD), ("chen", CLERK_PASSWORD)):
        sign_in(page, hall, name, password)
        page.wait_for_load_state()
        assert page.goto(hall.http + "/setup").status == 403  # type: ignore[union-attr]
        page.goto(hall.http + "/")
        page.context.clear_cookies()
