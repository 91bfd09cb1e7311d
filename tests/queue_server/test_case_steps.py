"""Case steps beyond the main line, through a real server: the
one-time notice printed at a kiosk on the ESC/POS simulator, withdrawal by the applicant
online, and the later verification of a commitment-based approval (告知承诺)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.notices import print_notice
from printer import EscPosPrinter
from printer.simulator import PrinterSimulator
from printer.transports import NetworkTransport
from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

APPLICANT = "11010519491231002X"
ITEM = "C-WJ-002"  # 医师执业注册
COMMITMENT_ITEM = "C-JY-002"  # 告知承诺 allowed


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("steps")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.clerk = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
    h.kiosk = h.enroll("kiosk-steps", "kiosk")  # type: ignore[attr-defined]
    h.education = h.token("clerk", clerk="d-education")  # type: ignore[attr-defined]
    h.civil = h.token("clerk", clerk="d-civil-affairs")  # type: ignore[attr-defined]
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.pad1 = h.enroll("pad-w1", "callpad", window=1)  # type: ignore[attr-defined]
    h.pad2 = h.enroll("pad-w2", "callpad", window=2)  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def post(
    hall: HallProcess, path: str, body: dict[str, Any], *, clerk: bool = True, status: int = 200, token: str = ""
) -> Any:
    token = token or (hall.clerk if clerk else "")  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.post(f"{hall.http}/api/v1{path}", json=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def submit(hall: HallProcess, item: str = ITEM, materials: tuple[str, ...] = ("id_card",)) -> dict[str, Any]:
    body = {"item_code": item, "id_number": APPLICANT, "name": "张三丰", "materials": list(materials)}
    return post(hall, "/cases", body, status=201)


def test_the_one_time_notice_is_printed_at_the_kiosk(hall: HallProcess, tmp_path: Path) -> None:
    case = submit(hall)
    cid = case["id"]
    post(hall, f"/cases/{cid}/notice", {"materials": ["physician_qualification", "photo"]})
    k = hall.kiosk  # type: ignore[attr-defined]
    creds = CurveClientKeys.from_files(k["server_public"], k["secret"])
    with PrinterSimulator("generic-80", tmp_path / "pages") as sim:
        printer = EscPosPrinter(NetworkTransport("127.0.0.1", sim.start_tcp()), "generic-80")
        with HallClient(hall.router, curve=creds, timeout=5) as client:
            # the visitor's ID card opens their own case at the kiosk; another card does not
            answer = print_notice(client, printer, cid, id_number=APPLICANT, lang="zh")
            with pytest.raises(RequestFailed) as refused:
                client.request("case.notice_slip", {"case": cid, "id_number": "110101199003074477"})
            assert refused.value.code == "not_found"
        page = sim.wait_pages(1, timeout=10)[0]
        printer.close()
    text = "\n".join(line.text for line in page.lines)
    assert cid in text
    assert "医师资格证书" in text and "近期一寸免冠彩色照片" in text  # every missing material, by name
    assert "原件" in text and "复印件2份" in text  # what to bring of each
    assert "陈晓梅" in text and "0755-26010101" in text  # the first-inquiry officer to ask
    year, month, day = answer["deadline"].split("-")
    assert f"{year}年{month}月{day}日" in text  # by when (10 working days after the notice)
    assert "1号综合窗口" in text
    assert APPLICANT not in text and APPLICANT not in str(answer)


def test_a_later_notice_asking_for_something_new_is_flagged_on_its_slip(hall: HallProcess) -> None:
    cid = submit(hall)["id"]
    post(hall, f"/cases/{cid}/notice", {"materials": ["photo"]})
    code = post(hall, f"/cases/{cid}/supplement", {"materials": ["photo"]})["check_code"]
    post(hall, f"/cases/{cid}/notice", {"materials": ["employment_letter"]})
    url = f"{hall.http}/api/v1/cases/{cid}/notice-slip"
    second = requests.get(url, params={"code": code}, timeout=10).json()
    first = requests.get(url, params={"code": code, "notice": 1}, timeout=10).json()
    assert second["notice"] == 2 and second["flagged"] is True
    assert [m["code"] for m in second["materials"]] == ["employment_letter"]
    assert first["notice"] == 1 and first["flagged"] is False
    assert first["materials"][0]["name"] == {"zh": "近期一寸免冠彩色照片", "en": first["materials"][0]["name"]["en"]}
    assert requests.get(url, params={"code": "AAAAAA"}, timeout=10).status_code == 404
    assert requests.get(url, params={"code": code, "notice": 3}, timeout=10).status_code == 404


def test_the_applicant_withdraws_online_with_the_check_code(hall: HallProcess) -> None:
    case = submit(hall)
    cid, code = case["id"], case["check_code"]
    wrong = requests.post(f"{hall.http}/api/v1/cases/{cid}/withdraw", json={"code": "AAAAAA"}, timeout=10)
    assert wrong.status_code == 404
    done = post(hall, f"/cases/{cid}/withdraw", {"code": code}, clerk=False)
    assert done["state"] in ("withdrawn", "closed")
    assert done["steps"][-1]["channel"] == "online"
    again = requests.post(f"{hall.http}/api/v1/cases/{cid}/withdraw", json={"code": code}, timeout=10)
    assert again.status_code == 409 and again.json()["error"]["message_zh"]
    # a clerk can no longer act on it
    refused = requests.post(
        f"{hall.http}/api/v1/cases/{cid}/accept",
        json={},
        headers={"Authorization": f"Bearer {hall.clerk}"},  # type: ignore[attr-defined]
        timeout=10,
    )
    assert refused.status_code == 409


def test_a_commitment_approval_opens_a_verification_that_is_recorded_once(hall: HallProcess) -> None:
    cid = submit(hall, COMMITMENT_ITEM, materials=())["id"]
    accepted = post(hall, f"/cases/{cid}/accept", {"commitment": True})
    assert accepted["state"] == "approved" and accepted["commitment"] is True
    v = accepted["verification"]
    assert v["ok"] is None and v["due"] > v["opened_on"]
    # the education bureau checks, not the window; the check is on its list until done
    edu = hall.education  # type: ignore[attr-defined]
    owed = requests.get(f"{hall.http}/api/v1/cases/tasks", headers={"Authorization": f"Bearer {edu}"}, timeout=10)
    line = next(v for v in owed.json()["verifications"] if v["case"] == cid)
    assert line["due"] == v["due"] and line["overdue"] is False and line["item_name"]["zh"]
    post(hall, f"/cases/{cid}/verify", {"ok": True}, status=403)
    post(hall, f"/cases/{cid}/verify", {"ok": False}, status=400, token=edu)
    checked = post(hall, f"/cases/{cid}/verify", {"ok": False, "note": "承诺的收入证明与实际不符"}, token=edu)
    assert checked["verification"]["ok"] is False and checked["verification"]["note"] == "承诺的收入证明与实际不符"
    assert checked["verification"]["checked_by"] == "d-education"
    owed = requests.get(f"{hall.http}/api/v1/cases/tasks", headers={"Authorization": f"Bearer {edu}"}, timeout=10)
    assert all(v["case"] != cid for v in owed.json()["verifications"])
    assert checked["state"] == "approved"  # the check is for the department to act on; the case stands
    post(hall, f"/cases/{cid}/verify", {"ok": True}, status=409, token=edu)
    # an ordinary case has nothing to verify
    plain = submit(hall, COMMITMENT_ITEM, materials=())["id"]
    post(hall, f"/cases/{plain}/verify", {"ok": True}, status=404, token=edu)


def device(hall: HallProcess, name: str) -> HallClient:
    d = getattr(hall, name)
    return HallClient(hall.router, curve=CurveClientKeys.from_files(d["server_public"], d["secret"]), timeout=5)


def test_a_service_without_a_case_is_rated_once_by_ticket(hall: HallProcess) -> None:
    issued = [post(hall, "/tickets", {"item_code": "C-RS-001"}, clerk=False, status=201) for _ in range(2)]
    first, second = issued
    rate = f"{hall.http}/api/v1/tickets/{first['id']}/rate"
    # not served yet: nothing to rate
    early = requests.post(rate, json={"token": first["token"], "level": 5}, timeout=10)
    assert early.status_code == 409 and early.json()["error"]["message_zh"]
    called = post(hall, "/windows/1/call-next", {})
    assert called["ticket"]["id"] == first["id"]
    with device(hall, "pad2") as pad2, device(hall, "pad1") as pad1:
        with pytest.raises(RequestFailed) as other_window:
            pad2.request("ticket.rate", {"ticket": first["id"], "level": 1})
        assert other_window.value.code == "forbidden"
        rated = pad1.request("ticket.rate", {"ticket": first["id"], "level": 5})
        assert rated["level"] == 5 and rated["window"] == 1 and rated["follow_up_due"] is None
        with pytest.raises(RequestFailed) as twice:
            pad1.request("ticket.rate", {"ticket": first["id"], "level": 4})
        assert twice.value.code == "conflict"
    # the web with the slip's token: same service, already rated; a wrong token is no such ticket
    assert requests.post(rate, json={"token": first["token"], "level": 1}, timeout=10).status_code == 409
    assert requests.post(rate, json={"token": "nope", "level": 1}, timeout=10).status_code == 404
    # a bad rating opens a follow-up due in 15 working days
    post(hall, "/windows/1/call-next", {})
    bad = post(hall, f"/tickets/{second['id']}/rate", {"token": second["token"], "level": 1, "comment": "等太久"},
               clerk=False, status=201)  # fmt: skip
    assert bad["level_zh"] and bad["follow_up_due"] >= (date.today() + timedelta(days=19)).isoformat()


def test_each_department_sees_and_decides_its_own_share_of_a_parallel_case(hall: HallProcess) -> None:
    cid = submit(hall, COMMITMENT_ITEM, materials=())["id"]  # education leads, civil affairs joins
    # accepting checks the required materials: the rest handed in at the window
    post(hall, f"/cases/{cid}/accept", {"materials": ["application_form", "guardian_id_card", "household_register", "enrolment_certificate"]})
    reviewed = post(hall, f"/cases/{cid}/review", {})
    assert {t["department"]: t["lead"] for t in reviewed["tasks"]} == {"education": True, "civil_affairs": False}

    def tasks(token: str, **params: str) -> requests.Response:
        return requests.get(
            f"{hall.http}/api/v1/cases/tasks", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    edu, civil = hall.education, hall.civil  # type: ignore[attr-defined]
    mine = tasks(civil).json()
    assert mine["department"] == "civil_affairs" and mine["department_name"]["zh"] == "示范区民政局"
    line = next(t for t in mine["tasks"] if t["case"] == cid)
    assert line["lead"] is False and line["card"] in ("green", "yellow") and line["first_inquiry_clerk"] == "c01"
    assert tasks(hall.clerk).status_code == 400  # type: ignore[attr-defined]  # a window clerk has no department
    assert any(t["case"] == cid for t in tasks(hall.manager, department="education").json()["tasks"])  # type: ignore[attr-defined]
    # civil affairs cannot decide education's share; each decides its own
    post(hall, f"/cases/{cid}/decide", {"decision": "approved", "department": "education"}, status=403, token=civil)
    half = post(hall, f"/cases/{cid}/decide", {"decision": "approved", "department": "civil_affairs"}, token=civil)
    assert half["state"] == "in_review"  # the case moves on when every department has decided
    assert all(t["case"] != cid for t in tasks(civil).json()["tasks"])
    assert any(t["case"] == cid for t in tasks(edu).json()["tasks"])
    done = post(hall, f"/cases/{cid}/decide", {"decision": "rejected", "reason": "学籍信息不符"}, token=edu)
    assert done["state"] == "rejected" and done["rejection_reasons"] == {"education": "学籍信息不符"}
