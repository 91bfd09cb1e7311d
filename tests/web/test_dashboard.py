"""The hall manager's live dashboard in a real Chromium against a real queue server: a call at
a window moves it without a reload, a ticket waiting past its item's target raises the alert,
a red-card case appears, a kiosk's printer out of paper is a device alert (over ZeroMQ, as a
kiosk reports it), and a clerk is kept out."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from devices.health import HealthChanged, Status
from protocol.client import HallClient
from protocol.keys import CurveClientKeys
from tests.support.hall import HallProcess
from tests.web.support import (
    CLERK_PASSWORD,
    MANAGER_PASSWORD,
    SCREENSHOTS,
    at_window,
    issue,
    new_hall,
    sign_in,
)

TZ = ZoneInfo("Asia/Shanghai")
APPLICANT = "11010519491231002X"
CASE_ITEM = "C-WJ-002"  # promised 5 working days
QUICK_ITEM = "C-GJ-001"  # a wait target of 15 minutes
LIVE = 10_000  # ms: a live change reaches the page well within this


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """As ``tests.web.support.new_hall``, with kiosk-1 enrolled, tokens of clerk chen (c01) and
    of a manager."""

    def more(h: HallProcess) -> None:
        h.kiosk = h.enroll("kiosk-1", "kiosk")  # type: ignore[attr-defined]
        h.c01 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
        h.manager = h.token("manager")  # type: ignore[attr-defined]

    h = new_hall(tmp_path_factory.mktemp("dash-hall"), more)
    yield h
    h.stop()


def dashboard(page: Page, hall: HallProcess) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    page.click("#nav-dashboard")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("h2").first).to_contain_text("告警")
    page.evaluate("window.marker = 'still here'")  # gone if the page is ever loaded again


def not_reloaded(page: Page) -> None:
    assert page.evaluate("window.marker") == "still here"


def rest(hall: HallProcess, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    r = requests.request(
        method, f"{hall.http}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


# ------------------------------------------------------------------ the tests
def test_a_clerk_is_kept_out_and_the_manager_finds_it_from_home(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "chen", CLERK_PASSWORD)
    expect(page.locator("#nav-dashboard")).to_have_count(0)
    assert page.goto(hall.http + "/dashboard").status == 403  # type: ignore[union-attr]
    assert requests.get(f"{hall.http}/dashboard/floor", timeout=5, allow_redirects=False).status_code == 302
    # The floor's figures over REST: a manager's, not a clerk's.
    floor = f"{hall.http}/api/v1/floor"
    assert requests.get(floor, headers={"Authorization": f"Bearer {hall.c01}"}, timeout=5).status_code == 403  # type: ignore[attr-defined]
    items = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()["items"]
    enterprise = next(i["code"] for i in items if i["stream"] == "enterprise")  # window 1 never calls it
    issue(hall, enterprise)
    got = rest(hall, hall.manager, "GET", "/floor")  # type: ignore[attr-defined]
    assert [(i["item_code"], i["waiting"], i["light"]) for i in got["items"]] == [(enterprise, 1, "green")]
    assert got["items"][0]["item_name"]["zh"] and got["streams"][0]["stream"] == "enterprise"
    assert got["served"]["share"] is None and got["over_target"] == 0
    page.click("#logout")
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    page.click("#to-dashboard")
    expect(page.locator("#panel-windows")).to_contain_text("窗口")


def test_a_call_at_a_window_moves_the_dashboard_without_reload(hall: HallProcess, page: Page, browser: Browser) -> None:
    dashboard(page, hall)
    number = issue(hall)
    clerk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    try:
        at_window(clerk, hall, "chen", CLERK_PASSWORD, 1)
        expect(page.locator("#win-1-clerk")).to_have_text("陈晓梅", timeout=LIVE)
        clerk.click("#act-call-next")
        expect(clerk.locator("#current-number")).to_have_text(number)
        expect(page.locator("#win-1-current")).to_have_text(number, timeout=LIVE)
        expect(page.locator("#win-1-status")).to_have_text(re.compile(r"开放\s+open"))
        # Called well within its target: today's share says so.
        expect(page.locator("#served-share")).to_have_text("100%", timeout=LIVE)
        # A window paused with somebody waiting that it could call is an alert, until it resumes.
        issue(hall)
        c01 = hall.c01  # type: ignore[attr-defined]
        rest(hall, c01, "POST", "/windows/1/pause", {"reason": "临时离开"})
        expect(page.locator("#alert-paused-1")).to_contain_text("1号窗口暂停服务", timeout=LIVE)
        expect(page.locator("#win-1-status")).to_have_text(re.compile(r"暂停\s+paused"))
        rest(hall, c01, "POST", "/windows/1/resume", {})
        expect(page.locator("#alert-paused-1")).to_have_count(0, timeout=LIVE)
    finally:
        clerk.context.close()
    not_reloaded(page)


def test_a_kiosks_printer_out_of_paper_is_a_device_alert_and_its_help_call_is_answered(
    hall: HallProcess, page: Page
) -> None:
    dashboard(page, hall)
    expect(page.locator(".alert-device")).to_have_count(0)
    keys = hall.kiosk  # type: ignore[attr-defined]
    at = dt.datetime.now(TZ)
    out = HealthChanged("printer", "printer", Status.OK, Status.MISSING, "打印纸用完 out of paper", at).to_message()
    with HallClient(hall.router, curve=CurveClientKeys.from_files(keys["server_public"], keys["secret"]), timeout=10) as k:
        assert k.request("device.health", out)["stored"] is True
        # The visitor at that kiosk presses 呼叫工作人员, with an ID number typed into the words.
        call = k.request("kiosk.help", {"reason": f"没有出票 {APPLICANT}", "screen": "take_number"})
    help_row = page.locator(f"#help-{call['id']}")
    expect(help_row).to_contain_text("kiosk-1", timeout=LIVE)
    expect(help_row).to_contain_text("没有出票 1101**********002X")
    expect(page.locator(f"#alert-help-{call['id']}")).to_contain_text("呼叫工作人员")
    page.click(f"#help-{call['id']}-answered")
    expect(page.locator(f"#alert-help-{call['id']}")).to_have_count(0, timeout=LIVE)
    expect(page.locator("#panel-help")).to_contain_text("暂无呼叫")
    alert = page.locator("#alert-device-kiosk-1-printer")
    expect(alert).to_contain_text("kiosk-1", timeout=LIVE)
    expect(alert).to_contain_text("out of paper")
    expect(alert).to_have_class(re.compile(r"alert-red"))
    row = page.locator("#device-kiosk-1-printer")
    expect(row.locator(".device-state")).to_contain_text("故障")
    not_reloaded(page)


def test_a_red_card_case_appears(hall: HallProcess, page: Page) -> None:
    dashboard(page, hall)
    expect(page.locator("#alert-red-cards")).to_have_count(0)
    catalogue = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()
    guide = next(i for i in catalogue["items"] if i["code"] == CASE_ITEM)["guide"]
    c01 = hall.c01  # type: ignore[attr-defined]
    made = rest(hall, c01, "POST", "/cases", {"item_code": CASE_ITEM, "id_number": APPLICANT, "name": "张三丰",
                                              "materials": [m["code"] for m in guide["materials"]]})
    case_id = rest(hall, c01, "POST", f"/cases/{made['id']}/accept", {})["id"]
    # Two weeks on: the store's days are moved back (the server runs on the real clock).
    back = timedelta(days=14)
    with sqlite3.connect(hall.var / "hall.db") as db:
        row = db.execute("SELECT due, yellow_on, red_on FROM cases WHERE id = ?", (case_id,)).fetchone()
        moved = [(date.fromisoformat(d) - back).isoformat() for d in row]
        # due_ordinal counts working days: two weeks are ten of them, holidays aside
        db.execute("UPDATE cases SET due = ?, yellow_on = ?, red_on = ?, due_ordinal = due_ordinal - 10 WHERE id = ?",
                   (*moved, case_id))
    issue(hall)  # any hall event: the desk's half follows the stream (and polls anyway)
    line = page.locator(f"#sup-{case_id}")
    expect(line.locator(".sup-card")).to_have_text(re.compile(r"红牌\s+Red card"), timeout=LIVE)
    expect(line).to_contain_text("超期")
    expect(page.locator("#alert-red-cards")).to_contain_text("红牌", timeout=LIVE)
    expect(page.locator("#red-count")).to_contain_text("1")
    not_reloaded(page)
    assert APPLICANT not in page.content()  # no ID number, masked or not, on the dashboard


def test_a_ticket_waiting_past_its_target_raises_the_alert(hall: HallProcess, page: Page) -> None:
    """The ticket's issue is moved 20 minutes back in the store (its target is 15) and the hall
    restarts from its events, as after a power cut: the server has no clock to move."""
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": QUICK_ITEM}, timeout=5)
    assert r.status_code == 201, r.text
    ticket = r.json()["id"]
    dashboard(page, hall)
    expect(page.locator(f"#wait-{QUICK_ITEM}")).to_have_class(re.compile(r"wait-green"))
    expect(page.locator(f"#alert-wait-{QUICK_ITEM}")).to_have_count(0)
    hall.stop()
    with sqlite3.connect(hall.var / "hall.db") as db:
        db.execute("UPDATE hall_events SET at = at - 1200 WHERE ticket = ? AND type = 'ticket.issued'", (ticket,))
        db.execute("UPDATE tickets SET issued_at = issued_at - 1200 WHERE id = ?", (ticket,))
        db.execute("DELETE FROM checkpoints")  # recovery replays every event
    hall.start()
    page.goto(hall.http + "/dashboard")
    alert = page.locator(f"#alert-wait-{QUICK_ITEM}")
    expect(alert).to_contain_text("超过目标15分钟")
    expect(alert).to_contain_text("15-min target")
    expect(alert).to_have_class(re.compile(r"alert-red"))
    expect(page.locator(f"#wait-{QUICK_ITEM}")).to_have_class(re.compile(r"wait-red"))
    expect(page.locator(f"#wait-{QUICK_ITEM}")).to_contain_text("20 分")
    # The device alert and the red card are still there: one screen of everything at once.
    expect(page.locator("#alert-device-kiosk-1-printer")).to_be_visible()
    expect(page.locator("#alert-red-cards")).to_be_visible()
    assert not re.search(r"\d{17}[\dXx]", page.content())  # no full ID number anywhere
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
