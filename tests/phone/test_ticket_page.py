"""The ticket's live page, as the holder of a slip sees it on a phone: the number, the people
ahead and the wait moving as others are called, the full-screen call with its window, the
"my turn is near" alert, the ended states, cancelling; and the phone fan-out's stream that
keeps it live (``queue_server/live``), against a real server and Debian's Chromium."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from protocol.client import HallClient
from protocol.keys import CurveClientKeys
from queue_server.live.request import BadRequest, parse_head
from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess
from tests.web.support import SCREENSHOTS, new_hall

ITEM = "C-SB-001"


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """A hall whose window 1 has a call pad (pad-1), to serve tickets to their end."""
    h = new_hall(tmp_path_factory.mktemp("hall"), pad_window=1)
    yield h
    h.stop()


@pytest.fixture(scope="module")
def pad(hall: HallProcess) -> Iterator[HallClient]:
    keys = hall.pad  # type: ignore[attr-defined]
    with HallClient(hall.router, curve=CurveClientKeys.from_files(keys["server_public"], keys["secret"]), timeout=5) as c:
        yield c


def take(hall: HallProcess, item: str = ITEM) -> dict[str, Any]:
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()


def call_next(hall: HallProcess, window: int) -> dict[str, Any]:
    tokens = hall.__dict__.setdefault("clerk_tokens", {})  # one token a clerk: each is a run of the CLI
    if window not in tokens:
        tokens[window] = hall.token("clerk", clerk=f"c0{window}")
    token = tokens[window]
    r = requests.post(f"{hall.http}/api/v1/windows/{window}/call-next",
                      headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()["ticket"]


def clear_queue(pad: HallClient) -> None:
    """Serve everyone waiting at window 1, so each test starts with an empty line."""
    while True:
        called = pad.request("window.call_next", {"window": 1}).get("ticket")
        if not called:
            return
        pad.request("ticket.start", {"ticket": called["id"]})
        pad.request("ticket.complete", {"ticket": called["id"]})


def ahead(page: Page) -> str:
    return page.locator("[data-f=position]").first.inner_text()


def test_the_slip_s_link_opens_the_ticket_page_under_the_hall_s_address(hall: HallProcess, phone: Page) -> None:
    t = take(hall)
    assert t["page_url"].startswith(f"{hall.http}/m/ticket/{t['id']}?token=")
    phone.goto(t["page_url"])
    expect(phone.locator("#number")).to_have_text(t["number"])
    expect(phone.locator("#item")).to_contain_text("城乡居民养老保险参保登记")
    assert t["token"] not in phone.inner_text("body")


def test_the_page_moves_as_people_ahead_are_called_and_shows_its_own_call(
    hall: HallProcess, phone: Page, pad: HallClient
) -> None:
    clear_queue(pad)
    first, second, mine = take(hall), take(hall), take(hall)
    phone.goto(mine["page_url"])
    expect(phone.locator("#ahead-line")).to_contain_text("前面还有 2 人")
    expect(phone.locator("#wait-line")).to_contain_text("分钟")
    expect(phone.locator("#live-state")).to_contain_text("实时更新中")
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-ticket.png"))

    assert call_next(hall, 2)["number"] == first["number"]
    expect(phone.locator("#ahead-line")).to_contain_text("前面还有 1 人")  # no reload
    assert call_next(hall, 3)["number"] == second["number"]
    expect(phone.locator("#next-line")).to_be_visible()
    expect(phone.locator("#ahead-line")).to_be_hidden()

    assert call_next(hall, 1)["number"] == mine["number"]
    call = phone.locator("#call")
    expect(call).to_be_visible()
    expect(call).to_contain_text("请到 1 号窗口")
    expect(call).to_contain_text("Please go to window 1")
    assert_accessible(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-ticket-called.png"))
    phone.click("#call-ok")
    expect(call).to_be_hidden()
    expect(phone.locator("[data-for=called]")).to_contain_text("请到 1 号窗口")

    pad.request("ticket.recall", {"ticket": mine["id"]})
    expect(call).to_be_visible()  # a recall calls again
    expect(phone.locator("[data-for=called]")).to_contain_text("第 2 次呼叫")

    pad.request("ticket.start", {"ticket": mine["id"]})
    expect(phone.locator("[data-for=serving]")).to_contain_text("正在 1 号窗口办理")
    expect(call).to_be_hidden()
    pad.request("ticket.complete", {"ticket": mine["id"]})
    expect(phone.locator("#ended")).to_contain_text("已办结")  # the page reloads to its end
    expect(phone.locator("#rate")).to_have_attribute("href", re.compile(rf"/m/rate/{mine['id']}\?token="))
    assert_accessible(phone)


def test_the_alert_comes_when_the_chosen_number_of_people_is_ahead(
    hall: HallProcess, phone: Page, pad: HallClient
) -> None:
    clear_queue(pad)
    others = [take(hall) for _ in range(3)]
    mine = take(hall)
    phone.goto(mine["page_url"])
    expect(phone.locator("#ahead-line")).to_contain_text("前面还有 3 人")
    phone.select_option("#alert-at", "2")
    phone.click("#alerts-on")
    expect(phone.locator("#alerts-on")).to_be_disabled()
    expect(phone.locator("#near")).to_be_hidden()
    called = pad.request("window.call_next", {"window": 1})["ticket"]
    assert called["number"] == others[0]["number"]
    pad.request("ticket.start", {"ticket": called["id"]})
    expect(phone.locator("#near")).to_be_visible()
    expect(phone.locator("#near")).to_contain_text("快轮到您了")
    clear_queue(pad)


def test_a_missed_call_and_a_transfer_are_explained(hall: HallProcess, phone: Page, pad: HallClient) -> None:
    clear_queue(pad)
    mine = take(hall)
    phone.goto(mine["page_url"])
    called = pad.request("window.call_next", {"window": 1})["ticket"]
    assert called["id"] == mine["id"]
    expect(phone.locator("#call")).to_be_visible()
    # Called and never started: the next call puts it back in line, a missed call.
    take(hall)
    pad.request("window.call_next", {"window": 1})
    missed = phone.locator("[data-if=missed]")
    expect(missed).to_be_visible()
    expect(missed).to_contain_text("您错过了叫号")
    clear_queue(pad)
    expect(phone.locator("#ended")).to_contain_text("已办结")  # served in the end: the page reloaded to it

    moved = take(hall)
    called = pad.request("window.call_next", {"window": 1})["ticket"]
    pad.request("ticket.start", {"ticket": called["id"]})
    phone.goto(moved["page_url"])
    pad.request("ticket.transfer", {"ticket": moved["id"], "to_window": 2, "note": "社保卡问题"})
    note = phone.locator("[data-if=transferred_to_window]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("已为您转至 2 号窗口")
    assert "社保卡问题" not in phone.inner_text("body")  # the clerk's note is for the next window
    assert call_next(hall, 2)["id"] == moved["id"]
    expect(phone.locator("#call")).to_contain_text("请到 2 号窗口")


def test_without_javascript_the_page_reads_and_cancels(hall: HallProcess, no_js_phone: Page) -> None:
    t = take(hall)
    no_js_phone.goto(t["page_url"])
    expect(no_js_phone.locator("#number")).to_have_text(t["number"])
    expect(no_js_phone.locator("#reload-hint")).to_be_visible()
    no_js_phone.click("#cancel summary")
    no_js_phone.click("#cancel-ticket")  # not confirmed: nothing happens but the reminder
    expect(no_js_phone.locator("#unconfirmed")).to_contain_text("请先勾选")
    assert requests.post(f"{hall.http}/api/v1/tickets/{t['id']}/cancel", json={"token": "x" * 16},
                         timeout=5).status_code == 404
    no_js_phone.check("#confirm-cancel")
    no_js_phone.click("#cancel-ticket")
    expect(no_js_phone.locator("#ended")).to_contain_text("已取消")
    no_js_phone.reload()  # a reload after the post sends nothing again
    expect(no_js_phone.locator("#ended")).to_contain_text("已取消")
    assert_accessible_without_js(no_js_phone)


def assert_accessible_without_js(page: Page) -> None:
    """axe-core needs JavaScript: the same page is checked in a context that has it."""
    url = page.url
    context = page.context.browser.new_context(viewport={"width": 360, "height": 640})  # type: ignore[union-attr]
    try:
        p = context.new_page()
        p.goto(url)
        assert_accessible(p)
    finally:
        context.close()


def test_a_no_show_is_explained(hall: HallProcess, phone: Page, pad: HallClient) -> None:
    clear_queue(pad)
    t = take(hall)
    phone.goto(t["page_url"])
    pad.request("window.call_next", {"window": 1})
    for _ in range(2):  # the hall's rule: recalled twice before a no-show
        pad.request("ticket.recall", {"ticket": t["id"]})
    pad.request("ticket.no_show", {"ticket": t["id"]})
    expect(phone.locator("#ended")).to_contain_text("已过号")
    expect(phone.locator("[data-for=no_show]")).to_contain_text("请重新取号")


def test_a_wrong_token_shows_no_ticket(hall: HallProcess, phone: Page) -> None:
    t = take(hall)
    phone.goto(f"{hall.http}/m/ticket/{t['id']}?token=wrongwrongwrong1")
    expect(phone.locator("h1")).to_contain_text("找不到该票号")
    assert t["number"] not in phone.inner_text("body")
    r = requests.get(f"{hall.phone_live}/live/ticket/{t['id']}?token=wrongwrongwrong1", timeout=5)
    assert r.status_code == 404  # the stream is refused as the page is


def test_the_live_stream_sends_the_facts_and_no_secret(hall: HallProcess) -> None:
    t = take(hall)
    with requests.get(f"{hall.phone_live}/live/ticket/{t['id']}?token={t['token']}", stream=True, timeout=5) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        lines = r.iter_lines(chunk_size=1, decode_unicode=True)
        data = next(line for line in lines if line.startswith("data: "))
    assert f'"number":"{t["number"]}"' in data and '"state":"waiting"' in data
    assert t["token"] not in data


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"POST /live/ticket/x HTTP/1.1\r\n\r\n", 405),
        (b"GET /live/ticket/x\r\n\r\n", 400),
        (b"GET nowhere HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431),
    ],
)
def test_the_live_server_refuses_what_is_not_a_browser_s_get(raw: bytes, status: int) -> None:
    with pytest.raises(BadRequest) as e:
        parse_head(raw)
    assert e.value.status == status


def test_garbage_on_the_live_port_gets_an_answer_and_the_server_goes_on(hall: HallProcess) -> None:
    for raw in (b"\x00\xff garbage\r\n\r\n", b"GET /elsewhere HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nX: " + b"a" * 9000):
        with socket.create_connection(("127.0.0.1", hall.phone_port), timeout=5) as s:
            s.sendall(raw)
            answer = s.recv(200)
        assert re.match(rb"HTTP/1\.1 (400|404|431) ", answer), answer
    assert requests.get(f"{hall.phone_live}/live/health", timeout=5).json()["pages"] >= 0
