"""``hall.*``: the hall's health, its notices, opening hours and caps, and help calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..auth import AccessRole
from ..engine.errors import bad_request
from ..engine.hall import MAX_NOTICES
from ..engine.views import help_call_view
from .bodies import integer
from .registry import handler
from .views import item_name

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("hall.ping")
def ping(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {
        "hall": ctx.hall,
        "epoch": ctx.service.epoch,
        "seq": ctx.engine.last_seq,
        "time": datetime.fromtimestamp(now, UTC).isoformat(),
        "catalogue_version": ctx.service.catalogue_version,
    }


@handler("hall.set_notices", role=AccessRole.MANAGER, mutates=True)
def hall_set_notices(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    ctx.service.emit(ctx.engine.set_notices(_notices(body), now))
    return {"notices": list(ctx.engine.notices)}


def _notices(body: dict[str, Any]) -> list[dict[str, str]]:
    """The board's notices: the engine checks their number and lengths; each text is
    checked here like every other (one line each, no control or bidirectional characters)."""
    raw = body.get("notices")
    if not isinstance(raw, list) or len(raw) > MAX_NOTICES:
        raise bad_request(
            f"notices: a list of at most {MAX_NOTICES}", f"公告最多{MAX_NOTICES}条", field="notices"
        )
    for i, n in enumerate(raw):
        if not isinstance(n, dict):
            raise bad_request(f"notices[{i}] needs non-empty zh and en texts", f"第{i + 1}条公告须有中文和英文")
        for lang in ("zh", "en"):
            if isinstance(n.get(lang), str):
                inputs.checked_text(n[lang], f"notices[{i}].{lang}")
    return raw


@handler("hall.info")
def hall_info(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
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
def hall_help_answered(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    help_id = integer(body, "help_id", min=1)
    assert help_id is not None
    events = ctx.service.emit(ctx.engine.answer_help(help_id, now, actor.name))
    return {"id": help_id, "kiosk": events[0].data["kiosk"], "answered_by": actor.name, "state": "answered"}


@handler("hall.help_calls", role=AccessRole.MANAGER)
def hall_help_calls(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {"help_calls": [help_call_view(ctx.engine, h) for h in ctx.engine.help_calls.values()]}
