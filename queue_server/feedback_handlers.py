"""Requests for the manager's follow-up of visitors' feedback (issue 5, item 8): complaints
(投诉) from filing to closing, and the follow-ups (差评整改) bad ratings open.

Registered with ``@case_handler`` into the one ``HANDLERS`` table (``handlers.py`` imports this
module at its end), so the REST views of ``http/manage.py`` and ZeroMQ share these rules. The
rules themselves (which step may follow which, the working-day deadlines) are the pure core's
(``cases/evaluation.py``) as ``CaseStore`` runs them; this module checks who may ask and shapes
the replies: every deadline the core computed, the current one, and whether it is overdue.

A complaint is accepted by a manager who names the handling clerk; the answer comes from that
clerk or a manager; a manager closes it. Follow-ups are answered by a manager.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from . import inputs
from .appfields import masked_phone
from .case_handlers import _today, case_handler, case_store
from .cases import Complaint, ComplaintState, Evaluation
from .engine.errors import EngineError, bad_request
from .handlers import _code, _flag, _int, _str
from .store.feedbackstore import FeedbackStore

if TYPE_CHECKING:
    from .service import Actor, HallService

MAX_LIST = 500

COMPLAINT_STATE_LABEL = {
    ComplaintState.FILED: {"zh": "待受理", "en": "Filed, awaiting acceptance"},
    ComplaintState.ACCEPTED: {"zh": "办理中", "en": "Accepted, awaiting the answer"},
    ComplaintState.ANSWERED: {"zh": "已答复", "en": "Answered"},
    ComplaintState.CLOSED: {"zh": "已办结", "en": "Closed"},
}
DUE_LABEL = {
    ComplaintState.FILED: {"zh": "受理期限", "en": "accept by"},
    ComplaintState.ACCEPTED: {"zh": "答复期限", "en": "answer by"},
}
LEVEL_EN = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Basically satisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}


# ------------------------------------------------------------------ plumbing
def feedback_store(svc: HallService) -> FeedbackStore:
    """The service's ``FeedbackStore``, made on first use (same database engine as the hall)."""
    store = getattr(svc, "_feedback_store", None)
    if store is None:
        store = FeedbackStore(svc.store.engine, timezone=svc.engine.tz.key)
        svc._feedback_store = store  # type: ignore[attr-defined]
    return store


def _overdue(svc: HallService, due: date | None, today: date) -> dict[str, Any]:
    """Overdue as the core counts it (``Feedback.overdue``): past the due day, late by working days."""
    if due is None or today <= due:
        return {"overdue": False, "days_late": 0}
    return {"overdue": True, "days_late": case_store(svc).calendar.workdays_between(due, today)}


def _limit(body: dict[str, Any], default: int = 100) -> int:
    """``limit``: 1..MAX_LIST (as the document says; more is refused, not cut)."""
    n = _int(body, "limit", required=False, min=1, max=MAX_LIST)
    return n if n is not None else default


def _clerk_name(svc: HallService, clerk: str | None) -> dict[str, Any] | None:
    """A staff member as replies show them: id and name (staff names are on the window screens)."""
    if clerk is None:
        return None
    info = svc.engine.clerks.get(clerk)
    return {"id": clerk, "name": info.name if info else None}


def _by(actor: Actor) -> str:
    return actor.clerk or actor.name


# ------------------------------------------------------------------ complaints
def complaint_view(svc: HallService, co: Complaint, today: date) -> dict[str, Any]:
    due = co.due()
    return {
        "id": co.id,
        "state": co.state.value,
        "state_label": COMPLAINT_STATE_LABEL[co.state],
        "category": co.category.value,
        "category_label": co.category.label,
        "text": co.text,
        # the number to answer on, masked as staff see an application's phone (appfields)
        "phone": masked_phone(svc.privacy.decrypt(co.phone_cipher)) if co.phone_cipher else None,
        "source": co.source.value,
        "case": co.subject.id if co.subject and co.subject.kind == "case" else None,
        "ticket": co.subject.id if co.subject and co.subject.kind == "ticket" else None,
        "filed_at": co.filed_at,
        "filed_on": co.filed_on.isoformat(),
        "accept_due": co.accept_due.isoformat(),
        "handler": _clerk_name(svc, co.handler),
        "answer_due": co.answer_due.isoformat() if co.answer_due else None,
        "answer": co.answer,
        "answered_on": co.answered_on.isoformat() if co.answered_on else None,
        # the deadline that runs now (none once answered), and whether it has passed
        "due": due.isoformat() if due else None,
        "due_label": DUE_LABEL.get(co.state),
        **_overdue(svc, due, today),
        "history": [{"state": s.value, "at": at, "by": by or None} for s, at, by in co.history],
    }


def _complaint_id(body: dict[str, Any]) -> str:
    cid = _code(body, "complaint", inputs.COMPLAINT_ID)
    assert cid is not None
    return cid


def _states(body: dict[str, Any]) -> tuple[ComplaintState, ...]:
    raw = _code(body, "state", inputs.WORD, required=False)
    if raw is None or raw == "all":
        return ()
    if raw == "open":  # everything a manager still has to act on
        return (ComplaintState.FILED, ComplaintState.ACCEPTED, ComplaintState.ANSWERED)
    try:
        return (ComplaintState(raw),)
    except ValueError:
        raise bad_request(
            f"state is one of filed, accepted, answered, closed, open, all; not {raw!r}",
            f"状态应为 filed、accepted、answered、closed、open 或 all，不能是 {raw!r}",
            field="state",
        ) from None


