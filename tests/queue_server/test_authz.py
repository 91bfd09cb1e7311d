"""Who may do what, through a real server process: clerks only at the window they
are signed in at, back-office case steps only by the people handling the case, call pads
only at their own window and never as staff, and who cancels a visitor's ticket. Over REST
with bearer tokens and over ZeroMQ with enrolled CURVE device keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import insert

from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from queue_server.store import make_engine
from queue_server.store.models import ApiToken
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

APPLICANT = "11010519491231002X"
RETURNING = "320102198001010016"  # a visitor with no case: back after a one-time notice
ITEM = "C-WJ-002"  # health (卫生健康局) decides; a citizen item every comprehensive window serves
PHYSICIAN_MATERIALS = ("id_card", "physician_qualification", "health_certificate", "employment_letter", "photo", "application_form")


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("authz")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.c01 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]  # signed in at window 1
    h.c02 = h.token("clerk", clerk="c02")  # type: ignore[attr-defined]  # signed in at window 2
    h.c07 = h.token("clerk", clerk="c07")  # type: ignore[attr-defined]  # signed in nowhere
    h.nobody = legacy_clerk_token(h)  # type: ignore[attr-defined]  # a clerk token naming no clerk
    h.health = h.token("clerk", clerk="d-health")  # type: ignore[attr-defined]  # the health bureau
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.pad3 = h.enroll("pad-3", "callpad", window=3)  # type: ignore[attr-defined]  # c03 is at window 3
    h.kiosk = h.enroll("kiosk-authz", "kiosk")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def legacy_clerk_token(hall: HallProcess) -> str:
    """A clerk token naming no clerk: ``token create`` refuses to make one now, but releases
    before it did, and the migration keeps them (for hall H01)."""
    token = "hall_" + secrets.token_urlsafe(24)
    engine = make_engine(hall.db)
    with engine.begin() as c:
        c.execute(insert(ApiToken).values(
            token_hash=hashlib.sha256(token.encode()).hexdigest(), role="clerk", name="nobody", clerk=None,
            hall="H01", created_at=datetime.now(UTC),
        ))
    engine.dispose()
    return token


def call(hall: HallProcess, method: str, path: str, who: str = "", body: dict[str, Any] | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {getattr(hall, who)}"} if who else {}
    r = requests.request(method, f"{hall.http}/api/v1{path}", json=body, headers=headers, timeout=10)
    if r.status_code >= 400:
        assert r.json()["error"]["message_zh"], r.text  # every refusal in both languages
    return r


def post(hall: HallProcess, path: str, who: str = "", body: dict[str, Any] | None = None) -> requests.Response:
    return call(hall, "POST", path, who, body if body is not None else {})


def device(hall: HallProcess, name: str) -> HallClient:
    d = getattr(hall, name)
    return HallClient(hall.router, curve=CurveClientKeys.from_files(d["server_public"], d["secret"]), timeout=5)


def refused(client: HallClient, type_: str, body: dict[str, Any]) -> RequestFailed:
    with pytest.raises(RequestFailed) as err:
        client.request(type_, body)
    assert err.value.message_zh
    return err.value


def ticket(hall: HallProcess) -> dict[str, Any]:
    r = post(hall, "/tickets", body={"item_code": ITEM})
    assert r.status_code == 201
    return r.json()


def serve(hall: HallProcess, window: int, who: str, wanted: str) -> None:
    """Call at the window until ``wanted`` comes (tickets before it are completed)."""
    while True:
        r = post(hall, f"/windows/{window}/call-next", who)
        assert r.status_code == 200, r.text
        called = r.json()["ticket"]["id"]
        if called == wanted:
            return
        assert post(hall, f"/tickets/{called}/complete", who).status_code == 200


def submit(hall: HallProcess, who: str = "c01") -> dict[str, Any]:
    body = {"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰", "materials": ["id_card"]}
    r = post(hall, "/cases", who, body)
    assert r.status_code == 201, r.text
    return r.json()


# ------------------------------------------------------------------ 1. the clerk's window
def test_a_clerk_acts_only_at_the_window_they_are_signed_in_at(hall: HallProcess) -> None:
    # window 4 has nobody: a clerk signed in nowhere, or a token naming no clerk, acts nowhere
    assert post(hall, "/windows/4/call-next", "c07").status_code == 403
    assert post(hall, "/windows/4/pause", "c07").status_code == 403
    assert post(hall, "/windows/1/call-next", "nobody").status_code == 403
    assert call(hall, "GET", "/cases/mine?clerk=c01", "nobody").status_code == 400  # has no cases of its own
    body = {"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰", "window": 4}
    assert post(hall, "/cases", "c07", body).status_code == 403
    # a token naming no clerk signs nobody in, nor someone else
    assert post(hall, "/windows/4/sign-in", "nobody", {"clerk": "c08"}).status_code == 403
    assert post(hall, "/windows/4/sign-in", "c07", {"clerk": "c08"}).status_code == 403
    # signing in at the free window, then it is theirs, and only theirs
    signed = post(hall, "/windows/4/sign-in", "c07")
    assert signed.status_code == 200 and signed.json()["clerk"] == "c07"
    assert post(hall, "/windows/4/pause", "c07").json()["status"] == "paused"
    assert post(hall, "/windows/4/resume", "c07").json()["status"] == "open"
    assert post(hall, "/windows/4/call-next", "c01").status_code == 403
    assert post(hall, "/windows/1/sign-out", "c07").status_code == 403  # c01's window
    assert post(hall, "/cases", "c07", body).status_code == 201
    assert post(hall, "/windows/4/sign-out", "c07").json()["status"] == "closed"
    assert post(hall, "/windows/4/call-next", "c07").status_code == 403  # not theirs any more
    # managers act anywhere (the floor desk): sign a clerk in and out
    assert post(hall, "/windows/4/sign-in", "manager", {"clerk": "c08"}).json()["clerk"] == "c08"
    assert post(hall, "/windows/4/sign-out", "manager").json()["status"] == "closed"


# ------------------------------------------------------------------ 2. back-office case steps
def test_back_office_steps_only_by_the_first_inquiry_clerk_or_the_departments(hall: HallProcess) -> None:
    cid = submit(hall)["id"]  # c01 at window 1: the first-inquiry clerk
    # another clerk, not at a window with the visitor, neither refuses nor withdraws it
    for who in ("c02", "manager", "nobody"):
        r = post(hall, f"/cases/{cid}/refuse", who, {"reason": "材料不全", "channel": "back_office"})
        assert r.status_code == 403, (who, r.text)
        assert post(hall, f"/cases/{cid}/withdraw", who, {"channel": "back_office"}).status_code == 403
        assert post(hall, f"/cases/{cid}/withdraw", who, {"channel": "online"}).status_code == 403
    # managers supervise: no case step at a window either
    assert post(hall, f"/cases/{cid}/accept", "manager", {"window": 1}).status_code == 403
    # the first-inquiry clerk accepts and sends it to review from the back office
    handed = {"channel": "back_office", "materials": [*PHYSICIAN_MATERIALS]}  # every required one: accepting checks
    assert post(hall, f"/cases/{cid}/accept", "c01", handed).json()["state"] == "accepted"
    assert post(hall, f"/cases/{cid}/review", "c02").status_code == 403
    assert post(hall, f"/cases/{cid}/review", "c01").json()["state"] == "in_review"
    # the department decides its task and tells the result is ready
    assert post(hall, f"/cases/{cid}/decide", "health", {"decision": "approved"}).json()["state"] == "approved"
    assert post(hall, f"/cases/{cid}/result-ready", "c02").status_code == 403
    assert post(hall, f"/cases/{cid}/result-ready", "health").json()["state"] == "result_ready"
    # the visitor at window 2: any clerk signed in there hands out (统一窗口出件)
    handed = post(hall, f"/cases/{cid}/hand-out", "c02", {"window": 2})
    assert handed.status_code == 200 and handed.json()["steps"][-1]["window"] == 2
    assert post(hall, f"/cases/{cid}/close", "c02").status_code == 403
    assert post(hall, f"/cases/{cid}/close", "c01").json()["state"] == "closed"


def test_a_case_step_at_a_window_needs_the_clerk_signed_in_there(hall: HallProcess) -> None:
    cid = submit(hall)["id"]
    assert post(hall, f"/cases/{cid}/notice", "c02", {"materials": ["photo"], "window": 1}).status_code == 403
    assert post(hall, f"/cases/{cid}/notice", "c07", {"materials": ["photo"], "window": 4}).status_code == 403
    assert post(hall, f"/cases/{cid}/notice", "c07", {"materials": ["photo"]}).status_code == 400  # no window
    noticed = post(hall, f"/cases/{cid}/notice", "c02", {"materials": ["photo"]})  # the visitor at window 2
    assert noticed.status_code == 200 and noticed.json()["steps"][-1]["window"] == 2


# ------------------------------------------------------------------ 3. call pads
def test_a_call_pad_works_its_own_window_and_is_not_staff(hall: HallProcess) -> None:
    cid = submit(hall)["id"]
    waiting = ticket(hall)
    with device(hall, "pad3") as pad:
        # what staff may do, a call pad may not: read or list cases, act on them, see tickets
        assert refused(pad, "case.get", {"case": cid}).code == "forbidden"
        assert refused(pad, "case.mine", {"clerk": "c01"}).code == "forbidden"
        assert refused(pad, "case.refuse", {"case": cid, "reason": "x", "channel": "back_office"}).code == "forbidden"
        assert refused(pad, "case.pages", {"case": cid}).code == "forbidden"
        assert refused(pad, "case.progress", {"id_number": APPLICANT}).code == "forbidden"
        assert refused(pad, "case.notice_slip", {"case": cid}).code == "not_found"
        assert refused(pad, "certificate.list", {"id_number": APPLICANT}).code == "forbidden"
        assert refused(pad, "ticket.status", {"ticket": waiting["id"]}).code == "not_found"
        assert refused(pad, "ticket.cancel", {"ticket": waiting["id"]}).code == "not_found"
        # its own window: sign the clerk out and in, pause, resume, call, recall, start, transfer, complete
        assert pad.request("window.sign_out", {"window": 3})["status"] == "closed"
        assert pad.request("window.sign_in", {"window": 3, "clerk": "c03"})["clerk"] == "c03"
        assert refused(pad, "window.sign_in", {"window": 4, "clerk": "c07"}).code == "forbidden"
        assert pad.request("window.pause", {"window": 3})["status"] == "paused"
        assert pad.request("window.resume", {"window": 3})["status"] == "open"
        called = pad.request("window.call_next", {"window": 3})["ticket"]
        assert pad.request("ticket.recall", {"ticket": called["id"]})["recalls"] == 1
        assert pad.request("ticket.start", {"ticket": called["id"]})["state"] == "serving"
        moved = pad.request("ticket.transfer", {"ticket": called["id"], "to_item": ITEM, "note": "转综合窗口"})
        assert moved["state"] == "waiting"
        again = pad.request("window.call_next", {"window": 3})["ticket"]
        assert pad.request("ticket.complete", {"ticket": again["id"]})["state"] == "done"
        assert refused(pad, "window.call_next", {"window": 1}).code == "forbidden"


# ------------------------------------------------------------------ 4. cancelling a ticket
def test_who_cancels_a_waiting_ticket(hall: HallProcess) -> None:
    # a ticket transferred to window 1 waits for c01 (drawn first: window 2 serves in order)
    for_window_1 = ticket(hall)
    serve(hall, 2, "c02", for_window_1["id"])
    moved = post(hall, f"/tickets/{for_window_1['id']}/transfer", "c02", {"to_window": 1, "note": "转1号窗口"})
    assert moved.status_code == 200
    mine, other, kiosk_slip, floor = (ticket(hall) for _ in range(4))
    # the holder, with the slip's token; a wrong token is no such ticket
    assert post(hall, f"/tickets/{mine['id']}/cancel", body={"token": "guess"}).status_code == 404
    assert post(hall, f"/tickets/{mine['id']}/cancel", body={"token": mine["token"]}).json()["state"] == "cancelled"
    # a clerk: not a ticket waiting for another window, or for none
    r = post(hall, f"/tickets/{other['id']}/cancel", "c01")
    assert r.status_code == 403 and "取号单" in r.json()["error"]["message_zh"]
    # a kiosk and a call pad: never without the token; a kiosk scanning the slip: yes
    with device(hall, "kiosk") as k, device(hall, "pad3") as pad:
        assert refused(k, "ticket.cancel", {"ticket": other["id"]}).code == "not_found"
        assert refused(pad, "ticket.cancel", {"ticket": other["id"]}).code == "not_found"
        assert k.request("ticket.cancel", {"ticket": kiosk_slip["id"], "token": kiosk_slip["token"]})["state"] == "cancelled"
    # the ticket waiting for window 1: its clerk may cancel it, the clerk who sent it there not
    assert post(hall, f"/tickets/{for_window_1['id']}/cancel", "c02").status_code == 403
    assert post(hall, f"/tickets/{for_window_1['id']}/cancel", "c01").json()["state"] == "cancelled"
    # the floor manager cancels any waiting ticket
    assert post(hall, f"/tickets/{floor['id']}/cancel", "manager").json()["state"] == "cancelled"
    assert post(hall, f"/tickets/{other['id']}/cancel", "manager").json()["state"] == "cancelled"
    # a returning visitor reserved for c01 (首问负责) waits for window 1 too
    first = post(hall, "/tickets", body={"item_code": ITEM, "id_number": RETURNING}).json()
    serve(hall, 1, "c01", first["id"])
    assert post(hall, f"/tickets/{first['id']}/complete", "c01", {"outcome": "one_time_notice"}).status_code == 200
    back = post(hall, "/tickets", body={"item_code": ITEM, "id_number": RETURNING}).json()
    assert back["first_inquiry_clerk"] == "c01"
    assert post(hall, f"/tickets/{back['id']}/cancel", "c02").status_code == 403
    assert post(hall, f"/tickets/{back['id']}/cancel", "c01").json()["state"] == "cancelled"


# ------------------------------------------------------------------ ratings are the visitor's
def test_staff_do_not_rate_services(hall: HallProcess) -> None:
    t = ticket(hall)
    serve(hall, 1, "c01", t["id"])
    assert post(hall, f"/tickets/{t['id']}/complete", "c01").status_code == 200
    r = post(hall, f"/tickets/{t['id']}/rate", "c01", {"level": 5})
    assert r.status_code == 403
    case = submit(hall)
    assert post(hall, f"/cases/{case['id']}/rate", "c01", {"level": 5, "id_number": APPLICANT}).status_code == 403
    assert post(hall, f"/tickets/{t['id']}/rate", body={"token": t["token"], "level": 5}).status_code == 201
