"""The managers' endpoints through a real server process: complaints
from filing to closing, follow-ups of bad ratings, flagged one-time notices, the dashboard's
reports; with roles, refusals in Chinese and English, and the OpenAPI document.

Data from earlier days (January 2025: overdue complaints and follow-ups, closed cases, ratings)
is written into the shared case database with the ``CaseStore`` as another hall's server of the
city would, so the reports of that month are known exactly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from openapi_spec_validator import validate

from protocol.client import RequestFailed
from queue_server.cases import Role, Source, Subject
from queue_server.cases.reports import catalogue_tiers
from queue_server.catalogue import load_catalogue
from queue_server.runtime import DEFAULT_CATALOGUE
from queue_server.store import make_engine
from queue_server.store.casestore import CaseStore
from tests.cases import APPLICANT as PARTY
from tests.cases import CAL, SIMPLE, back, online, ts, window
from tests.support.hall import HallProcess

from .test_cases_api import APPLICANT, CERT_ITEM, QUICK_ITEM, api, auth, kiosk, post, submit, tok

pytestmark = pytest.mark.slow

JANUARY = {"since": "2025-01-01", "until": "2025-01-31"}


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("manage")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.clerk1 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]  # signed in at window 1
    h.clerk2 = h.token("clerk", clerk="c02")  # type: ignore[attr-defined]  # signed in at window 2
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.kiosk = h.enroll("kiosk-manage", "kiosk")  # type: ignore[attr-defined]
    h.start()
    engine = make_engine(h.db)
    try:
        january(CaseStore(engine, CAL))
    finally:
        engine.dispose()
    yield h
    h.stop()


def jan(day: int, hour: int = 10) -> float:
    return ts(2025, 1, day, hour)  # January 2025: Mondays on the 6th, 13th, 20th


def january(store: CaseStore) -> None:
    """Two closed cases (one on the spot with one visit, one online in 2 working days), three
    ratings at two windows, and a complaint and a bad rating nobody answered since."""
    clerk = back("c01", Role.CLERK)
    store.submit(
        "NS-20250106-000001", SIMPLE, PARTY, window("c01", number=1), jan(6), materials=list(SIMPLE.materials)
    )
    store.act("NS-20250106-000001", "accept", window("c01", number=1), jan(6, 11), commitment=True)
    store.act("NS-20250106-000001", "result_ready", clerk, jan(6, 12))
    store.act("NS-20250106-000001", "hand_out", window("c01", number=1), jan(6, 15))
    store.act("NS-20250106-000001", "close", clerk, jan(6, 16))
    store.submit("NS-20250106-000002", SIMPLE, PARTY, online(), jan(6), materials=list(SIMPLE.materials))
    store.act("NS-20250106-000002", "accept", clerk, jan(6, 11))
    store.act("NS-20250106-000002", "start_review", clerk, jan(6, 12))
    store.act("NS-20250106-000002", "decide_task", SIMPLE.department, "approved", back("d1"), jan(8))
    store.act("NS-20250106-000002", "result_ready", clerk, jan(8, 11))
    store.act("NS-20250106-000002", "hand_out", online(), jan(9))
    store.act("NS-20250106-000002", "close", clerk, jan(9, 11))
    case = Subject("case", "NS-20250106-000001")
    store.rate("jan-1", case, "step-0", 5, Source.KIOSK, jan(6), hall="H01", window=1, clerk="c01")
    store.rate("jan-2", case, "step-1", 2, Source.KEYPAD, jan(6, 11), hall="H01", window=1, clerk="c01")
    store.rate(
        "jan-3",
        Subject("ticket", "T-JAN"),
        "visit",
        4,
        Source.KEYPAD,
        jan(7),
        hall="H01",
        window=2,
        clerk="c02",
    )
    store.file_complaint("TS-20250106-OLD00001", "去年的投诉无人受理", Source.WEB, jan(6))


def manager(hall: HallProcess) -> dict[str, str]:
    return auth(tok(hall, "manager"))


def clerk1(hall: HallProcess) -> dict[str, str]:
    return auth(tok(hall, "clerk1"))


def clerk2(hall: HallProcess) -> dict[str, str]:
    return auth(tok(hall, "clerk2"))


def get(
    hall: HallProcess, path: str, headers: dict[str, str], status: int = 200, **params: Any
) -> dict[str, Any]:
    r = requests.get(api(hall, path), params=params, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def refused(
    hall: HallProcess, path: str, body: dict[str, Any], headers: dict[str, str], status: int
) -> dict[str, Any]:
    """A refusal: its status and an error in English and Chinese."""
    r = requests.post(api(hall, path), json=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"] and error["message_zh"]
    return error


def today_in_hall() -> date:
    return datetime.fromtimestamp(time.time(), ZoneInfo("Asia/Shanghai")).date()


# ------------------------------------------------------------------ complaints
def test_a_complaint_from_filing_to_closing(hall: HallProcess) -> None:
    case = submit(hall)
    filed = post(
        hall,
        "/complaints",
        {"text": "窗口人员态度不好", "case": case["id"], "code": case["check_code"]},
        status=201,
    )
    cid = filed["id"]
    listed = get(hall, "/complaints", manager(hall), state="filed")
    mine = next(c for c in listed["complaints"] if c["id"] == cid)
    assert mine["case"] == case["id"] and mine["text"] == "窗口人员态度不好"
    assert mine["state_label"] == {"zh": "待受理", "en": "Filed, awaiting acceptance"}
    assert mine["due"] == mine["accept_due"] == filed["accept_due"] and mine["overdue"] is False
    assert mine["due_label"]["zh"] == "受理期限" and mine["handler"] is None
    assert APPLICANT not in str(listed)

    # steps out of order are the core's clear refusals
    assert (
        "答复"
        in refused(hall, f"/complaints/{cid}/answer", {"answer": "好"}, manager(hall), 409)["message_zh"]
    )
    assert "结案" in refused(hall, f"/complaints/{cid}/close", {}, manager(hall), 409)["message_zh"]
    # accepting: a manager only, naming a clerk of this hall
    refused(hall, f"/complaints/{cid}/accept", {"handler": "c02"}, clerk1(hall), 403)
    refused(hall, f"/complaints/{cid}/accept", {"handler": "c02"}, {}, 401)
    refused(hall, f"/complaints/{cid}/accept", {}, manager(hall), 400)
    assert refused(hall, f"/complaints/{cid}/accept", {"handler": "nobody"}, manager(hall), 400)[
        "details"
    ] == {"field": "handler"}
    accepted = post(hall, f"/complaints/{cid}/accept", {"handler": "c02"}, manager(hall))
    assert accepted["state"] == "accepted" and accepted["handler"] == {"id": "c02", "name": "王建国"}
    # 15 working days to answer, counted from today on the hall's calendar
    assert accepted["answer_due"] == CAL.add_workdays(today_in_hall(), 15).isoformat()
    assert accepted["due"] == accepted["answer_due"] and accepted["due_label"]["en"] == "answer by"
    refused(hall, f"/complaints/{cid}/accept", {"handler": "c01"}, manager(hall), 409)

    # only the named clerk (or a manager) sees and answers it
    assert requests.get(api(hall, f"/complaints/{cid}"), headers=clerk1(hall), timeout=10).status_code == 403
    refused(hall, f"/complaints/{cid}/answer", {"answer": "已核实"}, clerk1(hall), 403)
    assert get(hall, f"/complaints/{cid}", clerk2(hall))["state"] == "accepted"
    refused(hall, f"/complaints/{cid}/answer", {"answer": ""}, clerk2(hall), 400)
    answered = post(hall, f"/complaints/{cid}/answer", {"answer": "已核实并向您致歉"}, clerk2(hall))
    assert answered["state"] == "answered" and answered["answer"] == "已核实并向您致歉"
    assert answered["due"] is None and answered["overdue"] is False and answered["answered_on"]

    # closing: a manager
    refused(hall, f"/complaints/{cid}/close", {}, clerk2(hall), 403)
    closed = post(hall, f"/complaints/{cid}/close", {}, manager(hall))
    assert closed["state"] == "closed" and closed["state_label"]["zh"] == "已办结"
    assert [s["state"] for s in closed["history"]] == ["filed", "accepted", "answered", "closed"]
    assert [s["by"] for s in closed["history"][1:3]] == ["c02", "c02"] and closed["history"][3]["by"]
    assert cid not in [c["id"] for c in get(hall, "/complaints", manager(hall), state="open")["complaints"]]
    assert cid in [c["id"] for c in get(hall, "/complaints", manager(hall), state="closed")["complaints"]]


def test_a_complaint_has_its_category_and_a_phone_kept_encrypted_and_shown_masked(hall: HallProcess) -> None:
    phone = "13912345678"
    filed = post(hall, "/complaints", {"category": "efficiency", "text": "等了两个小时", "phone": phone}, status=201)
    assert filed["category"] == "efficiency" and filed["category_label"] == {"zh": "办事效率", "en": "Efficiency"}
    assert filed["phone"] == "139****5678"
    listed = get(hall, "/complaints", manager(hall), state="filed")
    mine = next(c for c in listed["complaints"] if c["id"] == filed["id"])
    assert (mine["category"], mine["category_label"]["zh"], mine["text"]) == ("efficiency", "办事效率", "等了两个小时")
    assert mine["phone"] == "139****5678"
    post(hall, f"/complaints/{filed['id']}/accept", {"handler": "c02"}, manager(hall))
    handling = get(hall, f"/complaints/{filed['id']}", clerk2(hall))  # the clerk who answers it
    assert handling["phone"] == "139****5678" and handling["category_label"]["en"] == "Efficiency"
    assert phone not in str(listed) + str(handling)
    # the web may leave out both: "other", no phone; the old complaint of January too
    bare = post(hall, "/complaints", {"text": "指示牌看不清"}, status=201)
    assert (bare["category"], bare["category_label"]["zh"], bare["phone"]) == ("other", "其他", None)
    old = get(hall, "/complaints/TS-20250106-OLD00001", manager(hall))
    assert (old["category"], old["phone"]) == ("other", None)
    # from a kiosk (whose request key keeps the reply for a retry) the same
    with kiosk(hall) as k:
        at_kiosk = k.request("complaint.file", {"category": "discipline", "text": "工作时间玩手机", "phone": phone})
    assert at_kiosk["phone"] == "139****5678" and at_kiosk["category_label"]["zh"] == "工作纪律"
    # the number is nowhere in clear: not in the database's files, not in the server's log
    db = Path(hall.db.removeprefix("sqlite:///"))
    files = [f.read_bytes() for f in [db, *db.parent.glob(db.name + "-*")]]
    assert any("工作时间玩手机".encode() in b for b in files)  # these are the files the complaints are in
    assert not any(phone.encode() in b for b in files)
    assert phone not in hall.log()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "rudeness", "phone": "13812345678"}, "category"),
        ({"category": 5}, "category"),
        ({"category": "attitude", "phone": "138-1234-5678"}, "phone"),
        ({"phone": "0755-260101"}, "phone"),  # 6 digits after the area code
        ({"phone": APPLICANT}, "phone"),
    ],
)
def test_a_complaint_with_a_bad_category_or_phone_is_refused_naming_the_field(
    hall: HallProcess, body: dict[str, Any], field: str
) -> None:
    error = refused(hall, "/complaints", {"text": "窗口态度差", **body}, {}, 400)
    assert error["details"] == {"field": field} and field in error["message"]
    assert APPLICANT not in str(error) and "1234" not in str(error)
    with kiosk(hall) as k, pytest.raises(RequestFailed) as no:
        k.request("complaint.file", {"text": "窗口态度差", "phone": "13812345678", **body})
    assert no.value.code == "bad_request" and no.value.details == {"field": field}


def test_overdue_complaints_are_marked_with_their_deadline(hall: HallProcess) -> None:
    late = get(hall, "/complaints", manager(hall), overdue="true")
    old = next(c for c in late["complaints"] if c["id"] == "TS-20250106-OLD00001")
    assert old["overdue"] is True and old["due"] == old["accept_due"] == "2025-01-08"
    assert old["days_late"] == CAL.workdays_between(date(2025, 1, 8), today_in_hall()) > 200
    assert all(c["overdue"] for c in late["complaints"]) and late["counts"]["overdue"] >= 1
    fresh = post(hall, "/complaints", {"text": "叫号声音太小"}, status=201)
    assert fresh["id"] not in [c["id"] for c in late["complaints"]]
    assert get(hall, f"/complaints/{fresh['id']}", manager(hall))["overdue"] is False


def test_complaint_lists_need_a_manager_and_clear_input(hall: HallProcess) -> None:
    assert requests.get(api(hall, "/complaints"), timeout=10).status_code == 401
    get(hall, "/complaints", clerk1(hall), status=403)
    error = get(hall, "/complaints", manager(hall), status=400, state="lost")["error"]
    assert error["message_zh"] and "state" in error["message"]
    assert get(hall, "/complaints", manager(hall), status=400, overdue="maybe")["error"]["message_zh"]
    assert get(hall, "/complaints/TS-20250101-00000000", manager(hall), status=404)["error"]["message_zh"]
    malformed = get(hall, "/complaints/TS-NONE", manager(hall), status=400)["error"]
    assert malformed["details"]["field"] == "complaint" and "TS-NONE" not in malformed["message"]
    assert len(get(hall, "/complaints", manager(hall), limit=1)["complaints"]) == 1
    # the kiosk files complaints but does not manage them
    with kiosk(hall) as k, pytest.raises(RequestFailed) as no:
        k.request("complaint.list", {})
    assert no.value.code == "forbidden"


# ------------------------------------------------------------------ follow-ups of bad ratings
def test_a_bad_rating_is_followed_up(hall: HallProcess) -> None:
    case = submit(hall)
    rated = post(
        hall,
        f"/cases/{case['id']}/rate",
        {"code": case["check_code"], "level": 1, "comment": "等了两个小时"},
        status=201,
    )
    due = CAL.add_workdays(today_in_hall(), 15).isoformat()
    assert rated["follow_up_due"] == due
    open_ = get(hall, "/follow-ups", manager(hall))
    mine = next(f for f in open_["follow_ups"] if f["evaluation"] == rated["id"])
    assert mine["case"] == case["id"] and mine["comment"] == "等了两个小时" and mine["window"] == 1
    assert mine["clerk"] == {"id": "c01", "name": "陈晓梅"}
    assert mine["level_label"] == {"zh": "非常不满意", "en": "Very dissatisfied"}
    assert mine["follow_up_due"] == due and mine["overdue"] is False and mine["answered"] is False
    # the January one nobody answered is overdue, and the overdue list has only such
    late = get(hall, "/follow-ups", manager(hall), overdue="true")["follow_ups"]
    assert "jan-2" in [f["evaluation"] for f in late] and rated["id"] not in [f["evaluation"] for f in late]
    assert all(f["overdue"] and f["days_late"] > 0 for f in late)
    assert APPLICANT not in str(open_)

    get(hall, "/follow-ups", clerk1(hall), status=403)
    refused(hall, f"/follow-ups/{rated['id']}/answer", {"answer": "已整改"}, clerk1(hall), 403)
    refused(hall, f"/follow-ups/{rated['id']}/answer", {"answer": "  "}, manager(hall), 400)
    answered = post(hall, f"/follow-ups/{rated['id']}/answer", {"answer": "已调整窗口排班"}, manager(hall))
    assert (
        answered["answered"] is True
        and answered["answer"] == "已调整窗口排班"
        and answered["overdue"] is False
    )
    assert (
        "已回复"
        in refused(hall, f"/follow-ups/{rated['id']}/answer", {"answer": "再答"}, manager(hall), 409)[
            "message_zh"
        ]
    )
    # a good rating has nothing to follow up; an unknown one is not found
    assert (
        "差评"
        in refused(hall, "/follow-ups/jan-1/answer", {"answer": "谢谢"}, manager(hall), 409)["message_zh"]
    )
    refused(hall, "/follow-ups/no-such/answer", {"answer": "x"}, manager(hall), 404)
    assert rated["id"] not in [f["evaluation"] for f in get(hall, "/follow-ups", manager(hall))["follow_ups"]]
    assert rated["id"] in [
        f["evaluation"] for f in get(hall, "/follow-ups", manager(hall), state="answered")["follow_ups"]
    ]


# ------------------------------------------------------------------ flagged one-time notices
def test_a_later_notice_asking_for_something_new_is_flagged(hall: HallProcess) -> None:
    case = submit(hall)
    cid = case["id"]
    post(hall, f"/cases/{cid}/notice", {"materials": ["photo"]}, clerk1(hall))
    post(hall, f"/cases/{cid}/supplement", {"materials": ["photo"]}, clerk1(hall))
    post(hall, f"/cases/{cid}/notice", {"materials": ["employment_letter"]}, clerk1(hall))
    fine = submit(hall)  # asking again for what is still missing is no lapse
    post(hall, f"/cases/{fine['id']}/notice", {"materials": ["photo", "employment_letter"]}, clerk1(hall))
    post(hall, f"/cases/{fine['id']}/supplement", {"materials": ["photo"]}, clerk1(hall))
    post(hall, f"/cases/{fine['id']}/notice", {"materials": ["employment_letter"]}, clerk1(hall))

    flagged = get(hall, "/cases/flagged-notices", manager(hall))
    assert [n["case"] for n in flagged["notices"]].count(cid) == 1 and fine["id"] not in str(flagged)
    n = next(n for n in flagged["notices"] if n["case"] == cid)
    assert n["notice"] == 2 and n["item_code"] == CERT_ITEM and n["item_name"]["zh"] and n["item_name"]["en"]
    assert n["clerk"] == {"id": "c01", "name": "陈晓梅"} and n["hall"] == "H01"
    assert (
        [m["code"] for m in n["materials"]]
        == ["employment_letter"]
        == [m["code"] for m in n["new_materials"]]
    )
    assert n["materials"][0]["name"]["zh"] and n["materials"][0]["name"]["en"]
    assert flagged["label"]["zh"] and flagged["label"]["en"] and APPLICANT not in str(flagged)
    get(hall, "/cases/flagged-notices", clerk1(hall), status=403)
    # /cases/{case_id} still opens a case
    assert get(hall, f"/cases/{cid}", clerk1(hall))["id"] == cid


# ------------------------------------------------------------------ the dashboard
def test_dashboard_reports_of_a_known_month(hall: HallProcess) -> None:
    report = get(hall, "/reports/dashboard", manager(hall), **JANUARY)
    assert report["period"] == {"since": "2025-01-01", "until": "2025-01-31"}
    closed = report["tiers"]["closed_cases"]
    assert closed["count"] == 2
    assert closed["shares"] == {"on_the_spot": 0.5, "within_5_days": 0.5, "halved": 0.0, "slow": 0.0}
    # faster cases count for the slower tiers: all within 5 days meets both targets
    assert closed["meets_343"] is True and closed["meets_532"] is True
    assert report["visits"] == {"count": 2, "at_most_one": 1.0, "zero": 0.5}
    by_window = {(w["hall"], w["window"]): w for w in report["ratings_by_window"]}
    assert set(by_window) == {("H01", 1), ("H01", 2)}
    w1 = by_window[("H01", 1)]
    assert (w1["count"], w1["mean"], w1["satisfied"], w1["bad"]) == (2, 3.5, 0.5, 1)
    assert w1["levels"] == {"5": 1, "4": 0, "3": 0, "2": 1, "1": 0} and w1["name"]
    by_clerk = {c["clerk"]["id"]: c for c in report["ratings_by_clerk"]}
    assert by_clerk["c02"]["clerk"]["name"] == "王建国" and by_clerk["c02"]["mean"] == 4.0
    # the catalogue's own 三四三 is the pure report of the published catalogue
    pure = catalogue_tiers(load_catalogue(DEFAULT_CATALOGUE))
    cat = report["tiers"]["catalogue"]
    assert cat["count"] == pure.count and (cat["meets_343"], cat["meets_532"]) == (
        pure.meets_343,
        pure.meets_532,
    )
    assert cat["shares"] == {k: round(v, 4) for k, v in pure.shares.items()}
    # every tier, target, card and level a dashboard draws has a Chinese and an English label
    labels = report["labels"]
    for key in report["tiers"]["order"]:
        assert labels["tiers"][key]["zh"] and labels["tiers"][key]["en"]
    assert set(labels["levels"]) == {"1", "2", "3", "4", "5"} and labels["targets"]["343"]["zh"]
    assert labels["yellow"]["zh"] == "黄牌" and labels["at_most_one"]["zh"] == "最多跑一次"
    # a month without data
    empty = get(hall, "/reports/dashboard", manager(hall), since="2024-03-01", until="2024-03-31")
    assert empty["tiers"]["closed_cases"]["count"] == 0 and empty["ratings_by_window"] == []


def test_dashboard_cards_and_whole_history(hall: HallProcess) -> None:
    quick = post(
        hall,
        "/cases",
        {"item_code": QUICK_ITEM, "id_number": APPLICANT, "name": "赵六"},
        clerk1(hall),
        status=201,
    )
    report = get(hall, "/reports/dashboard", manager(hall))
    assert (
        report["period"] == {"since": None, "until": None} and report["today"] == today_in_hall().isoformat()
    )
    cards = {d["department"]: d for d in report["cards_by_department"]}
    hrss = cards[quick["department"]]
    assert hrss["yellow"] + hrss["red"] >= 1 and hrss["name"]["zh"] and hrss["name"]["en"]
    # the whole history holds January and anything rated since
    assert report["tiers"]["closed_cases"]["count"] >= 2
    assert sum(w["count"] for w in report["ratings_by_window"]) >= 3


def test_dashboard_needs_a_manager_and_a_sensible_period(hall: HallProcess) -> None:
    assert requests.get(api(hall, "/reports/dashboard"), timeout=10).status_code == 401
    get(hall, "/reports/dashboard", clerk1(hall), status=403)
    bad = get(hall, "/reports/dashboard", manager(hall), status=400, since="January")["error"]
    assert bad["message_zh"] and bad["details"] == {"field": "since"}
    backwards = get(
        hall, "/reports/dashboard", manager(hall), status=400, since="2025-02-01", until="2025-01-01"
    )
    assert backwards["error"]["message_zh"] == "开始日期晚于结束日期"


# ------------------------------------------------------------------ the contract
def test_openapi_document_has_the_manager_paths(hall: HallProcess) -> None:
    doc = requests.get(api(hall, "/openapi.json"), timeout=10).json()
    validate(doc)
    for path, method in (
        ("/complaints", "get"),
        ("/complaints", "post"),  # filing stays public
        ("/complaints/{complaint_id}", "get"),
        ("/complaints/{complaint_id}/accept", "post"),
        ("/complaints/{complaint_id}/answer", "post"),
        ("/complaints/{complaint_id}/close", "post"),
        ("/follow-ups", "get"),
        ("/follow-ups/{evaluation_id}/answer", "post"),
        ("/cases/flagged-notices", "get"),
        ("/reports/dashboard", "get"),
    ):
        op = doc["paths"][path][method]
        public = (path, method) == ("/complaints", "post")
        assert ("security" in op) != public, (path, method)
