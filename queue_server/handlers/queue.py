"""``queue.*``: the live queue as displays and staff see it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.models.queue import QueueSnapshot, QueueState

from ..auth import AccessRole
from ..engine.views import device_health_view, hall_view
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("queue.snapshot", role=AccessRole.DISPLAY)
def queue_snapshot(ctx: HallContext, req: QueueSnapshot, actor: Actor, now: float) -> dict[str, Any]:
    return {
        "hall": ctx.hall,
        "epoch": ctx.service.epoch,
        "seq": ctx.engine.last_seq,
        "state": hall_view(ctx.engine, waiting_limit=req.waiting_limit),
    }


@handler("queue.state")
def queue_state(ctx: HallContext, req: QueueState, actor: Actor, now: float) -> dict[str, Any]:
    """The head of the waiting line (``limit``: 0..MAX_WAITING_LISTED); the counts are always whole."""
    view = hall_view(ctx.engine, waiting_limit=req.limit)
    if actor.at_least(AccessRole.CLERK):  # which kiosk's printer is out is the floor staff's business
        view["device_health"] = device_health_view(ctx.engine)
    return view
