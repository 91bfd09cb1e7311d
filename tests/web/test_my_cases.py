"""My cases (我的案件) and a reviewer's tasks in a real Chromium against a real queue server,
and the acceptance receipt printed at the window's printer through a real window agent."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from devices.windowagent.agent import WindowAgent
from printer.simulator import PrinterSimulator
from tests.support.hall import HallProcess
from tests.support.station import agent_config, running_agent
from tests.support.wait import wait_for
from tests.web.support import (
    CLERK_PASSWORD,
    MANAGER_PASSWORD,
    SCREENSHOTS,
    add_user,
    at_window,
    new_hall,
    sign_in,
)

REVIEWER_PASSWORD = "he-jing-2026"
APPLICANT = "11010519491231002X"
CERT_ITEM = "C-WJ-002"  # health (lead, no co-department); promised 5 working days
QUICK_ITEM = "C-RS-001"  # promised 0 working days (即办): yellow at once
WINDOW = 1


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """As ``tests.web.support.new_hall``, with the health bureau's reviewer (he), tokens of
    chen and of the bureau, and window 1's call pad for its agent."""

    def more(h: HallProcess) -> None:
        add_user(h, "he", "reviewer", REVIEWER_PASSWORD, clerk="d-health")
        h.c01 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
        h.health = h.token("clerk", clerk="d-health")  # type: ignore[attr-defined]

    h = new_hall(tmp_path_factory.mktemp("desk-hall"), more, pad_window=WINDOW)
    yield h
    h.stop()


