"""The current visitor's cases at the clerk console, in a real browser against a real queue
server: a case started for the visitor at the window, a one-time notice ticking what is
missing, printed by a real window agent on the printer simulator and shown on the case;
accepting (with the hall's refusal in words first) and refusing; the ID masked until the
clerk's click, which is on the audit log; and no step on a case of another window's visitor."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from devices.windowagent.agent import WindowAgent
from printer.simulator import PrinterSimulator
from protocol.idnumber import check_char
from tests.support.hall import HallProcess
from tests.support.station import agent_config, running_agent
from tests.web.support import CLERK2_PASSWORD, CLERK_PASSWORD, SCREENSHOTS, at_window, new_hall

ITEM = "C-WJ-002"  # 医师执业注册: a citizen item, six required materials, no commitment
WINDOW = 1


def id_number(serial: int) -> str:
    first17 = f"110105198001{serial:02d}0{serial:02d}"  # born 1980-01-<serial>
    return first17 + check_char(first17)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("hall"), pad_window=WINDOW)
    yield h
    h.stop()


@pytest.fixture
def agent(hall: HallProcess, tmp_path: Path, printer_sim: PrinterSimulator) -> Iterator[WindowAgent]:
    """Window 1's agent with its printer only (the pads are the window agent tests' part)."""
    cfg = agent_config(hall, tmp_path, WINDOW, hall.pad, printer=str(tmp_path / "printer"))  # type: ignore[attr-defined]
    with running_agent(cfg) as a:
        yield a


def take_number(hall: HallProcess, card: str) -> dict[str, Any]:
    """A ticket taken with the visitor's ID card read (as a kiosk takes it)."""
    r = requests.post(
        f"{hall.http}/api/v1/tickets",
        json={"item_code": ITEM, "id_number": card},
        timeout=5,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def audit(hall: HallProcess, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    with sqlite3.connect(hall.var / "hall.db") as db:
        rows = db.execute(
            "SELECT actor, subject, detail FROM audit_log WHERE action = ? ORDER BY id", (action,)
        ).fetchall()
    return [(a, s, json.loads(d) if isinstance(d, str) else d) for a, s, d in rows]


def finish_current(page: Page) -> None:
    if page.locator("#current-number").inner_text() != "—":
        page.keyboard.press("c")
        page.keyboard.press("1")
    expect(page.locator("#current-number")).to_have_text("—")


def call_visitor(page: Page, hall: HallProcess, card: str) -> dict[str, Any]:
    page.wait_for_load_state("load")  # the console's keys are live
    finish_current(page)
    ticket = take_number(hall, card)
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    expect(page.locator("#visitor-id")).to_have_text(card[:4] + "*" * 10 + card[-4:])
    return ticket


def start_case(page: Page, *materials: str) -> str:
    """新建办件 for the visitor at the window, with the materials they hand in now: the case number."""
    page.keyboard.press("b")
    dialog = page.locator("#case-dialog")
    expect(dialog).to_be_visible()
    for m in materials:
        page.check(f"#m-{m}")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#done")).to_contain_text("已建件")
    row = page.locator("#cases tr.case").first
    expect(row.locator(".case-state")).to_contain_text("已申请")
    return row.get_attribute("data-case") or ""


def test_a_one_time_notice_is_issued_printed_at_the_window_and_shown_on_the_case(
    hall: HallProcess, page: Page, agent: WindowAgent, printer_sim: PrinterSimulator
) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    card = id_number(1)
    call_visitor(page, hall, card)
    expect(page.locator("#no-cases")).to_contain_text("没有在办的办件")
    assert card not in page.content()  # masked: the whole number is nowhere on the page
    case = start_case(page, "id_card", "physician_qualification", "employment_letter", "application_form")

    page.keyboard.press("o")  # 一次性告知: tick the two missing
    expect(page.locator("#case-dialog")).to_be_visible()
    expect(page.locator("#case-dialog h2")).to_contain_text("一次性告知")
    expect(page.locator("#m-id_card")).to_have_count(0)  # handed in: not offered as missing
    page.check("#m-health_certificate")
    page.check("#m-photo")
    page.keyboard.press("Control+Enter")
    row = page.locator(f"#case-{case}")
    expect(row.locator(".case-state")).to_contain_text("待补正")
    expect(row.locator(".case-state")).to_contain_text("waiting for materials")
    owed = row.locator(".case-owed")
    expect(owed).to_contain_text("健康体检证明")
    expect(owed).to_contain_text("近期一寸免冠彩色照片")
    expect(owed).not_to_contain_text("医师资格证书")

    page.keyboard.press("i")  # print it at this window's printer
    expect(page.locator("#done")).to_contain_text(f"{case} 告知书已发送至本窗口打印机")
    [slip] = printer_sim.wait_pages(1, timeout=15)
    assert "一次性告知书" in slip.text and case in slip.text
    assert "健康体检证明" in slip.text and "一寸免冠彩色照片" in slip.text
    assert card not in slip.text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-case.png"))

    # The visitor comes back with what the notice asked for: 补正 at the window.
    page.keyboard.press("m")
    expect(page.locator("#case-dialog h2")).to_contain_text("补正")
    expect(page.locator("#m-id_card")).to_have_count(0)  # only what the notice asked for is offered
    page.check("#m-health_certificate")
    page.check("#m-photo")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#done")).to_contain_text(f"{case} 已补正")
    expect(row.locator(".case-state")).to_contain_text("materials supplemented")
    expect(row.locator(".case-owed")).to_have_count(0)
    expect(page.locator(f"#accept-{case}")).to_be_visible()  # and it can be accepted now


def test_accept_is_refused_in_words_until_the_materials_are_there_and_a_double_click_accepts_once(
    hall: HallProcess, page: Page, agent: WindowAgent, printer_sim: PrinterSimulator
) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    call_visitor(page, hall, id_number(2))
    case = start_case(page, "id_card")
    page.keyboard.press("a")
    expect(page.locator("#case-dialog")).to_be_visible()  # open (not only in the page): keys reach it
    expect(page.locator("#case-dialog h2")).to_contain_text("受理")
    expect(page.locator("#m-id_card")).to_be_checked()  # handed in before: shown, not asked again
    expect(page.locator("#m-id_card")).to_be_disabled()
    expect(page.locator("#commitment")).to_have_count(0)  # this item has no 告知承诺
    page.keyboard.press("Control+Enter")
    message = page.locator("#message")
    expect(message).to_contain_text(f"办件 {case} 不能受理，缺少必要材料")
    expect(message).to_contain_text("required materials are missing")
    expect(page.locator(f"#case-{case} .case-state")).to_contain_text("已申请")

    page.keyboard.press("a")
    expect(page.locator("#case-dialog")).to_be_visible()
    for box in page.locator("#case-dialog input[name=materials]:not([disabled])").all():
        box.check()
    page.dblclick("#case-submit")
    expect(page.locator(f"#case-{case} .case-state")).to_contain_text("已受理")
    expect(page.locator("#done")).to_contain_text(f"{case} 已受理")
    page.wait_for_timeout(500)  # a second accept would have been refused by now
    expect(page.locator("#message")).to_have_count(0)
    token = hall.token("clerk", clerk="c01")
    view = requests.get(f"{hall.http}/api/v1/cases/{case}", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert [s["action"] for s in view.json()["steps"]].count("accept") == 1

    # The acceptance receipt (受理回执), with its check code, from the window's printer.
    page.keyboard.press("e")
    expect(page.locator("#done")).to_contain_text(f"{case} 受理回执已发送至本窗口打印机")
    [slip] = printer_sim.wait_pages(1, timeout=15)
    assert "受理回执" in slip.text and case in slip.text and view.json()["check_code"] in slip.text


def test_refuse_with_the_legal_reason(hall: HallProcess, page: Page) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    call_visitor(page, hall, id_number(3))
    case = start_case(page)
    page.keyboard.press("f")
    expect(page.locator("#case-dialog")).to_be_visible()
    expect(page.locator("#refuse-reason")).to_be_focused()
    page.keyboard.type("申请人不具备申请资格 The applicant is not eligible to apply")
    page.keyboard.press("Enter")
    row = page.locator(f"#case-{case}")
    expect(row.locator(".case-state")).to_contain_text("不予受理")
    expect(row.locator(".case-reason")).to_contain_text("申请人不具备申请资格")
    expect(page.locator("#done")).to_contain_text(f"{case} 不予受理")
    expect(page.locator("#case-new")).to_be_visible()  # refused: the visitor may apply again


def test_a_result_ready_is_handed_out_at_the_window(hall: HallProcess, page: Page) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    card = id_number(4)
    call_visitor(page, hall, card)
    case = start_case(page, "id_card", "physician_qualification", "health_certificate", "employment_letter",
                      "photo", "application_form")
    page.keyboard.press("a")
    expect(page.locator("#case-dialog")).to_be_visible()
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#case-{case} .case-state")).to_contain_text("已受理")
    # The back office: review, the health department's decision, the result ready.
    clerk = {"Authorization": f"Bearer {hall.token('clerk', clerk='c01')}"}
    health = {"Authorization": f"Bearer {hall.token('clerk', clerk='d-health')}"}
    for path, headers, body in (("review", clerk, {}), ("decide", health, {"decision": "approved"}),
                                ("result-ready", clerk, {})):
        r = requests.post(f"{hall.http}/api/v1/cases/{case}/{path}", json=body, headers=headers, timeout=10)
        assert r.status_code == 200, r.text
    page.keyboard.press("r")  # a recall: the panel shows the case as it is now
    row = page.locator(f"#case-{case}")
    expect(row.locator(".case-state")).to_contain_text("待出件")
    expect(page.locator("#certificates")).to_contain_text("待出件 awaiting hand-out")
    page.keyboard.press("h")
    expect(row.locator(".case-state")).to_contain_text("已出件")
    expect(page.locator("#done")).to_contain_text(f"{case} 已出件")


def test_the_id_is_masked_until_shown_in_full_and_each_reveal_is_audited(hall: HallProcess, page: Page) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    card = id_number(5)
    ticket = call_visitor(page, hall, card)
    assert card not in page.content()
    for _ in range(3):  # the hall changes: the panel is drawn again each time
        take_number(hall, id_number(6))
    expect(page.locator("#waiting")).to_have_text("3")
    assert card not in page.content()
    assert [(a, d["window"]) for a, s, d in audit(hall, "visitor.view") if s == ticket["id"]] == [("chen", WINDOW)]
    assert audit(hall, "visitor.id.reveal") == []

    with page.expect_response(re.compile(r"/console/visitor/reveal$")) as answer:
        page.keyboard.press("v")
    assert answer.value.headers["cache-control"] == "no-store"
    expect(page.locator("#id-dialog")).to_be_visible()
    expect(page.locator("#id-full")).to_have_text(card)
    page.keyboard.press("Escape")
    expect(page.locator("#id-full")).to_have_count(0)
    assert card not in page.content()
    page.click("#reveal-id")
    expect(page.locator("#id-dialog")).to_be_visible()
    expect(page.locator("#id-full")).to_have_text(card)
    reveals = audit(hall, "visitor.id.reveal")
    assert [(a, s, d["window"], d["ticket"]) for a, s, d in reveals] == [("chen", ticket["id"], WINDOW, ticket["number"])] * 2
    # The audit log names whose number was seen, masked; never the number itself.
    assert all(card not in json.dumps(d) and d["id_masked"] == card[:4] + "*" * 10 + card[-4:] for _, _, d in reveals)
    page.keyboard.press("Escape")
    expect(page.locator("#id-dialog")).to_have_count(0)
    for _ in range(3):  # the other visitors: done with
        finish_current(page)
        page.keyboard.press("n")
        expect(page.locator("#current-number")).not_to_have_text("—")
    expect(page.locator("#waiting")).to_have_text("0")
    finish_current(page)


def test_a_clerk_cannot_act_on_a_case_of_another_windows_visitor(
    hall: HallProcess, page: Page, browser: Browser
) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    call_visitor(page, hall, id_number(7))
    case = start_case(page, "id_card")
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    at_window(other, hall, "wang", CLERK2_PASSWORD, 2)
    other.wait_for_load_state("load")  # the console's keys are live
    take_number(hall, id_number(8))
    other.keyboard.press("n")
    expect(other.locator("#visitor-id")).to_be_visible()
    expect(other.locator(f"#case-{case}")).to_have_count(0)  # window 1's visitor's case is not listed
    # Sent by hand from window 2's console (its session, its CSRF token, a fresh key).
    said = other.evaluate(
        """async (path) => {
            const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const r = await fetch(path, {method: "POST", headers: {"X-CSRFToken": csrf, "HX-Request": "true"},
                                         body: new URLSearchParams({key: "abcdefgh12345678", reason: "x"})});
            return await r.text();
        }""",
        f"/console/case/{case}/refuse",
    )
    assert f"办件 {case} 不是本窗口当前办事人的办件" in said
    form = other.evaluate("async (path) => (await fetch(path)).text()", f"/console/case/{case}/accept")
    assert "不能在此办理" in form
    expect(page.locator(f"#case-{case} .case-state")).to_contain_text("已申请")  # untouched
    page.keyboard.press("r")
    expect(page.locator(f"#case-{case} .case-state")).to_contain_text("已申请")
    finish_current(other)
    other.context.close()
    finish_current(page)
