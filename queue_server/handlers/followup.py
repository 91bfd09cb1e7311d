"""``followup.*``: the follow-ups (差评整改) bad ratings open, answered by a manager."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from protocol.models.feedback import FollowUpAnswer, FollowUpList

from ..auth import AccessRole
from ..cases import Evaluation
from ..engine.errors import bad_request
from .registry import handler
from .views import LEVEL_EN, acted_by, clerk_name, overdue

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


def follow_up_view(ctx: HallContext, ev: Evaluation, today: date) -> dict[str, Any]:
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
        "clerk": clerk_name(ctx, ev.clerk),
        "follow_up_due": ev.follow_up_due.isoformat() if ev.follow_up_due else None,
        "answered": not open_,
        "answer": ev.follow_up_answer,
        "answered_by": ev.follow_up_by,
        **overdue(ctx, ev.follow_up_due if open_ else None, today),
    }


@handler("followup.list", role=AccessRole.MANAGER, desk=True)
def followup_list(ctx: HallContext, req: FollowUpList, actor: Actor, now: float) -> dict[str, Any]:
    """Follow-ups of bad ratings: open ones by default (``state``: open, answered, all), earliest
    deadline first; ``overdue=true`` for those past it."""
    state = req.state
    answered = {"open": False, "answered": True, "all": None}
    if state not in answered:
        raise bad_request(
            f"state is one of open, answered, all; not {state!r}",
            f"状态应为 open、answered 或 all，不能是 {state!r}",
            field="state",
        )
    today = ctx.today(now)
    found, total = ctx.feedback.follow_ups(
        answered=answered[state], overdue_on=today if req.overdue else None, limit=req.limit
    )
    return {
        "today": today.isoformat(),
        "follow_ups": [follow_up_view(ctx, ev, today) for ev in found],
        "total": total,
    }


@handler("followup.answer", role=AccessRole.MANAGER, mutates=True, desk=True)
def followup_answer(ctx: HallContext, req: FollowUpAnswer, actor: Actor, now: float) -> dict[str, Any]:
    """整改回复 of a bad rating (once)."""
    store = ctx.cases
    store.answer_follow_up(req.evaluation, req.answer, acted_by(actor), now)
    return follow_up_view(ctx, store.evaluation(req.evaluation), ctx.today(now))
