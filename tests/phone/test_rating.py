"""Rating a window's service (好差评) from the slip's QR code on the phone (issue 15): a
served ticket's rating reaches the managers (the dashboard's ratings by window, a bad one
the follow-ups); a second rating of the same service is refused in words; a ticket not
served yet says so; without JavaScript the form still sends, and a double submit rates once."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess
from tests.web.support import SCREENSHOTS


@pytest.fixture(scope="module")
def clerk(hall: HallProcess) -> dict[str, str]:
    """Chen (c01), signed in at window 1 over REST, as a window's agent would be."""
    auth = {"Authorization": f"Bearer {hall.token('clerk', clerk='c01')}"}
    r = requests.post(f"{hall.http}/api/v1/windows/1/sign-in", json={}, headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    return auth


@pytest.fixture(scope="module")
def manager(hall: HallProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {hall.token('manager')}"}


def take_ticket(hall: HallProcess) -> dict[str, Any]:
    """A number taken as a kiosk takes it: the reply holds the slip's id and token."""
    items = requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()["items"]
    item = next(i["code"] for i in items if i["stream"] == "citizen")
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def serve(hall: HallProcess, clerk: dict[str, str], ticket_id: str) -> None:
    """Window 1 calls, starts and completes every visitor until this ticket has been served."""
    for _ in range(30):
        r = requests.post(f"{hall.http}/api/v1/windows/1/call-next", headers=clerk, timeout=10)
        assert r.status_code == 200, r.text
        called = r.json()["ticket"]["id"]
        for step in ("start", "complete"):
            r = requests.post(f"{hall.http}/api/v1/tickets/{called}/{step}", json={}, headers=clerk, timeout=10)
            assert r.ok, r.text
        if called == ticket_id:
            return
    raise AssertionError(f"{ticket_id} was never called")


def rate_url(hall: HallProcess, ticket: dict[str, Any]) -> str:
    return f"{hall.http}/m/rate/{ticket['id']}?token={ticket['token']}"


def window_1_ratings(hall: HallProcess, manager: dict[str, str]) -> dict[str, Any]:
    r = requests.get(f"{hall.http}/api/v1/reports/dashboard", headers=manager, timeout=10)
    assert r.status_code == 200, r.text
    rows = [w for w in r.json()["ratings_by_window"] if w["window"] == 1]
    return rows[0] if rows else {"count": 0, "levels": {}}


def test_a_served_ticket_is_rated_and_the_managers_see_it(
    phone: Page, hall: HallProcess, clerk: dict[str, str], manager: dict[str, str]
) -> None:
    ticket = take_ticket(hall)
    serve(hall, clerk, ticket["id"])
    before = window_1_ratings(hall, manager)

    phone.goto(rate_url(hall, ticket))
    levels = phone.locator("#levels input[type=radio]")
    expect(levels).to_have_count(5)
    for words in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        expect(phone.get_by_label(words, exact=False).first).to_be_visible()
    # big targets: each level is at least a thumb high
    box = phone.locator("label.level-5").bounding_box()
    assert box is not None and box["height"] >= 44
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
    assert ticket["token"] not in phone.inner_text("body")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "phone-rate.png"), full_page=True)

    phone.locator("label.level-2").click()
    phone.fill("#comment", "材料要求没有一次讲清楚")
    phone.click("#send-rating")
    expect(phone.locator("#thanks")).to_contain_text("感谢您的评价")
    expect(phone.locator("#rated-level")).to_contain_text("不满意")
    expect(phone.locator("#follow-up")).to_contain_text("跟进")  # a bad rating is followed up, by a date
    assert "token" not in phone.url  # the thank-you page's link holds no token
    assert_accessible(phone)
    assert_fits_phone(phone)
    phone.reload()  # post/redirect/get: a reload shows the thanks again and sends nothing
    expect(phone.locator("#thanks")).to_be_visible()

    after = window_1_ratings(hall, manager)
    assert after["count"] == before["count"] + 1
    assert after["levels"].get("2", 0) == before["levels"].get("2", 0) + 1
    r = requests.get(f"{hall.http}/api/v1/follow-ups", headers=manager, timeout=10)
    assert r.status_code == 200, r.text
    follow_up = next(f for f in r.json()["follow_ups"] if f["ticket"] == ticket["id"])
    assert follow_up["level"] == 2 and follow_up["window"] == 1 and follow_up["source"] == "web"
    assert follow_up["comment"] == "材料要求没有一次讲清楚"

    # The same service rated again, from the same slip: refused in words, nothing stored.
    phone.goto(rate_url(hall, ticket))
    phone.locator("label.level-5").click()
    phone.click("#send-rating")
    expect(phone.locator("#refused")).to_contain_text("该次服务已评价，不能重复评价")
    expect(phone.locator("#refused [lang=en]")).to_contain_text("rated already")
    expect(phone.locator("#rate-form")).to_have_count(0)
    assert window_1_ratings(hall, manager)["count"] == after["count"]
    assert_accessible(phone)


