"""The clerk console in a real browser (Debian's Chromium driven by Playwright) against a
real queue server process: sign-in, a window, calling by button and by keyboard, live
updates by server-sent events, CSRF, roles, sign-out, the login rate limit."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.hall import ROOT, HallProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CLERK_PASSWORD = "chen-xiaomei-2026"
MANAGER_PASSWORD = "manager-pass-2026"


def add_user(hall: HallProcess, name: str, role: str, password: str, clerk: str | None = None) -> None:
    extra = ["--clerk", clerk] if clerk else []
    subprocess.run(
        [sys.executable, "-m", "queue_server", "user", "add", name, "--role", role, *extra, "--password-stdin",
         "--db", hall.db, "--var", str(hall.var)],
        cwd=ROOT, input=password + "\n", text=True, check=True, capture_output=True, timeout=60,
    )


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    # The pages load htmx from the package's static folder: make bootstrap puts it there.
    subprocess.run(["bash", str(ROOT / "scripts" / "vendor.sh")], check=True, timeout=300)
    var = tmp_path_factory.mktemp("hall")
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    h.init()
    add_user(h, "chen", "clerk", CLERK_PASSWORD, clerk="c01")
    add_user(h, "boss", "manager", MANAGER_PASSWORD)
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    yield context.new_page()
    context.close()


def sign_in(page: Page, hall: HallProcess, username: str, password: str) -> None:
    page.goto(hall.http + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#sign-in")


def issue(hall: HallProcess) -> str:
    items = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()["items"]
    item = next(i["code"] for i in items if i["stream"] == "citizen")
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()["number"]


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
    expect(page.locator("#current-state")).to_have_text("serving")
    page.keyboard.press("c")  # complete
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