# ------------------------------------------------------------------ cases over REST
def rest(hall: HallProcess, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    r = requests.request(
        method, f"{hall.http}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def accepted_case(hall: HallProcess, item: str = CERT_ITEM) -> dict[str, Any]:
    """A case c01 takes at window 1 with every material the item asks for, accepted."""
    catalogue = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()
    guide = next(i for i in catalogue["items"] if i["code"] == item)["guide"]
    materials = [m["code"] for m in guide["materials"]]
    c01 = hall.c01  # type: ignore[attr-defined]
    made = rest(hall, c01, "POST", "/cases", {"item_code": item, "id_number": APPLICANT, "name": "张三丰",
                                              "materials": materials})
    return rest(hall, c01, "POST", f"/cases/{made['id']}/accept", {})  # type: ignore[no-any-return]


def in_review(hall: HallProcess) -> str:
    case = accepted_case(hall)
    rest(hall, hall.c01, "POST", f"/cases/{case['id']}/review", {})  # type: ignore[attr-defined]
    return case["id"]  # type: ignore[no-any-return]


def overdue(hall: HallProcess, case_id: str, days: int) -> None:
    """The case's clock as if it had been accepted ``days`` days earlier: due, yellow and red
    days moved back. The server has no clock to move (a real process on the real time), so the
    days the store keeps are; the card and the days left are computed from them on each read."""
    back = timedelta(days=days)
    with sqlite3.connect(hall.var / "hall.db") as db:
        due, yellow_on, red_on = db.execute(
            "SELECT due, yellow_on, red_on FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        moved = [(date.fromisoformat(d) - back).isoformat() for d in (due, yellow_on, red_on)]
        db.execute("UPDATE cases SET due = ?, yellow_on = ?, red_on = ? WHERE id = ?", (*moved, case_id))


def row(page: Page, case_id: str) -> Any:
    return page.locator(f"#case-{case_id}")


# ------------------------------------------------------------------ the tests
def test_my_cases_shows_the_clerks_accepted_cases_with_their_cards_most_urgent_first(
    hall: HallProcess, page: Page
) -> None:
    green = accepted_case(hall)["id"]
    yellow = accepted_case(hall, QUICK_ITEM)["id"]
    red = accepted_case(hall)["id"]
    overdue(hall, red, 14)  # two weeks later: past its promised date whatever the holidays
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    expect(page.locator("#role-name")).to_have_text(re.compile(r"^窗口工作人员\s+Clerk$"))
    page.click("#nav-cases")
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.locator("h1")).to_contain_text("我的案件")

    expect(row(page, green).locator(".case-state")).to_have_text(re.compile(r"^已受理\s+accepted$"))
    expect(row(page, green)).to_contain_text("个工作日")
    expect(row(page, green).locator(".case-card")).to_have_text(re.compile(r"^正常\s+On time$"))
    expect(row(page, yellow).locator(".case-card")).to_have_text(re.compile(r"黄牌\s+Yellow card\s+·\s+临近期限"))
    expect(row(page, yellow)).to_contain_text("今日到期")
    expect(row(page, red).locator(".case-card")).to_have_text(re.compile(r"红牌\s+Red card\s+·\s+已超期\s+overdue"))
    expect(row(page, red).locator(".days-left")).to_contain_text("超期")
    # Most urgent first: the red card, then the yellow, then the one on time.
    order = page.locator("#cases-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert order.index(red) < order.index(yellow) < order.index(green)
    # Each accepted case offers its receipt at the window printer.
    expect(page.locator(f"#print-receipt-{green}")).to_contain_text("打印受理回执")
    page.screenshot(path=str(SCREENSHOTS / "my-cases.png"))


def test_a_reviewer_decides_a_task_and_the_case_moves_on_to_its_hand_out(
    hall: HallProcess, page: Page, browser: Browser
) -> None:
    case_id = in_review(hall)
    sign_in(page, hall, "he", REVIEWER_PASSWORD)
    expect(page).to_have_url(re.compile(r"/tasks$"))  # a reviewer's home is their tasks
    expect(page.locator("#role-name")).to_have_text(re.compile(r"^部门审核人员\s+Reviewer$"))
    expect(page.locator("#department-name")).to_contain_text("卫生")
    task = page.locator(f"#task-{case_id}")
    expect(task.locator(".case-id")).to_have_text(case_id)
    expect(task.locator(".case-card")).to_be_visible()
    # A rejection without a reason is refused in plain words, and nothing is decided.
    task.locator("input[value=rejected]").check()
    task.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_contain_text("不予批准须填写理由")
    expect(page.locator(f"#task-{case_id}")).to_be_visible()
    page.locator(f"#task-{case_id} input[value=approved]").check()
    page.locator(f"#task-{case_id} button[type=submit]").click()
    expect(page.locator("#done")).to_contain_text(f"{case_id} 已审批：准予")
    expect(page.locator(f"#task-{case_id}")).to_have_count(0)

    clerk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    at_window(clerk, hall, "chen", CLERK_PASSWORD, WINDOW)
    clerk.goto(hall.http + "/cases")
    expect(row(clerk, case_id).locator(".case-state")).to_have_text(re.compile(r"^已批准\s+approved$"))
    # A double click on "result ready" marks it once: the hand-out drawn in its place is not pressed.
    clerk.dblclick(f"#result-ready-{case_id}")
    expect(row(clerk, case_id).locator(".case-state")).to_have_text(re.compile(r"^待出件\s+ready for pick-up$"))
    clerk.wait_for_timeout(500)  # a second step would have shown by now
    expect(row(clerk, case_id).locator(".case-state")).to_have_text(re.compile(r"^待出件\s+ready for pick-up$"))
    expect(clerk.locator("#message")).to_have_count(0)
    clerk.click(f"#hand-out-{case_id}")
    expect(clerk.locator("#done")).to_contain_text(f"{case_id} 已出件")
    expect(row(clerk, case_id)).to_have_count(0)  # handed out: no longer an open case of the clerk's
    clerk.check("#include-closed")
    expect(row(clerk, case_id).locator(".case-state")).to_have_text(re.compile(r"^已出件\s+handed out$"))
    clerk.click(f"#close-{case_id}")
    expect(row(clerk, case_id).locator(".case-state")).to_have_text(re.compile(r"^已办结\s+closed$"))
    clerk.context.close()


def test_a_stale_decision_is_refused_by_the_hall_in_plain_words(hall: HallProcess, page: Page) -> None:
    case_id = in_review(hall)
    sign_in(page, hall, "he", REVIEWER_PASSWORD)
    expect(page.locator(f"#task-{case_id}")).to_be_visible()
    # Decided meanwhile at another desk, before this page's list was refreshed (its refreshes
    # held back: otherwise the decided task may vanish before the click).
    page.route("**/tasks/list*", lambda route: route.abort())
    rest(hall, hall.health, "POST", f"/cases/{case_id}/decide", {"decision": "approved"})  # type: ignore[attr-defined]
    page.locator(f"#task-{case_id} button[type=submit]").click()
    message = page.locator("#message")
    expect(message).to_be_visible()
    assert re.match(r"[\u4e00-\u9fff]", message.inner_text())  # the hall's Chinese first
    assert re.search(r"[A-Za-z]{3}", message.locator("small").inner_text())  # then its English
    expect(page.locator(f"#task-{case_id}")).to_have_count(0)


def test_a_manager_sees_a_named_departments_tasks(hall: HallProcess, page: Page) -> None:
    case_id = in_review(hall)
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    expect(page.locator("#role-name")).to_have_text(re.compile(r"^大厅管理员\s+Manager$"))
    page.click("#nav-tasks")
    expect(page.locator("#choose-department")).to_be_visible()
    page.select_option("#department", "health")
    expect(page.locator(f"#task-{case_id}")).to_be_visible()


# ------------------------------------------------------------------ the receipt at the window
@pytest.fixture
def agent(hall: HallProcess, tmp_path: Path, printer_sim: PrinterSimulator) -> Iterator[WindowAgent]:
    """Window 1's agent with its printer only (no pads: the receipt needs none)."""
    cfg = agent_config(hall, tmp_path, WINDOW, hall.pad, printer=str(tmp_path / "printer"))  # type: ignore[attr-defined]
    with running_agent(cfg) as a:
        yield a


def test_the_receipt_printed_from_my_cases_comes_out_of_the_window_printer(
    hall: HallProcess, page: Page, agent: WindowAgent, printer_sim: PrinterSimulator
) -> None:
    case = accepted_case(hall)
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    page.goto(hall.http + "/cases")
    page.dblclick(f"#print-receipt-{case['id']}")  # twice: one slip
    expect(page.locator("#done")).to_contain_text(f"{case['id']} 受理回执已发送至窗口打印机")
    [slip] = printer_sim.wait_pages(1, timeout=20)
    assert "受理回执" in slip.text and case["id"] in slip.text and case["check_code"] in slip.text
    # its QR code: the case's phone page as the server gave it (the agent assembles no link)
    assert slip.qr_codes == [f"{hall.http}/m/case/{case['id']}?code={case['check_code']}"]
    jobs = lambda: rest(hall, hall.c01, "GET", f"/windows/{WINDOW}/print")["jobs"]  # type: ignore[attr-defined]  # noqa: E731
    wait_for(lambda: jobs() == [], timeout=10, message=lambda: f"jobs left: {jobs()}")
    page.wait_for_timeout(500)  # a second slip would have come by now
    assert len(printer_sim.pages) == 1