def test_a_ticket_not_served_yet_says_so(phone: Page, hall: HallProcess) -> None:
    ticket = take_ticket(hall)
    response = phone.goto(rate_url(hall, ticket))
    assert response is not None and response.status == 409
    expect(phone.locator("#not-served")).to_contain_text(f"票号 {ticket['number']} 尚未办理")
    expect(phone.locator("#not-served [lang=en]")).to_contain_text("not been served yet")
    expect(phone.locator("#rate-form")).to_have_count(0)
    assert_accessible(phone)
    assert_fits_phone(phone)


def test_a_wrong_token_rates_nothing(phone: Page, hall: HallProcess, clerk: dict[str, str],
                                     manager: dict[str, str]) -> None:
    ticket = take_ticket(hall)
    serve(hall, clerk, ticket["id"])
    before = window_1_ratings(hall, manager)["count"]
    phone.goto(f"{hall.http}/m/rate/{ticket['id']}?token=not-the-slips-token")
    phone.locator("label.level-5").click()
    phone.click("#send-rating")
    expect(phone.locator("#refused")).to_contain_text("没有找到票号")
    assert window_1_ratings(hall, manager)["count"] == before
    # A level must be chosen: the page says so, and keeps the comment.
    phone.goto(rate_url(hall, ticket))
    phone.fill("#comment", "很好")
    phone.evaluate("document.querySelector('#rate-form').noValidate = true")
    phone.click("#send-rating")
    expect(phone.locator("#refused")).to_contain_text("请选择一个满意程度")
    expect(phone.locator("#comment")).to_have_value("很好")
    assert window_1_ratings(hall, manager)["count"] == before


def test_rating_without_javascript_and_a_double_submit_rates_once(
    no_js_phone: Page, hall: HallProcess, clerk: dict[str, str], manager: dict[str, str]
) -> None:
    page = no_js_phone
    ticket = take_ticket(hall)
    serve(hall, clerk, ticket["id"])
    before = window_1_ratings(hall, manager)
    page.goto(rate_url(hall, ticket))
    form = {
        "csrf_token": page.input_value("input[name=csrf_token]"),
        "key": page.input_value("input[name=key]"),
        "token": ticket["token"],
        "level": "5",
    }
    action = f"{hall.http}/m/rate/{ticket['id']}"
    # A double tap: the same form twice. Both land on the thanks; one rating is stored.
    first = page.request.post(action, form=form, max_redirects=0)
    second = page.request.post(action, form=form, max_redirects=0)
    assert first.status == second.status == 303, (first.text(), second.text())
    assert first.headers["location"] == second.headers["location"]
    after = window_1_ratings(hall, manager)
    assert after["count"] == before["count"] + 1
    assert after["levels"].get("5", 0) == before["levels"].get("5", 0) + 1

    # And the form itself, clicked with JavaScript off, for another served ticket.
    other = take_ticket(hall)
    serve(hall, clerk, other["id"])
    page.goto(rate_url(hall, other))
    page.locator("label.level-4").click()
    page.click("#send-rating")
    expect(page.locator("#thanks")).to_be_visible()
    expect(page.locator("#rated-level")).to_contain_text("满意")
    expect(page.locator("#follow-up")).to_have_count(0)  # a good rating opens no follow-up
    assert window_1_ratings(hall, manager)["count"] == after["count"] + 1
    assert_private(page)
