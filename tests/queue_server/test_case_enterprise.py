"""Issue 13, cases: through a real server, as the clerk, the reviewer, the manager and the
citizen meet them: enterprise cases by their credit code, a reviewer deciding their own
department's task, the certificates on the case and the one URL that checks them, the
required materials on accepting, a complaint's answer for the citizen, the calendar warning,
and what the notice slip and the progress page name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from protocol.creditcode import check_character
from queue_server.cases import WorkCalendar
from queue_server.cases.workdays import calendar_coverage
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

COMPANY = "91440305MA5F" + "00012"  # 17 characters of a Nanshan (440305) company
COMPANY = COMPANY + check_character(COMPANY)
OTHER_COMPANY = "91440300MA5G00034"
OTHER_COMPANY += check_character(OTHER_COMPANY)
AGENT = "440305198807071234"
AGENT = AGENT[:17] + "10X98765432"[sum(int(c) * w for c, w in zip(AGENT[:17], (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11]  # fmt: skip
CITIZEN = "11010519491231002X"
CHANGE = "E-DJ-003"  # 企业变更登记: market; yields a business licence; needs the licence
FOOD = "E-DJ-004"  # 食品经营许可证核发: needs the business licence
SETUP = "E-DJ-001"  # 有限责任公司设立登记: market leads, tax and public security in parallel
PHYSICIAN = "C-WJ-002"  # 医师执业注册: six required materials
COMMITMENT = "C-RS-001"  # 失业登记: 告知承诺 allowed


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("enterprise")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.tokens = {  # type: ignore[attr-defined]
        "c01": h.token("clerk", clerk="c01"),  # window 1, comprehensive
        "c02": h.token("clerk", clerk="c02"),
        "c04": h.token("clerk", clerk="c04"),  # window 5, enterprise (法人窗口)
        "market": h.token("clerk", clerk="d-market"),
        "tax": h.token("clerk", clerk="d-tax"),
        "security": h.token("clerk", clerk="d-public-security"),
        "health": h.token("clerk", clerk="d-health"),
        "manager": h.token("manager"),
    }
    h.start()
    yield h
    h.stop()


def call(
    hall: HallProcess, method: str, path: str, who: str | None = None, body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> requests.Response:  # fmt: skip
    headers = {"Authorization": f"Bearer {hall.tokens[who]}"} if who else {}  # type: ignore[attr-defined]
    return requests.request(
        method, f"{hall.http}/api/v1{path}", json=body, params=params, headers=headers, timeout=10
    )


def ok(r: requests.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return r.json()


def enterprise_case(
    hall: HallProcess, item: str, materials: list[str], code: str = COMPANY, name: str = "深圳市南山海岸科技有限公司"
) -> dict[str, Any]:
    body = {
        "item_code": item,
        "enterprise": {"credit_code": code, "name": name},
        "agent": {"id_number": AGENT, "name": "李四"},
        "materials": materials,
    }
    return ok(call(hall, "POST", "/cases", "c04", body), 201)


def to_review(hall: HallProcess, cid: str) -> None:
    ok(call(hall, "POST", f"/cases/{cid}/accept", "c04", {}))
    ok(call(hall, "POST", f"/cases/{cid}/review", "c04", {}))


# ------------------------------------------------------------------ 1. the enterprise stream
def test_an_enterprise_applies_by_its_credit_code_and_its_certificate_is_the_companys(hall: HallProcess) -> None:
    case = enterprise_case(
        hall, CHANGE, ["application_form", "business_licence", "shareholder_resolution", "legal_rep_id_card"]
    )
    # the company is the applicant, in full (public data); the person acting for it is masked
    assert case["applicant"] == {"name": "深圳市南山海岸科技有限公司", "credit_code": COMPANY}
    assert case["agent"] == {"name": "李*"} and AGENT not in str(case)
    assert case["steps"][0]["role"] == "clerk" and case["steps"][0]["window"] == 5
    to_review(hall, case["id"])
    decided = ok(call(hall, "POST", f"/cases/{case['id']}/decide", "market", {"decision": "approved"}))
    cert = decided["certificate"]
    assert cert["type"] == "business_licence" and cert["holder"] == "深圳市南山海岸科技有限公司"  # not "深*"
    # the company's next case finds its licence on file: not asked for again
    later = enterprise_case(hall, FOOD, ["application_form", "legal_rep_id_card", "premises_layout", "food_safety_rules"])
    assert "business_licence" not in later["materials_needed"]
    assert ok(call(hall, "POST", f"/cases/{later['id']}/accept", "c04", {}))["state"] == "accepted"
    # another company's case does not see it
    other = enterprise_case(hall, FOOD, ["application_form"], code=OTHER_COMPANY, name="深圳市另一家公司")
    assert "business_licence" in other["materials_needed"]


def test_a_mistyped_credit_code_or_a_missing_enterprise_is_refused_saying_what_to_give(hall: HallProcess) -> None:
    body = {"item_code": CHANGE, "agent": {"id_number": AGENT, "name": "李四"}, "materials": ["application_form"]}
    slip = COMPANY[:5] + ("1" if COMPANY[5] != "1" else "2") + COMPANY[6:]  # one character wrong
    bad = call(hall, "POST", "/cases", "c04", {**body, "enterprise": {"credit_code": slip, "name": "某公司"}})
    error = bad.json()["error"]
    assert bad.status_code == 400 and error["details"]["field"] == "enterprise.credit_code"
    assert "统一社会信用代码" in error["message_zh"] and slip not in bad.text
    # an enterprise item with a resident's ID number only: the enterprise is asked for
    citizen = call(hall, "POST", "/cases", "c04", {**body, "id_number": CITIZEN})
    assert citizen.status_code == 400
    assert "统一社会信用代码" in citizen.json()["error"]["message_zh"] and "agent" in citizen.json()["error"]["message"]
    # the company without the person acting for it
    alone = call(hall, "POST", "/cases", "c04", {"item_code": CHANGE, "enterprise": {"credit_code": COMPANY, "name": "某公司"}})
    assert alone.status_code == 400 and alone.json()["error"]["details"]["field"] == "agent"
    assert "经办人" in alone.json()["error"]["message_zh"]


# ------------------------------------------------------------------ 2. the reviewer decides their own task
def test_a_co_departments_reviewer_decides_their_own_task_and_is_told_what_to_do(hall: HallProcess) -> None:
    case = enterprise_case(
        hall,
        SETUP,
        ["application_form", "articles_of_association", "legal_rep_id_card", "shareholder_identity",
         "premises_proof", "officer_appointments"],
    )  # fmt: skip
    cid = case["id"]
    to_review(hall, cid)
    # the tax reviewer names no department: their own task is decided, the lead's is not
    decided = ok(call(hall, "POST", f"/cases/{cid}/decide", "tax", {"decision": "approved"}))
    tasks = {t["department"]: t["decision"] for t in decided["tasks"]}
    assert tasks == {"market": None, "tax": "approved", "public_security": None}
    # naming another department's task: told to leave it out
    other = call(hall, "POST", f"/cases/{cid}/decide", "tax", {"decision": "approved", "department": "market"})
    assert other.status_code == 403 and "不填 department" in other.json()["error"]["message_zh"]
    assert "leave department out" in other.json()["error"]["message"]
    # a window clerk: told who decides and what a window does instead
    window = call(hall, "POST", f"/cases/{cid}/decide", "c04", {"decision": "approved"})
    assert window.status_code == 403 and "转后台审批" in window.json()["error"]["message_zh"]
    assert "市场" in window.json()["error"]["message_zh"]  # who decides: the departments, by name
    # a reviewer of a department the case does not involve: pointed to their own task list
    health = call(hall, "POST", f"/cases/{cid}/decide", "health", {"decision": "approved"})
    assert health.status_code == 403 and "待审批任务" in health.json()["error"]["message_zh"]
    ok(call(hall, "POST", f"/cases/{cid}/decide", "security", {"decision": "approved"}))
    done = ok(call(hall, "POST", f"/cases/{cid}/decide", "market", {"decision": "approved"}))
    assert done["state"] == "approved"


# ------------------------------------------------------------------ 3. the case shows its certificates
def test_the_case_shows_its_certificate_and_the_url_it_gives_is_the_one_served(hall: HallProcess) -> None:
    body = {
        "item_code": PHYSICIAN,
        "id_number": CITIZEN,
        "name": "张三丰",
        "materials": ["id_card", "physician_qualification", "health_certificate", "employment_letter",
                      "photo", "application_form"],
    }  # fmt: skip
    cid = ok(call(hall, "POST", "/cases", "c01", body), 201)["id"]
    assert ok(call(hall, "GET", f"/cases/{cid}", "c01"))["certificates"] == []
    ok(call(hall, "POST", f"/cases/{cid}/accept", "c01", {}))
    ok(call(hall, "POST", f"/cases/{cid}/review", "c01", {}))
    ok(call(hall, "POST", f"/cases/{cid}/decide", "health", {"decision": "approved"}))
    view = ok(call(hall, "GET", f"/cases/{cid}", "c01"))
    [cert] = view["certificates"]
    assert cert["type"] == "physician_licence" and cert["holder"] == "张**" and cert["case"] == cid
    assert cert["issued_on"] and "valid_until" in cert and CITIZEN not in str(view)
    # The QR code's URL, whole from the server: the phone check page under the hall's address.
    assert cert["verification_url"] == f"{hall.http}/m/certificate/{cert['number']}?code={cert['verification_code']}"
    # the check behind it answers: the certificate, valid
    served = requests.get(f"{hall.http}/api/v1/certificates/{cert['number']}",
                          params={"code": cert["verification_code"]}, timeout=10)
    assert served.status_code == 200 and served.json()["number"] == cert["number"] and served.json()["valid"] is True


# ------------------------------------------------------------------ 4. accepting checks the materials
def test_accepting_without_the_required_materials_is_refused_naming_them(hall: HallProcess) -> None:
    body = {"item_code": PHYSICIAN, "id_number": CITIZEN, "name": "张三丰", "materials": []}
    cid = ok(call(hall, "POST", "/cases", "c01", body), 201)["id"]
    refused = call(hall, "POST", f"/cases/{cid}/accept", "c01", {})
    error = refused.json()["error"]
    assert refused.status_code == 409
    assert "医师资格证书" in error["message_zh"] and "一次性告知" in error["message_zh"]  # by name, and what to do
    assert "one-time notice" in error["message"]
    assert set(error["details"]["missing"]) == {
        "id_card", "physician_qualification", "health_certificate", "employment_letter", "photo", "application_form",
    }  # fmt: skip
    # the originals handed in at the window as it accepts: accepted
    handed = ["id_card", "physician_qualification", "health_certificate", "employment_letter", "photo"]
    still = call(hall, "POST", f"/cases/{cid}/accept", "c01", {"materials": handed})
    assert still.status_code == 409 and still.json()["error"]["details"]["missing"] == ["application_form"]
    accepted = ok(call(hall, "POST", f"/cases/{cid}/accept", "c01", {"materials": [*handed, "application_form"]}))
    assert accepted["state"] == "accepted" and "application_form" in accepted["materials_given"]
    # a commitment-based (告知承诺) acceptance stands on the applicant's word
    quick = ok(call(hall, "POST", "/cases", "c01", {"item_code": COMMITMENT, "id_number": CITIZEN}), 201)
    assert call(hall, "POST", f"/cases/{quick['id']}/accept", "c01", {}).status_code == 409
    approved = ok(call(hall, "POST", f"/cases/{quick['id']}/accept", "c01", {"commitment": True}))
    assert approved["state"] == "approved"


# ------------------------------------------------------------------ 5. the citizen reads the answer
def test_the_citizen_reads_their_complaints_answer_with_its_check_code(hall: HallProcess) -> None:
    filed = ok(call(hall, "POST", "/complaints", None, {"text": "叫号屏不显示", "phone": "13812345678"}), 201)
    code, cid = filed["check_code"], filed["id"]
    page = ok(call(hall, "GET", f"/complaints/{cid}/progress", params={"code": code.lower()}))
    assert page["state"] == "filed" and page["answer"] is None and page["due"] == filed["accept_due"]
    assert page["phone"] == "138****5678" and "13812345678" not in str(page)
    assert call(hall, "GET", f"/complaints/{cid}/progress", params={"code": "AAAAAA"}).status_code == 404
    assert call(hall, "GET", f"/complaints/{cid}/progress").status_code in (400, 404)
    ok(call(hall, "POST", f"/complaints/{cid}/accept", "manager", {"handler": "c02"}))
    ok(call(hall, "POST", f"/complaints/{cid}/answer", "c02", {"answer": "已维修叫号屏，感谢反馈。"}))
    answered = ok(call(hall, "GET", f"/complaints/{cid}/progress", params={"code": code}))
    assert answered["state"] == "answered" and answered["answer"] == "已维修叫号屏，感谢反馈。"
    assert answered["answered_on"] and answered["state_label"]["zh"] == "已答复" and "handler" not in answered


# ------------------------------------------------------------------ 6. the calendar warning
def test_the_managers_dashboard_says_whether_the_calendar_covers_the_next_60_days_and_the_year(hall: HallProcess) -> None:
    board = ok(call(hall, "GET", "/reports/dashboard", "manager"))
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    expected = calendar_coverage(WorkCalendar(), today)  # the package as installed; the demo config adds no days
    cal = board["calendar"]
    assert cal["covered"] is expected.covered and cal["missing_years"] == list(expected.missing_years)
    assert cal["horizon"] == expected.horizon.isoformat()
    if expected.covered:
        assert cal["warning"] is None
    else:
        year = str(expected.missing_years[0])
        assert year in cal["warning"]["zh"] and "extra_holidays" in cal["warning"]["zh"]
        assert "chinese_calendar" in cal["warning"]["en"]
    # and, early, the years of the coming 365 days it does not know yet
    assert cal["year_ahead_missing"] == list(calendar_coverage(WorkCalendar(), today, 365).missing_years)


# ------------------------------------------------------------------ 7. the slip and the progress page
def test_the_notice_slip_names_the_enterprise_window_the_item_and_the_check_code(hall: HallProcess) -> None:
    case = enterprise_case(hall, CHANGE, ["application_form", "legal_rep_id_card"], code=OTHER_COMPANY, name="深圳市另一家公司")
    cid = case["id"]
    ok(call(hall, "POST", f"/cases/{cid}/notice", "c04", {"materials": ["business_licence", "shareholder_resolution"]}))
    slip = ok(call(hall, "GET", f"/cases/{cid}/notice-slip", "c04"))
    assert "5号法人窗口" in slip["where"]["zh"] and "综合窗口" not in slip["where"]["zh"]
    assert slip["window"] == 5 and slip["window_label"] == {"zh": "法人窗口", "en": "enterprise window"}
    assert slip["item_code"] == CHANGE and slip["item_name"]["zh"] == "企业变更登记"
    assert slip["check_code"] == case["check_code"]
    # the applicant hands the materials in; the public page names them, never by code
    ok(call(hall, "POST", f"/cases/{cid}/supplement", "c04", {"materials": ["business_licence", "shareholder_resolution"]}))
    page = ok(call(hall, "GET", f"/cases/{cid}/progress", params={"code": case["check_code"]}))
    step = page["steps"][-1]
    assert step["action"] == "supplement" and "business_licence" not in step["note"]
    assert "营业执照" in step["note"] and "营业执照" in step["materials"][0]["name"]["zh"]


# ------------------------------------------------------------------ enterprise tickets
def test_an_enterprise_number_carries_the_company_and_a_returning_company_goes_back_to_its_clerk(
    hall: HallProcess,
) -> None:
    # The company's open case, taken in by c04 at the enterprise window 5.
    enterprise_case(hall, FOOD, ["application_form"], code=OTHER_COMPANY, name="深圳市另一家公司")
    company = {"credit_code": OTHER_COMPANY, "name": "深圳市另一家公司"}
    # Someone else comes for the company, without an ID card read: still the company's clerk.
    ticket = ok(call(hall, "POST", "/tickets", body={"item_code": FOOD, "enterprise": company}), 201)
    assert ticket["stream"] == "enterprise" and ticket["number"].startswith("B")
    assert ticket["enterprise"] == company
    assert ticket["first_inquiry_clerk"] == "c04"
    status = ok(call(hall, "GET", f"/tickets/{ticket['id']}", params={"token": ticket["token"]}))
    assert status["enterprise"] == company
    # The hall's public queue and board events do not list companies.
    assert "深圳市另一家公司" not in call(hall, "GET", "/queue").text

    # A company that never applied here: its number, no clerk kept for it.
    new = {"credit_code": COMPANY, "name": "深圳市南山海岸科技有限公司"}
    fresh = ok(call(hall, "POST", "/tickets", body={"item_code": CHANGE, "enterprise": new, "id_number": AGENT}), 201)
    assert fresh["enterprise"] == new and fresh["id_masked"].startswith("4403")

    citizen_item = call(hall, "POST", "/tickets", body={"item_code": PHYSICIAN, "enterprise": new})
    assert citizen_item.status_code == 400 and citizen_item.json()["error"]["details"]["field"] == "enterprise"
    forged = {"credit_code": COMPANY[:-1] + ("0" if COMPANY[-1] != "0" else "1"), "name": "假公司"}
    refused = call(hall, "POST", "/tickets", body={"item_code": FOOD, "enterprise": forged})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["field"] == "enterprise.credit_code"
    assert forged["credit_code"] not in refused.text  # named, never quoted back


def test_founding_an_enterprise_is_the_founder_s_and_every_other_enterprise_item_the_enterprise_s(
    hall: HallProcess,
) -> None:
    # 个体工商户设立登记: the business has no credit code until it is registered.
    founded = ok(call(hall, "POST", "/cases", "c04", {"item_code": "E-DJ-002", "id_number": AGENT, "name": "李四"}), 201)
    assert founded["applicant"]["name"] == "李*" and founded["applicant"].get("credit_code") is None
    assert AGENT not in str(founded)
    changed = call(hall, "POST", "/cases", "c04", {"item_code": CHANGE, "id_number": AGENT, "name": "李四"})
    assert changed.status_code == 400 and changed.json()["error"]["details"]["field"] == "enterprise"
    assert "统一社会信用代码" in changed.json()["error"]["message_zh"]