@case_handler("complaint.list", role="manager")
def complaint_list(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """Complaints by state (default: all), oldest first; ``overdue=true`` for those past their deadline."""
    today = _today(svc, now)
    store = feedback_store(svc)
    overdue = _flag(body, "overdue")
    found, total = store.complaints(
        states=_states(body), overdue_on=today if overdue else None, limit=_limit(body)
    )
    return {
        "today": today.isoformat(),
        "complaints": [complaint_view(svc, co, today) for co in found],
        "total": total,
        "counts": store.complaint_counts(today),
    }


def _may_see(svc: HallService, co: Complaint, actor: Actor) -> None:
    """Managers see every complaint; a clerk only those they were named to handle."""
    if actor.at_least("manager") or actor.kind == "system":
        return
    if actor.role == "clerk" and actor.clerk is not None and actor.clerk == co.handler:
        return
    raise EngineError(
        "forbidden",
        f"complaint {co.id} is handled by another member of staff",
        f"投诉 {co.id} 不由您办理",
        complaint=co.id,
    )


@case_handler("complaint.get", role="clerk")
def complaint_get(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    co = case_store(svc).complaint(_complaint_id(body))
    _may_see(svc, co, actor)
    return complaint_view(svc, co, _today(svc, now))


@case_handler("complaint.accept", role="manager", mutates=True)
def complaint_accept(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """受理: the manager names the clerk who will answer; the answer deadline starts."""
    cid = _complaint_id(body)
    handler_id = _code(body, "handler", inputs.CLERK_ID)
    assert handler_id is not None
    if handler_id not in svc.engine.clerks:
        # The named clerk must be able to sign in and answer; a typo would leave it unanswered.
        raise bad_request(
            f"no clerk {handler_id!r} in this hall", f"本大厅没有工作人员 {handler_id!r}", field="handler"
        )
    co = case_store(svc).accept_complaint(cid, handler_id, now)
    return complaint_view(svc, co, _today(svc, now))


@case_handler("complaint.answer", role="clerk", mutates=True)
def complaint_answer(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """答复 by the named handler or a manager."""
    cid = _complaint_id(body)
    answer = _str(body, "answer", max_len=4000, multiline=True)
    assert answer is not None
    store = case_store(svc)
    _may_see(svc, store.complaint(cid), actor)
    co = store.answer_complaint(cid, answer, _by(actor), now)
    return complaint_view(svc, co, _today(svc, now))


@case_handler("complaint.close", role="manager", mutates=True)
def complaint_close(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """办结 after the answer."""
    co = case_store(svc).close_complaint(_complaint_id(body), _by(actor), now)
    return complaint_view(svc, co, _today(svc, now))


# ------------------------------------------------------------------ follow-ups of bad ratings
def follow_up_view(svc: HallService, ev: Evaluation, today: date) -> dict[str, Any]:
    open_ = ev.follow_up_answer is None
    return {
        "evaluation": ev.id,
        "case": ev.subject.id if ev.subject.kind == "case" else None,
        "ticket": ev.subject.id if ev.subject.kind == "ticket" else None,
        "level": int(ev.level),
        "level_label": {"zh": ev.level.zh, "en": LEVEL_EN[int(ev.level)]},
        "comment": ev.comment,
        "source": ev.source.value,
        "rated_at": ev.at,
        "rated_on": ev.day.isoformat(),
        "hall": ev.hall,
        "window": ev.window,
        "clerk": _clerk_name(svc, ev.clerk),
        "follow_up_due": ev.follow_up_due.isoformat() if ev.follow_up_due else None,
        "answered": not open_,
        "answer": ev.follow_up_answer,
        "answered_by": ev.follow_up_by,
        **_overdue(svc, ev.follow_up_due if open_ else None, today),
    }


@case_handler("followup.list", role="manager")
def followup_list(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """Follow-ups of bad ratings: open ones by default (``state``: open, answered, all), earliest
    deadline first; ``overdue=true`` for those past it."""
    state = _code(body, "state", inputs.WORD, required=False) or "open"
    answered = {"open": False, "answered": True, "all": None}
    if state not in answered:
        raise bad_request(
            f"state is one of open, answered, all; not {state!r}",
            f"状态应为 open、answered 或 all，不能是 {state!r}",
            field="state",
        )
    today = _today(svc, now)
    found, total = feedback_store(svc).follow_ups(
        answered=answered[state], overdue_on=today if _flag(body, "overdue") else None, limit=_limit(body)
    )
    return {
        "today": today.isoformat(),
        "follow_ups": [follow_up_view(svc, ev, today) for ev in found],
        "total": total,
    }


@case_handler("followup.answer", role="manager", mutates=True)
def followup_answer(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """整改回复 of a bad rating (once)."""
    eid = _code(body, "evaluation", inputs.EVALUATION_ID)
    answer = _str(body, "answer", max_len=4000, multiline=True)
    assert eid is not None and answer is not None
    store = case_store(svc)
    store.answer_follow_up(eid, answer, _by(actor), now)
    return follow_up_view(svc, store.evaluation(eid), _today(svc, now))
