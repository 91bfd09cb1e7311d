"""The case state machine: every allowed transition, every refused one, and the hall's rules."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date

import pytest

from queue_server.cases import CaseBook, CaseState, Channel, Decision, Party, Role
from queue_server.cases.lifecycle import ALLOWED_FROM, CASE_APPROVED, CASE_REJECTED
from queue_server.engine.errors import EngineError
from queue_server.engine.events import Event

from . import AGENT, APPLICANT, NO_COMMITMENT, PARALLEL, SIMPLE, back, do, kiosk, new_book, online, ts, window

T0 = ts(2025, 3, 3)  # Monday


def submitted(book: CaseBook, cid: str = "K1", item=SIMPLE, at: float = T0) -> None:
    do(book, book.submit(cid, item, APPLICANT, window(), at, materials=["id_card"]))


# How to reach each state with the simple one-department item.
PATHS: dict[CaseState, list[str]] = {
    CaseState.SUBMITTED: [],
    CaseState.WAITING_MATERIALS: ["issue_notice"],
    CaseState.SUPPLEMENTED: ["issue_notice", "supplement"],
    CaseState.ACCEPTED: ["accept"],
    CaseState.REFUSED: ["refuse"],
    CaseState.IN_REVIEW: ["accept", "start_review"],
    CaseState.APPROVED: ["accept", "start_review", "decide_task"],
    CaseState.REJECTED: ["accept", "start_review", "reject_task"],
    CaseState.RESULT_READY: ["accept", "start_review", "decide_task", "result_ready"],
    CaseState.HANDED_OUT: ["accept", "start_review", "decide_task", "result_ready", "hand_out"],
    CaseState.CLOSED: ["accept", "start_review", "decide_task", "result_ready", "hand_out", "close"],
}

Action = Callable[[CaseBook, str, float], list]
ACTIONS: dict[str, tuple[Action, CaseState]] = {
    "accept": (lambda b, c, t: b.accept(c, window(), t), CaseState.ACCEPTED),
    "accept_commitment": (lambda b, c, t: b.accept(c, window(), t, commitment=True), CaseState.APPROVED),
    "refuse": (
        lambda b, c, t: b.refuse(c, window(), t, "《行政许可法》第三十二条：不属于本机关职权范围"),
        CaseState.REFUSED,
    ),
    "issue_notice": (
        lambda b, c, t: b.issue_notice(c, window(), t, ["photo", "form"]),
        CaseState.WAITING_MATERIALS,
    ),
    "supplement": (lambda b, c, t: b.supplement(c, online(), t, ["photo", "form"]), CaseState.SUPPLEMENTED),
    "start_review": (lambda b, c, t: b.start_review(c, back("c1", Role.CLERK), t), CaseState.IN_REVIEW),
    "decide_task": (lambda b, c, t: b.decide_task(c, "hrss", "approved", back(), t), CaseState.APPROVED),
    "reject_task": (
        lambda b, c, t: b.decide_task(c, "hrss", "rejected", back(), t, reason="不符合条件"),
        CaseState.REJECTED,
    ),
    "result_ready": (lambda b, c, t: b.result_ready(c, back(), t), CaseState.RESULT_READY),
    "hand_out": (lambda b, c, t: b.hand_out(c, window("c9", "H01", 9), t), CaseState.HANDED_OUT),
    "close": (lambda b, c, t: b.close(c, back("c1", Role.CLERK), t), CaseState.CLOSED),
    "withdraw": (lambda b, c, t: b.withdraw(c, online(), t), CaseState.CLOSED),
}
ALLOWED = {**ALLOWED_FROM, "reject_task": ALLOWED_FROM["decide_task"]}


def reach(state: CaseState) -> CaseBook:
    book = new_book()
    submitted(book)
    for i, name in enumerate(PATHS[state], 1):
        do(book, ACTIONS[name][0](book, "K1", T0 + 3600 * i))
    assert book.case("K1").state is state
    return book


CASES = [(s, a) for s in CaseState for a in ACTIONS]


@pytest.mark.parametrize(("state", "action"), CASES, ids=[f"{s.value}-{a}" for s, a in CASES])
def test_every_transition_is_allowed_or_refused_with_its_error(state: CaseState, action: str) -> None:
    book = reach(state)
    before = copy.deepcopy(book.case("K1"))
    run, target = ACTIONS[action]
    if state in ALLOWED[action]:
        do(book, run(book, "K1", T0 + 86400))
        assert book.case("K1").state is target
        assert len(book.case("K1").steps) > len(before.steps)
    else:
        with pytest.raises(EngineError) as err:
            run(book, "K1", T0 + 86400)
        assert err.value.code == "conflict"
        assert err.value.details["case"] == "K1"
        if state is CaseState.CLOSED:
            assert "closed" in err.value.message and "已办结" in err.value.message_zh
        else:
            assert state.value in err.value.message and state.zh in err.value.message_zh
        assert book.case("K1") == before


def test_every_step_records_who_when_and_where() -> None:
    book = reach(CaseState.CLOSED)
    c = book.case("K1")
    assert [s.action for s in c.steps] == [
        "submit", "accept", "start_review", "decide:hrss", "approve", "result_ready", "hand_out", "close"
    ]  # fmt: skip
    hand_out = c.steps[6]
    assert (hand_out.where.actor, hand_out.where.hall, hand_out.where.window) == ("c9", "H01", 9)
    assert hand_out.before is CaseState.RESULT_READY and hand_out.after is CaseState.HANDED_OUT
    assert [s.at for s in c.steps] == sorted(s.at for s in c.steps)
    assert c.outcome == "handed_out"


def test_refusal_needs_a_legal_reason_and_keeps_it() -> None:
    book = new_book()
    submitted(book)
    with pytest.raises(EngineError) as err:
        book.refuse("K1", window(), T0, "  ")
    assert err.value.code == "bad_request" and "法定理由" in err.value.message_zh
    do(book, book.refuse("K1", window(), T0, "不属于本机关职权范围"))
    assert book.case("K1").refusal_reason == "不属于本机关职权范围"


def test_only_clerks_accept_refuse_or_issue_notices() -> None:
    book = new_book()
    submitted(book)
    for call in (
        lambda: book.accept("K1", kiosk(), T0),
        lambda: book.refuse("K1", back(), T0, "x"),
        lambda: book.issue_notice("K1", online(), T0, ["photo"]),
    ):
        with pytest.raises(EngineError) as err:
            call()
        assert err.value.code == "bad_request"


def test_unknown_case_and_bad_places_are_refused() -> None:
    book = new_book()
    with pytest.raises(EngineError) as err:
        book.accept("nope", window(), T0)
    assert err.value.code == "not_found"
    with pytest.raises(EngineError) as err:
        book.submit("K1", SIMPLE, APPLICANT, window(number=None), T0)  # type: ignore[arg-type]
    assert err.value.code == "bad_request" and "window" in err.value.message
    with pytest.raises(EngineError) as err:
        book.submit("K1", SIMPLE, APPLICANT, back(), T0)
    assert err.value.code == "bad_request"
    submitted(book)
    with pytest.raises(EngineError) as err:
        submitted(book)
    assert err.value.code == "conflict"


def test_a_case_cannot_be_accepted_while_notified_materials_are_missing() -> None:
    book = new_book()
    submitted(book)
    do(book, book.issue_notice("K1", window(), T0, ["photo", "form"]))
    do(book, book.supplement("K1", online(), T0 + 60, ["photo"]))
    with pytest.raises(EngineError) as err:
        book.accept("K1", window(), T0 + 120)
    assert err.value.code == "conflict" and err.value.details["missing"] == ["form"]
    assert "form" in err.value.message_zh
    do(book, book.issue_notice("K1", window(), T0 + 180, ["form"]))
    do(book, book.supplement("K1", online(), T0 + 240, ["form"]))
    do(book, book.accept("K1", window(), T0 + 300))
    assert book.case("K1").state is CaseState.ACCEPTED


# --------------------------------------------------------------- one-time notice
def test_one_time_notice_lists_everything_and_a_later_new_demand_is_flagged() -> None:
    book = new_book()
    submitted(book)
    do(book, book.issue_notice("K1", window(), T0, ["photo", "form", "photo"]))
    first = book.case("K1").notices[0]
    assert first.materials == ("photo", "form") and not first.flagged
    do(book, book.supplement("K1", kiosk(), T0 + 60, ["photo"]))
    # asking again for what is still missing is fine
    do(book, book.issue_notice("K1", window(), T0 + 120, ["form"]))
    assert not book.case("K1").notices[1].flagged
    do(book, book.supplement("K1", kiosk(), T0 + 180, ["form"]))
    # a material the first notice did not name, and one already given: both flagged
    do(book, book.issue_notice("K1", window(), T0 + 240, ["id_card", "photo"]))
    third = book.case("K1").notices[2]
    assert third.new == ("id_card",) and third.asked_again == ("id_card", "photo") and third.flagged
    assert [(cid, n.number) for cid, n in book.flagged_notices()] == [("K1", 3)]


def test_a_notice_must_name_materials_of_the_guide() -> None:
    book = new_book()
    submitted(book)
    with pytest.raises(EngineError) as err:
        book.issue_notice("K1", window(), T0, [])
    assert err.value.code == "bad_request" and "一次性告知" in err.value.message_zh
    with pytest.raises(EngineError) as err:
        book.issue_notice("K1", window(), T0, ["birth_cert"])
    assert err.value.code == "bad_request" and err.value.details["unknown"] == ["birth_cert"]


def test_the_notice_pauses_the_case_clock() -> None:
    book = new_book()
    submitted(book, at=ts(2025, 1, 20))  # Mon, promised 3 days
    do(book, book.issue_notice("K1", window(), ts(2025, 1, 21), ["photo"]))
    c = book.case("K1")
    assert c.clock().is_paused()
    assert c.clock().remaining(book.calendar, date(2025, 2, 20)) == 2  # a month later, still 2 days left
    do(book, book.supplement("K1", online(), ts(2025, 2, 20), ["photo"]))
    assert not c.clock().is_paused()
    assert c.clock().due(book.calendar, date(2025, 2, 20)) == date(2025, 2, 24)


# ----------------------------------------------------------- commitment (告知承诺)
def test_commitment_based_approval_accepts_at_once_and_opens_a_verification_task() -> None:
    book = new_book(verification_days=20)
    submitted(book, at=ts(2025, 9, 26))  # Fri before 国庆
    do(book, book.issue_notice("K1", window(), ts(2025, 9, 26), ["photo"]))
    do(book, book.accept("K1", window(), ts(2025, 9, 26, 11), commitment=True))
    c = book.case("K1")
    assert c.state is CaseState.APPROVED and c.commitment and not c.tasks
    v = book.verifications["K1"]
    assert v.due == book.calendar.add_workdays(date(2025, 9, 26), 20) == date(2025, 10, 30)
    for name in ("result_ready", "hand_out", "close"):
        do(book, ACTIONS[name][0](book, "K1", ts(2025, 9, 29)))
    closed = copy.deepcopy(c)
    assert book.overdue_verifications(date(2025, 10, 30)) == []
    assert [x.case for x in book.overdue_verifications(date(2025, 10, 31))] == ["K1"]
    with pytest.raises(EngineError) as err:
        book.verify("K1", back(), ts(2025, 10, 20), ok=False)
    assert err.value.code == "bad_request"
    do(book, book.verify("K1", back(), ts(2025, 10, 20), ok=False, note="承诺的房产证明不实"))
    assert v.ok is False and book.case("K1") == closed  # the closed case does not change
    with pytest.raises(EngineError) as err:
        book.verify("K1", back(), ts(2025, 10, 21), ok=True)
    assert err.value.code == "conflict"


def test_commitment_only_where_the_item_allows_it() -> None:
    book = new_book()
    submitted(book, item=NO_COMMITMENT)
    with pytest.raises(EngineError) as err:
        book.accept("K1", window(), T0, commitment=True)
    assert err.value.code == "conflict" and "告知承诺" in err.value.message_zh


# ------------------------------------------------------ agent and first inquiry
def test_an_agent_is_recorded_beside_the_applicant() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, kiosk(who=Role.AGENT), T0, agent=AGENT))
    c = book.case("K1")
    assert c.applicant == APPLICANT and c.agent == AGENT and c.steps[0].where.role is Role.AGENT
    with pytest.raises(EngineError):
        book.submit("K2", SIMPLE, APPLICANT, kiosk(), T0, agent=APPLICANT)
    with pytest.raises(EngineError):
        book.submit("K3", SIMPLE, APPLICANT, kiosk(who=Role.AGENT), T0)


def test_the_first_clerk_owns_the_case_to_its_end() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, online(), T0))
    assert book.case("K1").first_inquiry_clerk is None
    do(book, book.issue_notice("K1", window("wang"), T0 + 60, ["photo"]))
    do(book, book.supplement("K1", kiosk(), T0 + 86400, ["photo"]))
    do(book, book.accept("K1", window("li", number=5), T0 + 86400 + 60))
    do(book, book.submit("K2", SIMPLE, APPLICANT, window("li", number=5), T0))
    assert book.case("K1").first_inquiry_clerk == "wang"
    assert [c.id for c in book.my_cases("wang")] == ["K1"]
    assert [c.id for c in book.my_cases("li")] == ["K2"]


# --------------------------------------------------------------------- visits
def test_visits_count_each_day_in_the_hall_once_and_never_online_steps() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, window(), ts(2025, 3, 3, 9)))
    do(book, book.issue_notice("K1", window(), ts(2025, 3, 3, 9, 10), ["photo"]))
    assert book.case("K1").visits == 1  # two steps, one trip
    do(book, book.supplement("K1", online(), ts(2025, 3, 4), ["photo"]))
    do(book, book.accept("K1", back("c1", Role.CLERK), ts(2025, 3, 4, 11)))
    do(book, book.start_review("K1", back("c1", Role.CLERK), ts(2025, 3, 4, 11)))
    do(book, book.decide_task("K1", "hrss", Decision.APPROVED, back(), ts(2025, 3, 5)))
    do(book, book.result_ready("K1", back(), ts(2025, 3, 5)))
    assert book.case("K1").visits == 1
    # 同城通办: picked up from the self-print kiosk of another hall
    do(book, book.hand_out("K1", kiosk("H07"), ts(2025, 3, 6)))
    c = book.case("K1")
    assert c.visits == 2 and c.visit_days == [date(2025, 3, 3), date(2025, 3, 6)]
    assert (c.handed_out_hall, c.handed_out_by) == ("H07", Channel.KIOSK)


def test_a_fully_online_case_has_zero_visits() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, online(), T0))
    do(book, book.accept("K1", back("c1", Role.CLERK), T0))
    do(book, book.start_review("K1", back("c1", Role.CLERK), T0))
    do(book, book.decide_task("K1", "hrss", "approved", back(), T0))
    do(book, book.result_ready("K1", back(), T0))
    do(book, book.hand_out("K1", online(), T0))
    assert book.case("K1").visits == 0
    with pytest.raises(EngineError):
        book.hand_out("K1", back(), T0)


# ----------------------------------------------------------- parallel handling
def test_parallel_case_splits_into_department_tasks_with_a_lead() -> None:
    book = new_book()
    submitted(book, item=PARALLEL)
    do(book, book.accept("K1", window(), T0))
    do(book, book.start_review("K1", back("c1", Role.CLERK), T0, limits={"tax": 2}))
    tasks = book.case("K1").tasks
    assert list(tasks) == ["market", "tax", "public_security"]
    assert [t.lead for t in tasks.values()] == [True, False, False]
    assert [t.limit_days for t in tasks.values()] == [5, 2, 5]
    ev = book.decide_task("K1", "market", "approved", back("m1"), T0 + 60)
    assert [e.type for e in ev] == ["case.task_decided"]
    do(book, ev)
    do(book, book.decide_task("K1", "tax", "approved", back("t1"), T0 + 120))
    assert book.case("K1").state is CaseState.IN_REVIEW  # waits for the last department
    ev = book.decide_task("K1", "public_security", "approved", back("p1"), T0 + 180)
    assert [e.type for e in ev] == ["case.task_decided", CASE_APPROVED]
    do(book, ev)
    assert book.case("K1").state is CaseState.APPROVED


def test_one_rejection_rejects_the_case_with_its_reason() -> None:
    book = new_book()
    submitted(book, item=PARALLEL)
    do(book, book.accept("K1", window(), T0))
    do(book, book.start_review("K1", back("c1", Role.CLERK), T0))
    do(book, book.decide_task("K1", "tax", "rejected", back("t1"), T0, reason="存在欠税未清缴"))
    assert book.case("K1").state is CaseState.IN_REVIEW
    do(book, book.decide_task("K1", "market", "approved", back("m1"), T0))
    ev = book.decide_task("K1", "public_security", "approved", back("p1"), T0)
    assert ev[-1].type == CASE_REJECTED
    do(book, ev)
    c = book.case("K1")
    assert c.state is CaseState.REJECTED and c.rejection_reasons == {"tax": "存在欠税未清缴"}
    with pytest.raises(EngineError) as err:
        book.result_ready("K1", back(), T0)
    assert err.value.code == "conflict"


def test_task_decisions_are_checked() -> None:
    book = new_book()
    submitted(book, item=PARALLEL)
    do(book, book.accept("K1", window(), T0))
    with pytest.raises(EngineError) as err:
        book.start_review("K1", back(), T0, limits={"health": 3})
    assert err.value.code == "bad_request"
    with pytest.raises(EngineError) as err:
        book.start_review("K1", back(), T0, limits={"tax": 16})  # above the statutory 15
    assert err.value.code == "bad_request"
    do(book, book.start_review("K1", back(), T0))
    with pytest.raises(EngineError) as err:
        book.decide_task("K1", "health", "approved", back(), T0)
    assert err.value.code == "not_found"
    with pytest.raises(EngineError) as err:
        book.decide_task("K1", "tax", "rejected", back(), T0)
    assert err.value.code == "bad_request" and "理由" in err.value.message_zh
    with pytest.raises(EngineError) as err:
        book.decide_task("K1", "tax", "maybe", back(), T0)
    assert err.value.code == "bad_request"
    do(book, book.decide_task("K1", "tax", "approved", back(), T0))
    with pytest.raises(EngineError) as err:
        book.decide_task("K1", "tax", "approved", back(), T0)
    assert err.value.code == "conflict"


def test_replaying_the_events_rebuilds_the_same_cases() -> None:
    book = new_book()
    log: list = []
    log += do(book, book.submit("K1", PARALLEL, APPLICANT, kiosk(), T0, agent=AGENT))
    log += do(book, book.issue_notice("K1", window(), T0 + 10, ["premises_proof"]))
    log += do(book, book.supplement("K1", online(), T0 + 86400, ["premises_proof"]))
    log += do(book, book.accept("K1", window(), T0 + 86400 * 2))
    log += do(book, book.start_review("K1", back(), T0 + 86400 * 2))
    log += do(book, book.decide_task("K1", "tax", "rejected", back(), T0 + 86400 * 3, reason="欠税"))
    replayed = new_book()
    replayed.apply_all(log)
    assert replayed.cases == book.cases


def test_events_survive_json_and_replay() -> None:
    book = new_book()
    log: list = []
    log += do(book, book.submit("K1", SIMPLE, APPLICANT, window(), T0))
    log += do(book, book.accept("K1", window(), T0, commitment=True))
    log += do(book, book.verify("K1", back(), T0 + 60, ok=True))
    wire = json.loads(json.dumps([[e.type, e.at, e.data] for e in log], ensure_ascii=False))
    replayed = new_book()
    replayed.apply_all(Event(t, at, data) for t, at, data in wire)
    assert replayed.cases == book.cases and replayed.verifications == book.verifications


def test_a_returning_visitor_finds_the_case_and_its_first_inquiry_clerk() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, window("wang"), T0))
    do(book, book.submit("K2", SIMPLE, AGENT, kiosk(), T0 + 60))
    do(
        book,
        book.submit("K3", NO_COMMITMENT, Party("c" * 64), kiosk(who=Role.AGENT), T0 + 120, agent=APPLICANT),
    )
    assert [c.id for c in book.cases_of(APPLICANT.id_hash)] == ["K3", "K1"]  # as applicant and as agent
    assert book.cases_of(APPLICANT.id_hash)[-1].first_inquiry_clerk == "wang"
    do(book, book.withdraw("K1", online(), T0 + 180))
    assert [c.id for c in book.cases_of(APPLICANT.id_hash)] == ["K3"]
    assert len(book.cases_of(APPLICANT.id_hash, include_closed=True)) == 2


def test_the_public_progress_page_shows_steps_officer_deadline_and_no_id_data() -> None:
    book = new_book()
    do(book, book.submit("K1", PARALLEL, APPLICANT, window("wang"), ts(2025, 3, 3)))
    do(book, book.issue_notice("K1", window("wang"), ts(2025, 3, 3), ["premises_proof", "licence_form"]))
    officers = {"wang": ("王晓", "0755-1234567")}
    page = book.progress("K1", date(2025, 3, 10), officers)
    assert page["state_zh"] == "待补正" and page["missing_materials"] == ["premises_proof", "licence_form"]
    assert page["handling_officer"] == {"name": "王晓", "phone": "0755-1234567"}
    assert page["paused"] and page["card"] == "green" and page["visits"] == 1
    assert page["due"] == "2025-03-17"  # 5 working days from today: the clock stood still
    assert APPLICANT.id_hash not in json.dumps(page, ensure_ascii=False)
    do(book, book.supplement("K1", kiosk(), ts(2025, 3, 10), ["premises_proof", "licence_form"]))
    do(book, book.accept("K1", window("li", number=5), ts(2025, 3, 10)))
    do(book, book.start_review("K1", back(), ts(2025, 3, 10)))
    do(book, book.decide_task("K1", "tax", "rejected", back("t1"), ts(2025, 3, 11), reason="欠税未清"))
    page = book.progress("K1", date(2025, 3, 11), officers)
    assert page["handling_officer"]["name"] == "王晓"  # the first-inquiry clerk stays
    assert [d["decision"] for d in page["departments"]] == [None, "rejected", None]
    assert page["steps"][-1]["note"] == "欠税未清" and page["due"] == "2025-03-17"
