"""``complaint.*``: complaints (投诉) from filing, at a kiosk or on the web, to closing.

The rules (which step may follow which, the working-day deadlines) are the pure core's
(``cases/evaluation.py``) as ``CaseStore`` runs them; this module checks who may ask and shapes
the replies: every deadline the core computed, the current one, and whether it is overdue.
A complaint is accepted by a manager who names the handling clerk; the answer comes from that
clerk or a manager; a manager closes it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from protocol.fields import required
from protocol.models.feedback import (
    ComplaintAccept,
    ComplaintAnswer,
    ComplaintFile,
    ComplaintList,
    ComplaintProgressQuery,
    ComplaintRef,
)

from .. import throttle
from ..appfields import masked_phone
from ..auth import AccessRole
from ..cases import Complaint, ComplaintCategory, ComplaintState, Source, Subject
from ..engine.errors import EngineError, bad_request, not_found
from ..inputs import refusal
from ..throttle import same_secret
from .access import visitor_case
from .codes import CHECK_LEN, CODE_ALPHABET, complaint_code
from .ratings import source_of
from .registry import handler
from .views import acted_by, clerk_name, overdue

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

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


# ------------------------------------------------------------------ complaints
def complaint_view(ctx: HallContext, co: Complaint, today: date) -> dict[str, Any]:
    due = co.due()
    return {
        "id": co.id,
        "state": co.state.value,
        "state_label": COMPLAINT_STATE_LABEL[co.state],
        "category": co.category.value,
        "category_label": co.category.label,
        "text": co.text,
        # the number to answer on, masked as staff see an application's phone (appfields)
        "phone": masked_phone(ctx.privacy.decrypt(co.phone_cipher)) if co.phone_cipher else None,
        "source": co.source.value,
        "case": co.subject.id if co.subject and co.subject.kind == "case" else None,
        "ticket": co.subject.id if co.subject and co.subject.kind == "ticket" else None,
        "filed_at": co.filed_at,
        "filed_on": co.filed_on.isoformat(),
        "accept_due": co.accept_due.isoformat(),
        "handler": clerk_name(ctx, co.handler),
        "answer_due": co.answer_due.isoformat() if co.answer_due else None,
        "answer": co.answer,
        "answered_on": co.answered_on.isoformat() if co.answered_on else None,
        # the deadline that runs now (none once answered), and whether it has passed
        "due": due.isoformat() if due else None,
        "due_label": DUE_LABEL.get(co.state),
        **overdue(ctx, due, today),
        "history": [{"state": s.value, "at": at, "by": by or None} for s, at, by in co.history],
    }


def _states(raw: str | None) -> tuple[ComplaintState, ...]:
    """The states a list asks for (``state``: a word the model has checked for its form)."""
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


@handler("complaint.list", role=AccessRole.MANAGER, desk=True)
def complaint_list(ctx: HallContext, req: ComplaintList, actor: Actor, now: float) -> dict[str, Any]:
    """Complaints by state (default: all), oldest first; ``overdue=true`` for those past their deadline."""
    today = ctx.today(now)
    store = ctx.feedback
    found, total = store.complaints(
        states=_states(req.state), overdue_on=today if req.overdue else None, limit=req.limit
    )
    return {
        "today": today.isoformat(),
        "complaints": [complaint_view(ctx, co, today) for co in found],
        "total": total,
        "counts": store.complaint_counts(today),
    }


def _may_see(ctx: HallContext, co: Complaint, actor: Actor) -> None:
    """Managers see every complaint; a clerk only those they were named to handle."""
    if actor.at_least(AccessRole.MANAGER) or actor.kind == "system":
        return
    if actor.role == "clerk" and actor.clerk is not None and actor.clerk == co.handler:
        return
    raise EngineError(
        "forbidden",
        f"complaint {co.id} is handled by another member of staff",
        f"投诉 {co.id} 不由您办理",
        complaint=co.id,
    )


@handler("complaint.get", role=AccessRole.CLERK, desk=True)
def complaint_get(ctx: HallContext, req: ComplaintRef, actor: Actor, now: float) -> dict[str, Any]:
    co = ctx.cases.complaint(req.complaint)
    _may_see(ctx, co, actor)
    return complaint_view(ctx, co, ctx.today(now))


@handler("complaint.accept", role=AccessRole.MANAGER, mutates=True, desk=True)
def complaint_accept(ctx: HallContext, req: ComplaintAccept, actor: Actor, now: float) -> dict[str, Any]:
    """受理: the manager names the clerk who will answer; the answer deadline starts."""
    handler_id = req.handler
    if handler_id not in ctx.engine.clerks:
        # The named clerk must be able to sign in and answer; a typo would leave it unanswered.
        raise bad_request(
            f"no clerk {handler_id!r} in this hall", f"本大厅没有工作人员 {handler_id!r}", field="handler"
        )
    co = ctx.cases.accept_complaint(req.complaint, handler_id, now)
    return complaint_view(ctx, co, ctx.today(now))


@handler("complaint.answer", role=AccessRole.CLERK, mutates=True, desk=True)
def complaint_answer(ctx: HallContext, req: ComplaintAnswer, actor: Actor, now: float) -> dict[str, Any]:
    """答复 by the named handler or a manager."""
    store = ctx.cases
    _may_see(ctx, store.complaint(req.complaint), actor)
    co = store.answer_complaint(req.complaint, req.answer, acted_by(actor), now)
    return complaint_view(ctx, co, ctx.today(now))


@handler("complaint.close", role=AccessRole.MANAGER, mutates=True, desk=True)
def complaint_close(ctx: HallContext, req: ComplaintRef, actor: Actor, now: float) -> dict[str, Any]:
    """办结 after the answer."""
    co = ctx.cases.close_complaint(req.complaint, acted_by(actor), now)
    return complaint_view(ctx, co, ctx.today(now))


@handler("complaint.file", role=AccessRole.PUBLIC, mutates=True, desk=True)
def complaint_file(ctx: HallContext, req: ComplaintFile, actor: Actor, now: float) -> dict[str, Any]:
    """A complaint from the kiosk or the web; about a case when its number and check code are given.

    ``category`` is one of ``ComplaintCategory`` (default "other"); ``phone`` the number the hall
    answers on: required at a kiosk (the visitor leaves no other way to be reached), optional
    on the web. The phone is stored encrypted and shown masked, like an application's phone."""
    source = source_of(actor)
    phone = req.phone
    if phone is None and source is Source.KIOSK:
        raise refusal(required("phone"))
    subject: Subject | None = None
    if req.case is not None:
        subject = Subject("case", visitor_case(ctx, req.case, req.code, req.id_number, actor))
    complaint_id = f"TS-{ctx.today(now):%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    co = ctx.cases.file_complaint(
        complaint_id,
        req.text,
        source,
        now,
        subject=subject,
        category=ComplaintCategory(req.category),
        phone_cipher=ctx.privacy.encrypt_text(phone) if phone else None,
    )
    return {
        "id": co.id,
        "state": co.state.value,
        "accept_due": co.accept_due.isoformat() if co.accept_due else None,
        "case": subject.id if subject else None,
        "category": co.category.value,
        "category_label": co.category.label,
        "phone": masked_phone(phone) if phone else None,
        "check_code": complaint_code(ctx, co.id),
    }


@handler("complaint.progress", desk=True)
def complaint_progress(ctx: HallContext, req: ComplaintProgressQuery, actor: Actor, now: float) -> dict[str, Any]:
    """The citizen reads their complaint and its answer: with the complaint's number and its
    check code (a wrong one looks like no such complaint, and counts against the client)."""
    given = req.code.strip().upper()
    ok = (
        len(given) == CHECK_LEN
        and all(ch in CODE_ALPHABET for ch in given)
        and same_secret(given, complaint_code(ctx, req.complaint))
    )
    throttle.check(ctx.budget, actor, ok)
    if not ok:
        raise not_found("complaint", "投诉", req.complaint)
    co = ctx.cases.complaint(req.complaint)
    view = complaint_view(ctx, co, ctx.today(now))
    return {
        **{
            k: view[k]
            for k in (
                "id", "state", "state_label", "category", "category_label", "case", "filed_on",
                "due", "due_label", "overdue", "answer", "answered_on", "phone",
            )
        },
        # each step's day, so the citizen sees when it moved; who moved it stays with the staff
        "history": [{"state": s.value, "on": ctx.today(at).isoformat()} for s, at, _by in co.history],
    }  # fmt: skip

