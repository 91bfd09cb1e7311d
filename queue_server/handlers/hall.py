"""``hall.*``: the hall's health, its notices, opening hours and caps, and help calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from protocol.models.base import NoBody
from protocol.models.hall import HelpAnswered, SetNotices

from ..auth import AccessRole
from ..engine.views import help_call_view
from ..engine.waits import floor
from .registry import handler
from .views import item_name

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("hall.ping")
def ping(ctx: HallContext, req: NoBody, actor: Actor, now: float) -> dict[str, Any]:
    return {
        "hall": ctx.hall,
        "epoch": ctx.service.epoch,
        "seq": ctx.engine.last_seq,
        "time": datetime.fromtimestamp(now, UTC).isoformat(),
        "catalogue_version": ctx.service.catalogue_version,
    }


@handler("hall.set_notices", role=AccessRole.MANAGER, mutates=True)
def hall_set_notices(ctx: HallContext, req: SetNotices, actor: Actor, now: float) -> dict[str, Any]:
    """The board's notices, checked by the model (number, lengths, one line each, no control
    or bidirectional characters); the engine drops their surrounding spaces."""
    notices = [{"zh": n.zh, "en": n.en} for n in req.notices]
    ctx.service.emit(ctx.engine.set_notices(notices, now))
    return {"notices": list(ctx.engine.notices)}


@handler("hall.info")
def hall_info(ctx: HallContext, req: NoBody, actor: Actor, now: float) -> dict[str, Any]:
    """What a kiosk shows before a visitor takes a number: the hall's name, today's hours,
    whether it is open, when it opens next, and the numbers left today of items with a cap."""
    e = ctx.engine
    today = e.local_day(now)
    nxt = e.next_opening(now)
    zh, en = ctx.hall_names()
    return {
        "hall": ctx.hall,
        "name": {"zh": zh, "en": en},
        "today": today,
        "timezone": e.tz.key,
        "always_open": e.rules.hours is None,
        "hours_today": e.hours_on(today),
        "open_now": e.is_open(now),
        "next_open": datetime.fromtimestamp(nxt, e.tz).isoformat() if nxt is not None else None,
        "caps": [
            {
                "item_code": code,
                "item_name": item_name(ctx, code),
                "cap": cap,
                "left": e.tickets_left(code, today),
            }
            for code, cap in e.rules.daily_caps
        ],
    }


@handler("hall.help_answered", role=AccessRole.MANAGER, mutates=True)
def hall_help_answered(ctx: HallContext, req: HelpAnswered, actor: Actor, now: float) -> dict[str, Any]:
    help_id = req.help_id
    events = ctx.service.emit(ctx.engine.answer_help(help_id, now, actor.name))
    return {"id": help_id, "kiosk": events[0].data["kiosk"], "answered_by": actor.name, "state": "answered"}


@handler("hall.help_calls", role=AccessRole.MANAGER)
def hall_help_calls(ctx: HallContext, req: NoBody, actor: Actor, now: float) -> dict[str, Any]:
    return {"help_calls": [help_call_view(ctx.engine, h) for h in ctx.engine.help_calls.values()]}


@handler("hall.floor", role=AccessRole.MANAGER)
def hall_floor(ctx: HallContext, req: NoBody, actor: Actor, now: float) -> dict[str, Any]:
    """Waiting per item and stream against the items' wait targets, and today's share called
    within target (``engine.waits``): one pass over the live tickets, on the hall loop."""
    e = ctx.engine
    f = floor(e.tickets.values(), e.items, e.served_today, e.local_day(now), now)
    return {
        "seq": e.last_seq,
        "at": now,
        "items": [{**line, "item_name": item_name(ctx, line["item_code"])} for line in f.items],
        "streams": f.streams,
        "served": f.served,
        "over_target": f.over_target,
    }
