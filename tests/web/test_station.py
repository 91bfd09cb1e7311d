"""A window as the clerk's whole station: the console in a browser, the call pad and the
evaluation pad on the desk and the printer beside them, one window agent connecting them to
a real queue server. The pad's keys act as the console's buttons do and the open console
follows them without a reload; the evaluation pad's key after the service is its rating."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from devices.simulators import CallPadSimulator, EvalPadSimulator, KeypadSimulator
from devices.windowagent.agent import WindowAgent
from printer.simulator import PrinterSimulator
from tests.support.hall import HallProcess
from tests.support.station import agent_config, pad_simulator, running_agent
from tests.web.support import CLERK_PASSWORD, at_window, new_hall

WINDOW = 1
ITEM = "C-SB-001"  # a citizen item: window 1 (comprehensive, citizen) calls it


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("hall"), pad_window=WINDOW)
    yield h
    h.stop()


@pytest.fixture
def callpad(tmp_path: Path) -> Iterator[CallPadSimulator]:
    with pad_simulator(CallPadSimulator, tmp_path / "callpad", window=WINDOW) as sim:
        yield sim


@pytest.fixture
def evalpad(tmp_path: Path) -> Iterator[EvalPadSimulator]:
    with pad_simulator(EvalPadSimulator, tmp_path / "evalpad") as sim:
        yield sim


@pytest.fixture
def agent(
    hall: HallProcess, tmp_path: Path, callpad: CallPadSimulator, evalpad: EvalPadSimulator,
    printer_sim: PrinterSimulator,
) -> Iterator[WindowAgent]:
    cfg = agent_config(hall, tmp_path, WINDOW, hall.pad, callpad=callpad.path, evalpad=evalpad.path,  # type: ignore[attr-defined]
                       printer=str(tmp_path / "printer"))
    with running_agent(cfg) as a:
        yield a


def take_number(hall: HallProcess) -> dict[str, Any]:
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": ITEM}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def press(sim: KeypadSimulator, seq: int) -> Any:
    reply = sim.wait_reply(seq, timeout=10)
    assert reply is not None, "the pad got no answer"
    return reply


def test_the_pads_work_the_window_and_the_open_console_follows_them(
    hall: HallProcess, page: Page, agent: WindowAgent, callpad: CallPadSimulator, evalpad: EvalPadSimulator
) -> None:
    at_window(page, hall, "chen", CLERK_PASSWORD, WINDOW)
    expect(page.locator("#current-number")).to_have_text("—")
    page.evaluate("window.stationMark = 'same page'")  # gone if the page were reloaded
    first, second = take_number(hall), take_number(hall)
    expect(page.locator("#waiting")).to_have_text("2")

    # 呼叫下一位 on the pad: the pad shows the number, the console shows the visitor.
    called = press(callpad, callpad.press("next"))
    assert called.ok and called.text == first["number"]
    expect(page.locator("#current-number")).to_have_text(first["number"])
    expect(page.locator("#current-state")).to_contain_text("已呼叫")
    expect(page.locator("#waiting")).to_have_text("1")
    assert press(callpad, callpad.press("start")).ok
    expect(page.locator("#current-state")).to_contain_text("办理中")

    # 办结 on the console: the visitor is asked to rate on the evaluation pad; their key is
    # stored as the rating of that service, at this window.
    page.keyboard.press("c")
    page.keyboard.press("1")
    expect(page.locator("#current-number")).to_have_text("—")
    assert evalpad.wait_line("PROMPT", timeout=10) == f"PROMPT {first['number']}"
    assert press(evalpad, evalpad.press(4)).ok
    with sqlite3.connect(hall.var / "hall.db") as db:
        rows = db.execute(
            "SELECT level, window, source FROM evaluations WHERE subject_id = ?", (first["id"],)
        ).fetchall()
    assert rows == [(4, WINDOW, "keypad")]

    # The pad again: the following visitor, on the same page all along.
    assert press(callpad, callpad.press("next")).text == second["number"]
    expect(page.locator("#current-number")).to_have_text(second["number"])
    assert page.evaluate("window.stationMark") == "same page"
    # A no-show before the visitor was called again is the hall's to refuse; the pad says so.
    refused = press(callpad, callpad.press("noshow"))
    assert not refused.ok and refused.text == "STATE"
    assert press(callpad, callpad.press("recall")).ok
    expect(page.locator("#current-number")).to_have_text(second["number"])
