"""The admin's accounts page and the ``user`` CLI: make, disable, enable and reset accounts,
each in the audit log; a disabled account's open session ends at its next click."""

from __future__ import annotations

import re
import subprocess
import sys

import requests
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select

from queue_server.store.models import AuditEntry
from tests.support.hall import ROOT, HallProcess
from tests.web.support import (
    CLERK2_PASSWORD,
    CLERK_PASSWORD,
    MANAGER_PASSWORD,
    SCREENSHOTS,
    add_user,
    sign_in,
)

ADMIN_PASSWORD = "admin-pass-2026"


def audit(hall: HallProcess, action: str) -> list[tuple[str, str]]:
    engine = create_engine(hall.db)
    try:
        with engine.connect() as c:
            rows = c.execute(select(AuditEntry.actor, AuditEntry.subject).where(AuditEntry.action == action))
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def new_password(page: Page) -> str:
    text = page.locator("#new-password code").inner_text()
    assert len(text) >= 8
    return text


def test_an_admin_makes_an_account_that_then_signs_in(hall: HallProcess, page: Page, browser: Browser) -> None:
    add_user(hall, "root", "admin", ADMIN_PASSWORD)
    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.click("#to-accounts")
    expect(page.locator("#accounts")).to_contain_text("chen")
    expect(page.locator("#user-boss")).to_contain_text("大厅管理员")

    form = page.locator("#new-account")
    form.locator("input[name=username]").fill("lina")
    form.locator("select[name=role]").select_option("clerk")
    form.locator("select[name=clerk]").select_option("c03")
    form.locator("button[type=submit]").click()
    password = new_password(page)
    expect(page.locator("#user-lina")).to_contain_text("窗口工作人员")
    assert ("user:root", "lina") in audit(hall, "user.create")

    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(other, hall, "lina", password)
    expect(other).to_have_url(re.compile(r"/window$"))  # a clerk picks a window next
    other.context.close()

    # The page is never cached: it may carry a password.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = requests.get(f"{hall.http}/accounts", cookies=cookies, timeout=5)
    assert r.headers["Cache-Control"] == "no-store"


def test_refusals_are_said_in_both_languages(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.goto(hall.http + "/accounts")
    form = page.locator("#new-account")
    form.locator("input[name=username]").fill("nobody")
    form.locator("select[name=role]").select_option("reviewer")
    form.locator("button[type=submit]").click()  # a reviewer without a clerk
    expect(page.locator("#refused")).to_contain_text("工作人员账号须用")
    expect(page.locator("#refused")).to_contain_text("needs --clerk")

    form.locator("input[name=username]").fill("chen")
    form.locator("select[name=role]").select_option("manager")
    form.locator("button[type=submit]").click()
    expect(page.locator("#refused")).to_contain_text("已有用户 chen")

    page.click("#user-root button:has-text('停用')")
    expect(page.locator("#refused")).to_contain_text("不能停用自己的账号")


def test_disabling_ends_an_open_session_and_enabling_restores_the_account(
    hall: HallProcess, page: Page, browser: Browser
) -> None:
    clerk = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(clerk, hall, "wang", CLERK2_PASSWORD)
    expect(clerk).to_have_url(re.compile(r"/window$"))

    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.goto(hall.http + "/accounts")
    page.click("#user-wang button:has-text('停用')")
    expect(page.locator("#user-wang")).to_contain_text("已停用")
    clerk.reload()
    expect(clerk).to_have_url(re.compile(r"/login"))
    sign_in(clerk, hall, "wang", CLERK2_PASSWORD)
    expect(clerk.locator(".error")).to_be_visible()  # refused like a wrong password

    page.click("#user-wang button:has-text('启用')")
    expect(page.locator("#user-wang")).to_contain_text("正常")
    sign_in(clerk, hall, "wang", CLERK2_PASSWORD)
    expect(clerk).to_have_url(re.compile(r"/window$"))
    assert ("user:root", "wang") in audit(hall, "user.disable")
    assert ("user:root", "wang") in audit(hall, "user.enable")
    clerk.context.close()


def test_a_reset_password_replaces_the_old_one(hall: HallProcess, page: Page, browser: Browser) -> None:
    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.goto(hall.http + "/accounts")
    page.click("#user-chen button:has-text('重置密码')")
    password = new_password(page)
    assert password != CLERK_PASSWORD

    clerk = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(clerk, hall, "chen", CLERK_PASSWORD)
    expect(clerk.locator(".error")).to_be_visible()
    sign_in(clerk, hall, "chen", password)
    expect(clerk).to_have_url(re.compile(r"/window$"))
    clerk.context.close()
    assert ("user:root", "chen") in audit(hall, "user.password")


def test_a_manager_may_not_manage_accounts(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    expect(page.locator("#to-accounts")).to_have_count(0)
    response = page.goto(hall.http + "/accounts")
    assert response is not None and response.status == 403
    expect(page.locator("body")).to_contain_text("无权访问")


def user_cli(hall: HallProcess, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queue_server", "user", *args, "--db", hall.db, "--var", str(hall.var)],
        cwd=ROOT, input=(password or "") + "\n", text=True, capture_output=True, timeout=60,
    )


def test_the_cli_disables_enables_and_resets(hall: HallProcess, page: Page) -> None:
    add_user(hall, "zhao", "clerk", "zhao-min-2026", clerk="c06")
    assert user_cli(hall, "disable", "zhao").returncode == 0
    sign_in(page, hall, "zhao", "zhao-min-2026")
    expect(page.locator(".error")).to_be_visible()
    assert user_cli(hall, "enable", "zhao").returncode == 0
    assert user_cli(hall, "password", "zhao", "--password-stdin", password="zhao-new-2026").returncode == 0
    sign_in(page, hall, "zhao", "zhao-new-2026")
    expect(page).to_have_url(re.compile(r"/window$"))
    assert ("cli", "zhao") in audit(hall, "user.password")

    short = user_cli(hall, "password", "zhao", "--password-stdin", password="short")
    assert short.returncode != 0 and "密码至少" in short.stderr
    missing = user_cli(hall, "disable", "ghost")
    assert missing.returncode != 0 and "没有用户 ghost" in missing.stderr


def test_screenshot_of_the_accounts_page(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.goto(hall.http + "/accounts")
    page.click("#user-lina button:has-text('重置密码')")
    expect(page.locator("#new-password")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "accounts.png"))
