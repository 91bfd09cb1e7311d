"""``kiosk.*``: a kiosk calls for staff (呼叫工作人员)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.models.hall import KioskHelp

from ..auth import AccessRole
from ..engine.views import help_call_view
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("kiosk.help", role=AccessRole.KIOSK, mutates=True)
def kiosk_help(ctx: HallContext, req: KioskHelp, actor: Actor, now: float) -> dict[str, Any]:
    """呼叫工作人员 at a kiosk: one open call per kiosk (pressing again answers the open one).
    The visitor's few words are at most ``protocol.models.hall.HELP_REASON_MAX`` characters."""
    reason, screen = req.reason or "", req.screen or ""
    events = ctx.service.emit(ctx.engine.request_help(actor.name, now, reason=reason, screen=screen))
    h = ctx.engine.open_help_of(actor.name)
    assert h is not None
    return {**help_call_view(ctx.engine, h), "repeated": not events}
