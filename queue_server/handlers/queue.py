"""``queue.*``: the live queue as displays and staff see it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..auth import AccessRole
from ..engine.views import device_health_view, hall_view
from .bodies import integer
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

MAX_WAITING_LISTED = 5000


@handler("queue.snapshot", role=AccessRole.DISPLAY)
def queue_snapshot(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {
        "hall": ctx.hall,
        "epoch": ctx.service.epoch,
        "seq": ctx.engine.last_seq,
        "state": hall_view(ctx.engine, waiting_limit=_waiting_limit(body, "waiting_limit", 50)),
    }


@handler("queue.state")
def queue_state(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    view = hall_view(ctx.engine, waiting_limit=_waiting_limit(body, "limit", 200))
    if actor.at_least(AccessRole.CLERK):  # which kiosk's printer is out is the floor staff's business
        view["device_health"] = device_health_view(ctx.engine)
    return view


def _waiting_limit(body: dict[str, Any], name: str, default: int) -> int:
    """How many waiting tickets a view lists: 0..MAX_WAITING_LISTED (the counts are always whole)."""
    n = integer(body, name, required=False, min=0, max=MAX_WAITING_LISTED)
    return default if n is None else n
