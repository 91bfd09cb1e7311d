"""The window agent end to end: a real queue server, the real pad drivers against the pad
simulators on ptys, the real printer driver against the printer simulator."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devices.keypad import CallAction, CallCommand
from devices.simulators import CallPadSimulator, EvalPadSimulator
from devices.windowagent.agent import WindowAgent
from devices.windowagent.config import load_agent_config
from printer.document import Cut, Document, Text
from printer.simulator import PrinterSimulator
from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from tests.support import station
from tests.support.hall import ROOT, HallProcess
from tests.support.station import printer_simulator, running_agent
from tests.support.wait import wait_for

WINDOW = 1  # c01 is signed in there in the demo hall


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("agent-hall")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.kiosk = h.enroll("kiosk-1", "kiosk")  # type: ignore[attr-defined]
    h.pad = h.enroll("pad-1", "callpad", window=WINDOW)  # type: ignore[attr-defined]
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.c01 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with printer_simulator(tmp_path) as sim:
        yield sim


def agent_config(hall: HallProcess, tmp_path: Path, callpad: str, evalpad: str, printer: str) -> Any:
    return station.agent_config(
        hall, tmp_path, WINDOW, hall.pad, callpad=callpad, evalpad=evalpad, printer=printer  # type: ignore[attr-defined]
    )


@pytest.fixture
def agent(
    hall: HallProcess,
    tmp_path: Path,
    callpad_sim: CallPadSimulator,
    evalpad_sim: EvalPadSimulator,
    printer_sim: PrinterSimulator,
) -> Iterator[WindowAgent]:
    callpad_sim.window = str(WINDOW)  # the conftest's pad is wired for window 3
    with running_agent(agent_config(hall, tmp_path, callpad_sim.path, evalpad_sim.path, str(tmp_path / "printer"))) as a:
        yield a


def kiosk(hall: HallProcess) -> HallClient:
    k = hall.kiosk  # type: ignore[attr-defined]
    return HallClient(hall.router, curve=CurveClientKeys.from_files(k["server_public"], k["secret"]), timeout=3)


def take_number(hall: HallProcess) -> dict[str, Any]:
    with kiosk(hall) as client:
        items = client.request("catalogue.get", {})["catalogue"]["items"]
        item = next(i["code"] for i in items if i["stream"] == "citizen")
        return client.request("ticket.issue", {"item_code": item})


def queue(hall: HallProcess) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {hall.manager}"}  # type: ignore[attr-defined]
    r = requests.get(f"{hall.http}/api/v1/queue", headers=headers, timeout=5)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def window(hall: HallProcess) -> dict[str, Any]:
    return next(w for w in queue(hall)["windows"] if w["number"] == WINDOW)


def press(sim: CallPadSimulator | EvalPadSimulator, *key: Any) -> Any:
    reply = sim.wait_reply(sim.press(*key), timeout=10)
    assert reply is not None, "the pad got no answer"
    return reply


def test_next_calls_the_following_visitor_and_the_pad_shows_its_number(
    hall: HallProcess, agent: WindowAgent, callpad_sim: CallPadSimulator
) -> None:
    take_number(hall)
    head = queue(hall)["waiting"][0]
    reply = press(callpad_sim, "next")
    assert reply.ok and reply.text == head["number"]
    current = window(hall)["current"]
    assert current["id"] == head["id"] and current["state"] == "called"


def test_started_service_completes_on_next_and_the_evaluation_is_stored(
    hall: HallProcess, agent: WindowAgent, callpad_sim: CallPadSimulator, evalpad_sim: EvalPadSimulator
) -> None:
    take_number(hall)
    take_number(hall)
    first = press(callpad_sim, "next").text
    assert press(callpad_sim, "start").ok
    served = window(hall)["current"]
    assert (served["number"], served["state"]) == (first, "serving")
    second = press(callpad_sim, "next")
    assert second.ok and second.text != first
    # The visitor just served is asked to rate, on the window's evaluation pad.
    assert evalpad_sim.wait_line("PROMPT", timeout=10) == f"PROMPT {first}"
    rated = press(evalpad_sim, 5)
    assert rated.ok
    with sqlite3.connect(hall.var / "hall.db") as db:
        rows = db.execute(
            "SELECT level, window, source FROM evaluations WHERE subject_id = ?", (served["id"],)
        ).fetchall()
    assert rows == [(5, WINDOW, "keypad")]
    # One rating per prompt: a second key is refused, nothing more is stored.
    again = press(evalpad_sim, 1)
    assert not again.ok and again.text == "IDLE"


def test_a_press_repeated_because_its_answer_was_lost_calls_one_visitor(
    hall: HallProcess, agent: WindowAgent, callpad_sim: CallPadSimulator
) -> None:
    take_number(hall)
    take_number(hall)
    before = window(hall)["recent"]
    callpad_sim.drop_replies = 1  # the first ACK is lost on the line: the pad sends again
    reply = press(callpad_sim, "next")
    assert reply.ok
    after = window(hall)["recent"]
    assert after[0] == reply.text and after[1 : len(before) + 1] == before[: len(after) - 1]  # one call
    assert sum(1 for line in callpad_sim.received if line.startswith("ACK ") and line != "ACK 0") == 2


def test_the_agent_sending_a_press_again_acts_once(hall: HallProcess, agent: WindowAgent) -> None:
    # The agent's request timed out and is sent again with the press's key: the server answers
    # with its first answer, it calls nobody else.
    take_number(hall)
    take_number(hall)
    cmd = CallCommand("callpad", str(WINDOW), CallAction.NEXT, "NEXT", 7, "callpad:retry:7")
    called = agent.actions.handle(cmd)
    recent = window(hall)["recent"]
    assert agent.actions.handle(cmd) == called
    assert window(hall)["recent"] == recent and recent[0] == called


def test_a_pad_wired_for_another_window_is_refused(
    hall: HallProcess, agent: WindowAgent, callpad_sim: CallPadSimulator
) -> None:
    take_number(hall)
    before = window(hall)["recent"]
    callpad_sim.window = "2"
    reply = press(callpad_sim, "next")
    assert (reply.ok, reply.text) == (False, "BADWIN")
    assert window(hall)["recent"] == before


def test_the_pads_and_printer_health_reach_the_server(hall: HallProcess, agent: WindowAgent) -> None:
    def reported() -> dict[str, str]:
        rows = queue(hall).get("device_health") or []
        return {r["device"]: r["status"] for r in rows if r["reporter"] == "pad-1"}

    wait_for(lambda: reported() == {"callpad": "ok", "evalpad": "ok", "printer": "ok"}, timeout=10,
             message=lambda: f"health reported: {reported()}")


def test_a_receipt_printed_while_out_of_paper_is_kept_and_printed_once_paper_is_back(
    agent: WindowAgent, printer_sim: PrinterSimulator
) -> None:
    printer_sim.set_paper("end")
    printer = agent.printer
    assert printer is not None
    wait_for(lambda: printer.health().status.value == "degraded", timeout=10)
    notice = Document("notice", (Text("办结通知", "center", 2, 2), Text("Notice of completion"), Cut()))
    job = agent.print_document(notice, title="notice")
    job.wait(1.0)
    assert not job.done and job.path is not None and job.path.exists()  # kept on disk, not lost
    printer_sim.set_paper("ok")
    assert job.wait(10).value in ("printed", "sent")
    [page] = printer_sim.wait_pages(1, timeout=5)
    assert "办结通知" in page.text and "Notice of completion" in page.text


# ------------------------------------------------------------------ the console's slips
APPLICANT = "11010519491231002X"
ITEM = "C-WJ-002"  # a citizen item window 1 serves


def clerk(hall: HallProcess, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {hall.c01}"}  # type: ignore[attr-defined]
    return requests.request(method, f"{hall.http}/api/v1{path}", json=body, headers=headers, timeout=10)


def noticed_case(hall: HallProcess) -> str:
    """A case c01 took at window 1 with a one-time notice for the photo still owed."""
    body = {"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰", "materials": ["id_card"]}
    r = clerk(hall, "POST", "/cases", body)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = clerk(hall, "POST", f"/cases/{cid}/notice", {"materials": ["photo"]})
    assert r.status_code == 200, r.text
    return cid  # type: ignore[no-any-return]


def ask_print(hall: HallProcess, case: str) -> dict[str, Any]:
    r = clerk(hall, "POST", f"/windows/{WINDOW}/print", {"document": "notice", "case": case})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def print_jobs(hall: HallProcess) -> list[dict[str, Any]]:
    r = clerk(hall, "GET", f"/windows/{WINDOW}/print")
    assert r.status_code == 200, r.text
    return r.json()["jobs"]  # type: ignore[no-any-return]


def test_the_console_asks_the_window_to_print_a_notice_and_the_agent_prints_it(
    hall: HallProcess, agent: WindowAgent, printer_sim: PrinterSimulator
) -> None:
    cid = noticed_case(hall)
    job = ask_print(hall, cid)
    assert (job["state"], job["document"], job["case"], job["window"]) == ("pending", "notice", cid, WINDOW)
    assert ask_print(hall, cid)["job"] == job["job"]  # asked twice before printing: one slip
    [page] = printer_sim.wait_pages(1, timeout=15)
    assert "一次性告知书" in page.text and cid in page.text
    wait_for(lambda: print_jobs(hall) == [], timeout=10, message=lambda: f"jobs left: {print_jobs(hall)}")
    # The agent notes its report once the server's answer is back, just after the server
    # dropped the job: wait for it rather than race it.
    done = {"window": WINDOW, "job": job["job"], "printed": True, "kept": False}
    wait_for(lambda: done in agent.prints.reported, timeout=5, message=lambda: f"reported: {agent.prints.reported}")
    # Once printed, the agent's key no longer opens the notice: it was for that job only.
    pad = hall.pad  # type: ignore[attr-defined]
    keys = CurveClientKeys.from_files(pad["server_public"], pad["secret"])
    with HallClient(hall.router, curve=keys, timeout=3) as c, pytest.raises(RequestFailed) as refused:
        c.request("case.notice_slip", {"case": cid})
    assert refused.value.code == "not_found"


def test_a_slip_asked_for_while_out_of_paper_or_offline_is_kept_and_printed_after_a_restart(
    hall: HallProcess, tmp_path: Path, callpad_sim: CallPadSimulator, evalpad_sim: EvalPadSimulator,
    printer_sim: PrinterSimulator,
) -> None:
    callpad_sim.window = str(WINDOW)
    cfg = agent_config(hall, tmp_path, callpad_sim.path, evalpad_sim.path, str(tmp_path / "printer"))
    printer_sim.set_paper("end")
    first, second = noticed_case(hall), noticed_case(hall)
    with running_agent(cfg):
        kept = ask_print(hall, first)

        def state() -> list[tuple[int, str, str]]:
            return [(j["job"], j["state"], j["reason"]) for j in print_jobs(hall)]

        wait_for(lambda: state() == [(kept["job"], "kept", "paper_out")], timeout=15,
                 message=lambda: f"jobs: {state()}")
    # The agent is away: the console's next slip waits for it at the server.
    offline = ask_print(hall, second)
    assert [j["job"] for j in print_jobs(hall)] == [kept["job"], offline["job"]]
    printer_sim.set_paper("ok")
    assert printer_sim.pages == []
    with running_agent(cfg):
        pages = printer_sim.wait_pages(2, timeout=20)
        wait_for(lambda: print_jobs(hall) == [], timeout=10, message=lambda: f"jobs left: {print_jobs(hall)}")
    texts = [p.text for p in pages]
    assert sum(first in t for t in texts) == 1 and sum(second in t for t in texts) == 1  # each once


# ------------------------------------------------------------------ the acceptance receipt
#: Everything C-WJ-002 asks for: accepting needs every required material.
RECEIPT_MATERIALS = ["id_card", "application_form", "physician_qualification", "health_certificate",
                     "employment_letter", "photo"]


def test_a_receipt_asked_for_while_out_of_paper_is_kept_then_printed_with_the_case_and_its_check_code(
    hall: HallProcess, agent: WindowAgent, printer_sim: PrinterSimulator
) -> None:
    headers = {"Authorization": f"Bearer {hall.c01}"}  # type: ignore[attr-defined]
    api = f"{hall.http}/api/v1"
    body = {"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰", "materials": RECEIPT_MATERIALS}
    made = requests.post(f"{api}/cases", json=body, headers=headers, timeout=10)
    assert made.status_code == 201, made.text
    cid, code = made.json()["id"], made.json()["check_code"]
    # Not accepted yet: the hall has no receipt for it, and the slip fails in plain words.
    r = requests.post(f"{api}/windows/{WINDOW}/print", json={"document": "receipt", "case": cid},
                      headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    early = r.json()["job"]
    wait_for(lambda: {"window": WINDOW, "job": early, "printed": False, "kept": False, "reason": "no_receipt"}
             in agent.prints.reported, timeout=15, message=lambda: f"reported: {agent.prints.reported}")
    accepted = requests.post(f"{api}/cases/{cid}/accept", json={}, headers=headers, timeout=10)
    assert accepted.status_code == 200, accepted.text
    due = accepted.json()["due"]

    printer_sim.set_paper("end")
    r = requests.post(f"{api}/windows/{WINDOW}/print", json={"document": "receipt", "case": cid},
                      headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    job = r.json()
    assert (job["document"], job["case"], job["state"]) == ("receipt", cid, "pending")

    def jobs() -> list[tuple[int, str, str]]:
        listed = requests.get(f"{api}/windows/{WINDOW}/print", headers=headers, timeout=10).json()["jobs"]
        return [(j["job"], j["state"], j["reason"]) for j in listed]

    wait_for(lambda: jobs() == [(job["job"], "kept", "paper_out")], timeout=15, message=lambda: f"jobs: {jobs()}")
    assert printer_sim.pages == []
    printer_sim.set_paper("ok")
    [page] = printer_sim.wait_pages(1, timeout=15)
    assert "受理回执" in page.text and cid in page.text and code in page.text
    # Its QR code is the progress page the server gave (``progress_url``): nothing set on the agent.
    assert page.qr_codes == [f"{hall.http}/m/case/{cid}?code={code}"]
    year, month, day = due.split("-")
    assert f"{year}年{month}月{day}日" in page.text  # the promised date, as the kiosk's receipt shows it
    wait_for(lambda: jobs() == [], timeout=10, message=lambda: f"jobs left: {jobs()}")
    assert {"window": WINDOW, "job": job["job"], "printed": True, "kept": False} in agent.prints.reported
    # Printed: the agent's key opens the receipt no more (it was for that job only).
    pad = hall.pad  # type: ignore[attr-defined]
    keys = CurveClientKeys.from_files(pad["server_public"], pad["secret"])
    with HallClient(hall.router, curve=keys, timeout=3) as c, pytest.raises(RequestFailed) as refused:
        c.request("case.receipt_slip", {"case": cid})
    assert refused.value.code == "not_found"


# ------------------------------------------------------------------ the agent's file
def test_an_older_agent_file_with_public_url_still_loads_and_says_once_that_it_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    example = ROOT / "config" / "window-agent.example.toml"
    with caplog.at_level(logging.WARNING):
        load_agent_config(example)
    assert caplog.records == []  # the example is up to date
    path = tmp_path / "window-agent.toml"
    path.write_text(example.read_text("utf-8").replace(
        "[server]\n", '[server]\npublic_url = "http://192.0.2.7:8080"\n', 1), "utf-8")
    with caplog.at_level(logging.WARNING):
        config = load_agent_config(path)
    assert config.window == 1 and config.server.router == "tcp://127.0.0.1:5570"  # the rest still counts
    [said] = [r.getMessage() for r in caplog.records]
    zh, _, en = said.partition(" / ")
    assert str(path) in zh and "已不再使用" in zh and "ignored" in en  # Chinese first, then English
