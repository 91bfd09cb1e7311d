"""The clerk console in a real browser (Debian's Chromium driven by Playwright) against a
real queue server process: sign-in, a window, calling by button and by keyboard, live
updates by server-sent events, CSRF, roles, sign-out, the login rate limit."""

from __future__ import annotations

import re
from pathlib import Path

import requests
from playwright.sync_api import Page, expect

from tests.support.hall import HallProcess
from tests.web.support import CLERK_PASSWORD, MANAGER_PASSWORD, SCREENSHOTS, issue, sign_in


def test_clerk_calls_by_button_and_key_and_the_console_follows_the_hall(hall: HallProcess, page: Page) -> None:
    first, second = issue(hall), issue(hall)
    sign_in(page, hall, "chen", CLERK_PASSWORD)
    expect(page).to_have_url(re.compile(r"/window$"))
    expect(page.locator("h1")).to_contain_text("签到窗口")
    page.click("#window-1")
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.locator("#current-number")).to_have_text("—")
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again

    page.click("#act-call-next")
    expect(page.locator("#current-number")).to_have_text(first)
    page.keyboard.press("s")  # start
    expect(page.locator("#current-state")).to_have_text(re.compile(r"^办理中\s+serving$"))
    page.keyboard.press("c")  # complete: the outcome dialog, 1 办结 handled
    expect(page.locator("#dialog-complete")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#current-number")).to_have_text("—")
    page.keyboard.press("n")  # call next
    expect(page.locator("#current-number")).to_have_text(second)

    # Elsewhere: a ticket issued at a kiosk, a call made through the REST API at this window.
    waiting = int(page.locator("#waiting").inner_text())
    third = issue(hall)
    expect(page.locator("#waiting")).to_have_text(str(waiting + 1))
    token = hall.token("clerk", clerk="c01")
    auth = {"Authorization": f"Bearer {token}"}
    current = requests.get(f"{hall.http}/api/v1/queue", headers=auth, timeout=5).json()
    ticket = next(w for w in current["windows"] if w["number"] == 1)["current"]["id"]
    for step in ("start", "complete"):
        r = requests.post(f"{hall.http}/api/v1/tickets/{ticket}/{step}", json={}, headers=auth, timeout=5)
        assert r.ok, r.text
    r = requests.post(f"{hall.http}/api/v1/windows/1/call-next", headers=auth, timeout=5)
    assert r.status_code == 200, r.text
    expect(page.locator("#current-number")).to_have_text(third)
    assert page.evaluate("window.notReloaded") is True

    expect(page.locator("kbd").first).to_be_visible()  # the shortcuts are shown
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-window1.png"))

    # A state-changing request without the CSRF token is refused, with the session's cookie.
    refused = page.request.post(hall.http + "/console/call-next")
    assert refused.status == 400
    expect(page.locator("#current-number")).to_have_text(third)
    # The REST API keeps working without any CSRF token (bearer tokens, no cookies).
    assert requests.post(f"{hall.http}/api/v1/tickets/{third_id(hall, auth)}/start", json={}, headers=auth,
                         timeout=5).ok

    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(hall.http + "/console")
    expect(page).to_have_url(re.compile(r"/login"))


def third_id(hall: HallProcess, auth: dict[str, str]) -> str:
    state = requests.get(f"{hall.http}/api/v1/queue", headers=auth, timeout=5).json()
    return next(w for w in state["windows"] if w["number"] == 1)["current"]["id"]


def test_a_manager_is_no_clerk(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    expect(page.locator("h1")).to_contain_text("您好")
    response = page.goto(hall.http + "/console")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_contain_text("无权")


def test_wrong_password_then_too_many(hall: HallProcess, page: Page) -> None:
    # Last in the module: it spends this address's login budget.
    for _ in range(10):
        sign_in(page, hall, "chen", "wrong-password")
        expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    sign_in(page, hall, "chen", CLERK_PASSWORD)  # even the right password, while it is spent
    expect(page.locator(".error")).to_contain_text("尝试次数过多")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_screenshot_is_saved() -> None:
    assert Path(SCREENSHOTS / "console-window1.png").stat().st_size > 10_000
