"""The clerk console's actions in a real browser against a real queue server: transfer with a
note to another window (whose clerk sees it arrive), complete with an outcome, pause with a
reason and resume, the confirmation before calling over a current visitor, a double click
that acts once. Everything asserted is what a clerk sees."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Browser, Page, expect

from tests.support.hall import HallProcess
from tests.web.support import CLERK2_PASSWORD, CLERK_PASSWORD, SCREENSHOTS, at_window, issue


def finish_current(page: Page) -> None:
    """Leave the window with nobody at it (a test's visitor done with)."""
    if page.locator("#current-number").inner_text() != "—":
        page.keyboard.press("c")
        page.keyboard.press("1")
    expect(page.locator("#current-number")).to_have_text("—")


def test_transfer_with_a_note_reaches_the_other_window(hall: HallProcess, page: Page, browser: Browser) -> None:
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    at_window(other, hall, "wang", CLERK2_PASSWORD, 2)  # open: a transfer goes to an open window
    at_window(page, hall, "chen", CLERK_PASSWORD, 1)
    expect(page.locator("#hall-name")).to_contain_text("示范区政务服务中心")
    expect(page.locator("#hall-name")).to_contain_text("Demonstration District Government Service Centre")
    expect(page.locator("#window-status")).to_have_text(re.compile(r"^开放\s+open$"))

    number = issue(hall)
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(number)
    expect(page.locator("#current-state")).to_have_text(re.compile(r"^已呼叫\s+called$"))
    page.keyboard.press("s")
    expect(page.locator("#current-state")).to_have_text(re.compile(r"^办理中\s+serving$"))
    expect(page.locator("#materials li").first).to_be_visible()  # the item's checklist

    page.keyboard.press("t")  # the transfer dialog, by keyboard only
    expect(page.locator("#dialog-transfer")).to_be_visible()
    expect(page.locator("#transfer-to")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("户口簿已核对，请办理迁入 Household book checked")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#dialog-transfer")).to_be_hidden()
    expect(page.locator("#current-number")).to_have_text("—")
    expect(page.locator("#done")).to_contain_text(f"{number} 已转办至 2号窗口")

    other.keyboard.press("n")
    expect(other.locator("#current-number")).to_have_text(number)
    expect(other.locator("#transfer-note")).to_contain_text("转办自 1号窗口")
    expect(other.locator("#transfer-note")).to_contain_text("户口簿已核对，请办理迁入 Household book checked")
    other.keyboard.press("s")
    expect(other.locator("#current-state")).to_contain_text("办理中")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    other.screenshot(path=str(SCREENSHOTS / "console-transferred.png"))
    # Complete with an outcome: 4 一次性告知 one-time notice
    other.keyboard.press("c")
    expect(other.locator("#dialog-complete")).to_be_visible()
    expect(other.locator("#outcome-one_time_notice")).to_contain_text("一次性告知")
    other.keyboard.press("4")
    expect(other.locator("#current-number")).to_have_text("—")
    expect(other.locator("#done")).to_have_text(re.compile(rf"{number} 已办结：一次性告知\s+{number} completed: One-time notice"))
    other.context.close()


def test_calling_over_a_current_visitor_asks_first(hall: HallProcess, page: Page) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, 1)
    finish_current(page)
    first, second, third = issue(hall), issue(hall), issue(hall)
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(first)
    page.keyboard.press("s")
    expect(page.locator("#current-state")).to_contain_text("办理中")

    page.keyboard.press("n")  # serving: the clerk is asked
    dialog = page.locator("#confirm-next")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text(f"{first} 正在办理中")
    expect(page.locator("#confirm-text")).to_contain_text("completes it as handled")
    page.keyboard.press("Escape")  # not now
    expect(dialog).to_have_count(0)
    expect(page.locator("#current-number")).to_have_text(first)

    page.keyboard.press("n")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")  # yes
    expect(page.locator("#current-number")).to_have_text(second)
    expect(page.locator("#current-state")).to_contain_text("已呼叫")

    page.keyboard.press("n")  # called, never started: passed over, back in line
    expect(page.locator("#confirm-text")).to_contain_text(f"{second} 已呼叫但尚未开始办理")
    expect(page.locator("#confirm-text")).to_contain_text("back in line")
    page.click("#confirm-yes")
    expect(page.locator("#current-number")).to_have_text(third)
    finish_current(page)


def test_a_double_click_calls_one_visitor(hall: HallProcess, page: Page) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, 1)
    finish_current(page)
    before = int(page.locator("#waiting").inner_text())
    issue(hall)
    issue(hall)
    expect(page.locator("#waiting")).to_have_text(str(before + 2))
    page.dblclick("#act-call-next")
    expect(page.locator("#current-number")).not_to_have_text("—")
    expect(page.locator("#waiting")).to_have_text(str(before + 1))
    called = page.locator("#current-number").inner_text()
    page.wait_for_timeout(500)  # a second call would have shown by now
    expect(page.locator("#current-number")).to_have_text(called)
    expect(page.locator("#waiting")).to_have_text(str(before + 1))
    expect(page.locator("#confirm-next")).to_have_count(0)
    finish_current(page)


def test_pause_with_a_reason_then_resume(hall: HallProcess, page: Page) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, 1)
    finish_current(page)
    page.keyboard.press("p")
    expect(page.locator("#pause-reason-input")).to_be_focused()
    page.keyboard.type("临时离开 Away for a moment")
    page.keyboard.press("Enter")
    expect(page.locator("#window-status")).to_have_text(re.compile(r"^暂停\s+paused$"))
    expect(page.locator("#pause-reason")).to_contain_text("临时离开 Away for a moment")
    issue(hall)
    page.keyboard.press("n")  # refused, in plain words
    expect(page.locator("#message")).to_contain_text("1号窗口当前暂停服务，请先恢复服务")
    expect(page.locator("#current-number")).to_have_text("—")
    page.keyboard.press("u")
    expect(page.locator("#window-status")).to_have_text(re.compile(r"^开放\s+open$"))
    page.keyboard.press("n")
    expect(page.locator("#current-number")).not_to_have_text("—")
    page.screenshot(path=str(SCREENSHOTS / "console-window1.png"))
    # The server's own rules apply to the page as to the API: the same state in the queue.
    token = hall.token("clerk", clerk="c01")
    state = requests.get(f"{hall.http}/api/v1/queue", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
    assert next(w for w in state["windows"] if w["number"] == 1)["status"] == "open"
