"""Cases (办件) through a real server process: REST for clerks, managers and the online hall,
ZeroMQ for an enrolled kiosk (CURVE), and the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from openapi_spec_validator import validate

from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

APPLICANT = "11010519491231002X"  # valid check digit
OTHER = "110101199003074477"
AGENT = "440305198807071234"
CERT_ITEM = "C-WJ-002"  # health; yields physician_licence; promised 5 working days
QUICK_ITEM = "C-RS-001"  # promised 0 working days (即办): yellow at once


def _valid(n: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return n[:17] + "10X98765432"[sum(int(c) * w for c, w in zip(n[:17], weights, strict=True)) % 11]


OTHER, AGENT = _valid(OTHER), _valid(AGENT)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("cases")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.clerk1 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]  # signed in at window 1
    h.clerk2 = h.token("clerk", clerk="c02")  # type: ignore[attr-defined]  # signed in at window 2
    h.health = h.token("clerk", clerk="d-health")  # type: ignore[attr-defined]  # the health bureau's reviewer
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.kiosk = h.enroll("kiosk-cases", "kiosk")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def api(hall: HallProcess, path: str) -> str:
    return f"{hall.http}/api/v1{path}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tok(hall: HallProcess, name: str) -> str:
    return str(getattr(hall, name))


def clerk(hall: HallProcess) -> dict[str, str]:
    return auth(tok(hall, "clerk1"))


def post(
    hall: HallProcess,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    status: int = 200,
) -> dict[str, Any]:
    r = requests.post(api(hall, path), json=body, headers=headers or {}, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def submit(
    hall: HallProcess, item: str = CERT_ITEM, id_number: str = APPLICANT, **extra: Any
) -> dict[str, Any]:
    body = {
        "item_code": item,
        "id_number": id_number,
        "name": "张三丰",
        "materials": ["id_card", "application_form"],
        **extra,
    }
    return post(hall, "/cases", body, clerk(hall), status=201)


def health(hall: HallProcess) -> dict[str, str]:
    return auth(tok(hall, "health"))


#: What C-WJ-002 requires besides what ``submit`` hands in (accepting checks them all).
REST_OF_MATERIALS = ["physician_qualification", "health_certificate", "employment_letter", "photo"]


def approve_and_hand_out(hall: HallProcess, case_id: str) -> dict[str, Any]:
    post(hall, f"/cases/{case_id}/accept", {"materials": REST_OF_MATERIALS}, clerk(hall))
    post(hall, f"/cases/{case_id}/review", {}, clerk(hall))
    return post(hall, f"/cases/{case_id}/decide", {"decision": "approved"}, health(hall))


def kiosk(hall: HallProcess) -> HallClient:
    k = hall.kiosk  # type: ignore[attr-defined]
    return HallClient(
        hall.router, curve=CurveClientKeys.from_files(k["server_public"], k["secret"]), timeout=5
    )


# ------------------------------------------------------------------ the whole life of a case
def test_a_case_from_the_window_to_closed_over_rest(hall: HallProcess) -> None:
    case = submit(hall, agent={"id_number": AGENT, "name": "李四"})
    cid, code = case["id"], case["check_code"]
    assert re.fullmatch(r"NS-\d{8}-\d{6}", cid) and re.fullmatch(r"[A-Z2-9]{6}", code)
    assert case["state"] == "submitted" and case["first_inquiry_clerk"] == "c01"
    assert case["handling_officer"] == {"name": "陈晓梅", "phone": "0755-26010101"}
    assert case["agent"] == {"name": "李*"} and case["steps"][0]["window"] == 1
    assert APPLICANT not in str(case) and AGENT not in str(case)
    # accepting with materials missing after a notice is refused; the notice stops the clock
    missing = ["physician_qualification", "health_certificate", "employment_letter", "photo"]
    noticed = post(hall, f"/cases/{cid}/notice", {"materials": missing}, clerk(hall))
    assert noticed["state"] == "waiting_materials" and noticed["paused"] is True
    assert noticed["notices"][0]["materials"] == missing
    early = requests.post(api(hall, f"/cases/{cid}/accept"), json={}, headers=clerk(hall), timeout=10)
    assert early.status_code == 409 and early.json()["error"]["message_zh"]
    # the applicant supplements online with the check code (a wrong code: no such case)
    wrong = requests.post(
        api(hall, f"/cases/{cid}/supplement"), json={"code": "AAAAAA", "materials": missing}, timeout=10
    )
    assert wrong.status_code == 404
    supplemented = post(hall, f"/cases/{cid}/supplement", {"code": code.lower(), "materials": missing})
    assert supplemented["state"] == "supplemented" and supplemented["steps"][-1]["channel"] == "online"
    # accept, review, decide: the approval registers the certificate
    assert post(hall, f"/cases/{cid}/accept", {}, clerk(hall))["state"] == "accepted"
    reviewed = post(hall, f"/cases/{cid}/review", {}, clerk(hall))
    assert reviewed["state"] == "in_review" and [t["department"] for t in reviewed["tasks"]] == ["health"]
    bad = requests.post(
        api(hall, f"/cases/{cid}/decide"), json={"decision": "rejected"}, headers=health(hall), timeout=10
    )
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["message"]
    # the comprehensive window receives; the health bureau's own staff decide its task
    window_decides = requests.post(
        api(hall, f"/cases/{cid}/decide"), json={"decision": "approved"}, headers=clerk(hall), timeout=10
    )
    assert window_decides.status_code == 403 and "卫生健康局" in window_decides.json()["error"]["message_zh"]
    decided = post(hall, f"/cases/{cid}/decide", {"decision": "approved"}, health(hall))
    assert decided["state"] == "approved" and decided["tasks"][0]["decision"] == "approved"
    assert decided["certificate"]["type"] == "physician_licence" and decided["certificate"]["case"] == cid
    assert post(hall, f"/cases/{cid}/result-ready", {}, clerk(hall))["state"] == "result_ready"
    handed = post(hall, f"/cases/{cid}/hand-out", {}, clerk(hall))
    assert handed["state"] == "handed_out" and handed["steps"][-1]["hall"] == "H01"
    closed = post(hall, f"/cases/{cid}/close", {}, clerk(hall))
    assert closed["state"] == "closed" and closed["outcome"] == "handed_out" and closed["due"] is None
    assert [s["action"] for s in closed["steps"]] == [
        "submit",
        "issue_notice",
        "supplement",
        "accept",
        "start_review",
        "decide:health",
        "approve",
        "result_ready",
        "hand_out",
        "close",
    ]
    # a closed case never changes
    again = requests.post(
        api(hall, f"/cases/{cid}/refuse"), json={"reason": "x"}, headers=clerk(hall), timeout=10
    )
    assert again.status_code == 409 and "closed" in again.json()["error"]["message"]
    # the full view for clerks and "my cases"
    full = requests.get(api(hall, f"/cases/{cid}"), headers=clerk(hall), timeout=10)
    assert full.status_code == 200 and full.json()["check_code"] == code and full.json()["visits"] == 1
    mine = requests.get(api(hall, "/cases/mine"), headers=clerk(hall), timeout=10).json()
    assert mine["clerk"] == "c01" and cid not in [c["id"] for c in mine["cases"]]  # closed
    mine_all = requests.get(
        api(hall, "/cases/mine?include_closed=true"), headers=clerk(hall), timeout=10
    ).json()
    assert cid in [c["id"] for c in mine_all["cases"]]
    # rating with the check code: once per service
    rated = post(hall, f"/cases/{cid}/rate", {"code": code, "level": 5}, status=201)
    assert rated["level_zh"] == "非常满意" and rated["follow_up_due"] is None
    twice = requests.post(api(hall, f"/cases/{cid}/rate"), json={"code": code, "level": 1}, timeout=10)
    assert twice.status_code == 409


def test_progress_page_needs_the_check_code_and_shows_no_id_number(hall: HallProcess) -> None:
    case = submit(hall)
    cid, code = case["id"], case["check_code"]
    post(hall, f"/cases/{cid}/notice", {"materials": ["photo"]}, clerk(hall))
    r = requests.get(api(hall, f"/cases/{cid}/progress"), params={"code": code}, timeout=10)
    assert r.status_code == 200
    page = r.json()
    assert (
        page["case"] == cid
        and page["state"] == "waiting_materials"
        and page["missing_materials"] == ["photo"]
    )
    assert page["handling_officer"] == {"name": "陈晓梅", "phone": "0755-26010101", "window": 1}
    assert page["steps"][0]["officer"]["name"] == "陈晓梅" and page["due"] and page["paused"] is True
    assert APPLICANT not in r.text and APPLICANT[:6] not in r.text and "id_hash" not in r.text
    for bad in ({"code": "ZZZZZZ"}, {}):
        nope = requests.get(api(hall, f"/cases/{cid}/progress"), params=bad, timeout=10)
        assert nope.status_code == 404 and nope.json()["error"]["message_zh"]
    # another case's code does not open this one
    other = submit(hall, id_number=OTHER)
    assert (
        requests.get(
            api(hall, f"/cases/{cid}/progress"), params={"code": other["check_code"]}, timeout=10
        ).status_code
        == 404
    )


def test_online_submission_is_not_a_visit_and_retries_give_the_same_case(hall: HallProcess) -> None:
    body = {"item_code": CERT_ITEM, "id_number": OTHER, "name": "王五", "materials": ["id_card"]}
    key = {"Idempotency-Key": "online-case-0001"}
    first = post(hall, "/cases/online", body, key, status=201)
    again = post(hall, "/cases/online", body, key, status=201)
    other = post(hall, "/cases/online", body, status=201)
    assert first["id"] == again["id"] != other["id"]
    assert first["channel"] == "online" and first["visits"] == 0 and first["first_inquiry_clerk"] is None
    assert "photo" in first["materials_needed"] and "id_card" not in first["materials_needed"]
    bad = requests.post(
        api(hall, "/cases/online"), json={**body, "id_number": "110105194912310021"}, timeout=10
    )
    assert bad.status_code == 400 and bad.json()["error"]["message_zh"]
    unknown = requests.post(api(hall, "/cases/online"), json={**body, "item_code": "C-XX-999"}, timeout=10)
    assert unknown.status_code == 404


def test_roles_are_enforced(hall: HallProcess) -> None:
    cid = submit(hall)["id"]
    assert requests.post(api(hall, f"/cases/{cid}/accept"), json={}, timeout=10).status_code == 401
    assert requests.post(api(hall, "/cases"), json={"item_code": CERT_ITEM}, timeout=10).status_code == 401
    assert requests.get(api(hall, f"/cases/{cid}"), timeout=10).status_code == 401
    r = requests.get(api(hall, "/cases/supervision"), headers=clerk(hall), timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # a clerk acts only at their own window
    r = requests.post(api(hall, f"/cases/{cid}/accept"), json={"window": 2}, headers=clerk(hall), timeout=10)
    assert r.status_code == 403
    with kiosk(hall) as k, pytest.raises(RequestFailed) as refused:
        k.request("case.accept", {"case": cid, "window": 1})
    assert refused.value.code == "forbidden"
    # "my cases" needs a clerk: the public has none, a manager names one
    assert requests.get(api(hall, "/cases/mine"), timeout=10).status_code == 401
    r = requests.get(api(hall, "/cases/mine"), headers=auth(tok(hall, "manager")), timeout=10)
    assert r.status_code == 400 and r.json()["error"]["message_zh"]
    r = requests.get(
        api(hall, "/cases/mine"), params={"clerk": "c01"}, headers=auth(tok(hall, "manager")), timeout=10
    )
    assert r.status_code == 200 and cid in [c["id"] for c in r.json()["cases"]]


def test_supervision_list_shows_cards_to_the_manager(hall: HallProcess) -> None:
    quick = post(
        hall,
        "/cases",
        {"item_code": QUICK_ITEM, "id_number": OTHER, "name": "赵六"},
        auth(tok(hall, "clerk2")),
        status=201,
    )
    assert quick["first_inquiry_clerk"] == "c02" and quick["steps"][0]["window"] == 2
    r = requests.get(
        api(hall, "/cases/supervision"), params={"limit": 500}, headers=auth(tok(hall, "manager")), timeout=10
    )
    assert r.status_code == 200
    lines = {(line["case"], line["task"]): line for line in r.json()["lines"]}
    line = lines[(quick["id"], False)]
    assert line["card"] in ("yellow", "red") and line["clerk"] == "c02" and line["item_code"] == QUICK_ITEM
    assert all(x["card"] in ("yellow", "red") for x in lines.values())
    bad = requests.get(
        api(hall, "/cases/supervision"), params={"limit": "x"}, headers=auth(tok(hall, "manager")), timeout=10
    )
    assert bad.status_code == 400


# ------------------------------------------------------------------ the kiosk over ZeroMQ
def test_kiosk_queries_progress_rates_complains_and_prints_certificates(hall: HallProcess) -> None:
    holder = _valid("320102198001010010")
    case = submit(hall, id_number=holder)
    cid, code = case["id"], case["check_code"]
    approve_and_hand_out(hall, cid)
    with kiosk(hall) as k:
        by_code = k.request("case.progress", {"case": cid, "code": code})
        assert by_code["case"] == cid and by_code["state"] == "approved"
        assert by_code["handling_officer"]["name"] == "陈晓梅"
        with pytest.raises(RequestFailed) as wrong:
            k.request("case.progress", {"case": cid, "code": "AAAAAA"})
        assert wrong.value.code == "not_found"
        mine = k.request("case.progress", {"id_number": holder})
        assert [c["case"] for c in mine["cases"]] == [cid] and holder not in str(mine)
        rated = k.request(
            "case.rate", {"case": cid, "code": code, "level": 2, "comment": "等太久"}, key="kiosk-rate-0001"
        )
        assert rated["level"] == 2 and rated["follow_up_due"]  # a bad rating opens a follow-up
        assert k.request("case.rate", {"case": cid, "code": code, "level": 2}, key="kiosk-rate-0001") == rated
        with pytest.raises(RequestFailed) as no_phone:  # a kiosk's complaint: the number to answer on
            k.request("complaint.file", {"text": "窗口人员态度不好", "case": cid, "code": code})
        assert no_phone.value.code == "bad_request" and no_phone.value.details == {"field": "phone"}
        complaint = k.request(
            "complaint.file",
            {"category": "attitude", "text": "窗口人员态度不好", "phone": "13812345678", "case": cid, "code": code},
        )
        assert complaint["state"] == "filed" and complaint["case"] == cid and complaint["accept_due"]
        assert complaint["category"] == "attitude" and complaint["phone"] == "138****5678"
        certs = k.request("certificate.list", {"id_number": holder})["certificates"]
        assert [c["case"] for c in certs] == [cid] and certs[0]["type"] == "physician_licence"
        number = certs[0]["number"]
        first = k.request("certificate.print", {"number": number, "id_number": holder})
        assert first["handed_out_case"] is None  # approved, result not ready: no hand-out yet
        post(hall, f"/cases/{cid}/result-ready", {}, clerk(hall))
        second = k.request("certificate.print", {"number": number, "id_number": holder})
        assert (first["prints"], second["prints"]) == (1, 2) and second["handed_out_case"] == cid
        handed = k.request("case.progress", {"case": cid, "code": code})
        assert handed["state"] == "handed_out" and handed["steps"][-1]["channel"] == "kiosk"
        with pytest.raises(RequestFailed) as not_theirs:
            k.request("certificate.print", {"number": number, "id_number": OTHER})
        assert not_theirs.value.code == "not_found"
        assert k.request("certificate.list", {"id_number": holder})["certificates"][0]["prints"] == 2
    ok = requests.get(
        api(hall, f"/certificates/{number}"), params={"code": first["verification_code"]}, timeout=10
    )
    assert ok.status_code == 200 and ok.json()["valid"] is True and ok.json()["number"] == number
    assert (
        requests.get(api(hall, f"/certificates/{number}"), params={"code": "WRONG"}, timeout=10).status_code
        == 404
    )
    # the web complaint without a case
    web = post(hall, "/complaints", {"text": "大厅空调太冷"}, status=201)
    assert web["case"] is None and web["id"].startswith("TS-")


def test_kiosk_submits_a_self_service_application(hall: HallProcess) -> None:
    holder = _valid("330106197505050020")
    with kiosk(hall) as k:
        case = k.request(
            "case.submit_kiosk",
            {"item_code": CERT_ITEM, "id_number": holder, "name": "钱七", "materials": ["id_card", "photo"]},
        )
        assert case["channel"] == "kiosk" and case["visits"] == 1 and case["steps"][0]["hall"] == "H01"
        assert holder not in str(case)
        assert (
            k.request("case.progress", {"case": case["id"], "code": case["check_code"]})["state"]
            == "submitted"
        )


# ------------------------------------------------------------------ the contract
def test_openapi_document_validates_and_has_the_case_paths(hall: HallProcess) -> None:
    doc = requests.get(api(hall, "/openapi.json"), timeout=10).json()
    validate(doc)
    for path in (
        "/cases",
        "/cases/online",
        "/cases/mine",
        "/cases/supervision",
        "/cases/{case_id}",
        "/cases/{case_id}/progress",
        "/cases/{case_id}/rate",
        "/cases/{case_id}/supplement",
        "/complaints",
        "/certificates/{number}",
        *(
            f"/cases/{{case_id}}/{a}"
            for a in ("accept", "refuse", "notice", "review", "decide", "result-ready", "hand-out", "close")
        ),
    ):
        assert path in doc["paths"], path
    assert doc["paths"]["/cases/{case_id}/accept"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/cases/{case_id}/progress"]["get"]


def test_refusal_and_commitment_based_approval(hall: HallProcess) -> None:
    refused = submit(hall, id_number=OTHER)
    no_reason = requests.post(
        api(hall, f"/cases/{refused['id']}/refuse"), json={}, headers=clerk(hall), timeout=10
    )
    assert no_reason.status_code == 400 and no_reason.json()["error"]["message_zh"]
    done = post(hall, f"/cases/{refused['id']}/refuse", {"reason": "不属于本机关职权范围"}, clerk(hall))
    assert done["state"] == "refused" and done["refusal_reason"] == "不属于本机关职权范围"
    assert post(hall, f"/cases/{refused['id']}/close", {}, clerk(hall))["outcome"] == "refused"
    # 告知承诺 only for items that allow it: accepted and approved at once
    plain = submit(hall, id_number=OTHER)  # C-WJ-002 does not allow commitment
    r = requests.post(
        api(hall, f"/cases/{plain['id']}/accept"), json={"commitment": True}, headers=clerk(hall), timeout=10
    )
    assert r.status_code == 409 and "commitment" in r.json()["error"]["message"]
    r = requests.post(
        api(hall, f"/cases/{plain['id']}/accept"), json={"commitment": "yes"}, headers=clerk(hall), timeout=10
    )
    assert r.status_code == 400
    quick = submit(hall, item=QUICK_ITEM, id_number=OTHER)
    approved = post(hall, f"/cases/{quick['id']}/accept", {"commitment": True}, clerk(hall))
    assert (
        approved["state"] == "approved" and approved["commitment"] is True and "certificate" not in approved
    )
