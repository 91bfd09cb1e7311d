"""Properties of the case state machine over generated command sequences (hypothesis).

Commands come from every channel and role, at increasing times over several days; the ones
the rules refuse must raise ``EngineError`` and leave every case unchanged.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_server.cases import CaseBook, CaseState, Channel, Role, Where
from queue_server.cases.deadlines import watch
from queue_server.cases.lifecycle import IN_PERSON
from queue_server.engine.errors import EngineError

from . import AGENT, APPLICANT, CAL, PARALLEL, SIMPLE, new_book, ts

PLACES = [
    Where("c1", Role.CLERK, Channel.WINDOW, "H01", 1),
    Where("c2", Role.CLERK, Channel.WINDOW, "H02", 4),
    Where("c1", Role.CLERK, Channel.BACK_OFFICE),
    Where("applicant", Role.APPLICANT, Channel.KIOSK, "H01"),
    Where("applicant", Role.APPLICANT, Channel.ONLINE),
    Where("agent", Role.AGENT, Channel.KIOSK, "H02"),
    Where("officer", Role.DEPARTMENT, Channel.BACK_OFFICE),
]
DEPTS = ["hrss", "market", "tax", "public_security"]
OPS = (
    "accept", "accept_commitment", "refuse", "issue_notice", "supplement", "start_review",
    "approve", "reject", "result_ready", "hand_out", "close", "withdraw", "verify",
    # the natural next step of the case, more often
    "forward", "forward", "forward", "forward", "forward", "forward", "forward",
)  # fmt: skip
FORWARD = {
    CaseState.SUBMITTED: "accept", CaseState.WAITING_MATERIALS: "supplement",
    CaseState.SUPPLEMENTED: "accept", CaseState.ACCEPTED: "start_review", CaseState.IN_REVIEW: "approve",
    CaseState.APPROVED: "result_ready", CaseState.RESULT_READY: "hand_out", CaseState.HANDED_OUT: "close",
    CaseState.REFUSED: "close", CaseState.REJECTED: "close", CaseState.CLOSED: "close",
}  # fmt: skip
USUAL = {  # a negative place index means: where this command is usually given
    "accept": 0, "accept_commitment": 0, "refuse": 0, "issue_notice": 1, "supplement": 4,
    "start_review": 2, "approve": 6, "reject": 6, "result_ready": 6, "hand_out": 5, "close": 2,
    "withdraw": 4, "verify": 6,
}  # fmt: skip
PROFILE = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

command = st.tuples(
    st.sampled_from(OPS),
    st.integers(-4, len(PLACES) - 1),
    st.integers(-3, len(DEPTS) - 1),  # negative: the first department still to decide
    st.integers(0, 2),  # days to wait before the command
    st.integers(0, 1),  # which case
)


def run(book: CaseBook, op: str, cid: str, where: Where, dept: str, now: float) -> list:
    materials = list(book.case(cid).item.materials[:2])
    match op:
        case "accept":
            return book.accept(cid, where, now)
        case "accept_commitment":
            return book.accept(cid, where, now, commitment=True)
        case "refuse":
            return book.refuse(cid, where, now, "不符合法定条件")
        case "issue_notice":
            return book.issue_notice(cid, where, now, materials)
        case "supplement":
            return book.supplement(cid, where, now, materials)
        case "start_review":
            return book.start_review(cid, where, now)
        case "approve":
            return book.decide_task(cid, dept, "approved", where, now)
        case "reject":
            return book.decide_task(cid, dept, "rejected", where, now, reason="材料不实")
        case "result_ready":
            return book.result_ready(cid, where, now)
        case "hand_out":
            return book.hand_out(cid, where, now)
        case "close":
            return book.close(cid, where, now)
        case "withdraw":
            return book.withdraw(cid, where, now)
        case _:
            return book.verify(cid, where, now, ok=True)


@PROFILE
@given(st.integers(0, len(PLACES) - 1), st.lists(command, max_size=60))
def test_case_invariants(first_place: int, commands: list) -> None:
    book = new_book()
    start = PLACES[first_place]
    if start.channel is Channel.BACK_OFFICE:
        start = PLACES[4]
    now = ts(2025, 9, 25, 9)
    agent = AGENT if start.role is Role.AGENT else None
    book.apply_all(book.submit("K0", SIMPLE, APPLICANT, start, now, agent=agent))
    book.apply_all(book.submit("K1", PARALLEL, APPLICANT, PLACES[3], now, agent=AGENT))
    closed_at: dict[str, object] = {}
    for op, place, dept, wait, which in commands:
        now += wait * 86400 + 60
        cid = f"K{which}"
        if op == "forward":  # the next step from where it is usually given
            op, place, dept = FORWARD[book.case(cid).state], -1, -1
        before = copy.deepcopy((book.cases, book.verifications))
        where = PLACES[USUAL[op]] if place < 0 else PLACES[place]
        pending = [d for d, t in book.case(cid).tasks.items() if t.decision is None]
        department = (pending[0] if pending else "hrss") if dept < 0 else DEPTS[dept]
        try:
            events = run(book, op, cid, where, department, now)
        except EngineError as err:
            assert err.code in ("bad_request", "conflict", "not_found")
            assert (book.cases, book.verifications) == before  # refused: nothing changed
            continue
        book.apply_all(events)
        for c in book.cases.values():
            # a closed case never changes
            if c.id in closed_at:
                assert c == closed_at[c.id]
            elif c.state is CaseState.CLOSED:
                closed_at[c.id] = copy.deepcopy(c)
            # no case is handed out without approval (and approval comes first)
            afters = [s.after for s in c.steps]
            if CaseState.HANDED_OUT in afters:
                assert CaseState.APPROVED in afters[: afters.index(CaseState.HANDED_OUT)]
            if c.state in (CaseState.RESULT_READY, CaseState.HANDED_OUT):
                assert c.approved
            # approval of a parallel case only when every department approved (or by commitment)
            if c.state is CaseState.APPROVED and not c.commitment:
                assert c.tasks and all(t.decision == "approved" for t in c.tasks.values())
            # visits: one per day with an in-person step; online and back-office steps never count
            in_person_days = {s.day for s in c.steps if s.where.channel in IN_PERSON}
            assert c.visits == len(in_person_days) == len(set(c.visit_days))
            if all(s.where.channel not in IN_PERSON for s in c.steps):
                assert c.visits == 0
            # the first-inquiry clerk, once set, is the first clerk who acted
            clerks = [s.where.actor for s in c.steps if s.where.role is Role.CLERK]
            assert c.first_inquiry_clerk == (clerks[0] if clerks else None)
        # the cached card milestones agree with counting the clock day by day
        today = book.day(now)
        for w in book.watches(today):
            c = book.case(w.case)
            clock = c.tasks[w.department].clock() if w.task else c.clock()
            ref = watch(CAL, today, case=c.id, item=c.item.code, department=w.department, clock=clock)
            assert (w.remaining, w.due, w.card, w.paused) == (ref.remaining, ref.due, ref.card, ref.paused)
