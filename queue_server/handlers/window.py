"""``window.*``: clerks and call pads at the windows: calling, signing in and out, pausing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.fields import required
from protocol.models.windows import AtWindow, WindowPause, WindowSignIn

from ..auth import AccessRole
from ..engine import EngineError
from ..engine.views import ticket_view
from ..inputs import refusal
from .access import check_window_actor, window_for
from .registry import handler
from .views import item_name

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("window.call_next", role=AccessRole.CALLPAD, mutates=True)
def window_call_next(ctx: HallContext, req: AtWindow, actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(ctx, req.window, actor)
    events = ctx.service.emit(ctx.engine.call_next(number, now))
    called = next((e for e in events if e.type == "ticket.called"), None)
    if called is None:
        return {"ticket": None, "window": number}
    view = ticket_view(ctx.engine, ctx.engine.tickets[called.data["ticket"]])
    view["item_name"] = item_name(ctx, view["item_code"])
    return {"ticket": view, "window": number}


@handler("window.sign_in", role=AccessRole.CALLPAD, mutates=True)
def window_sign_in(ctx: HallContext, req: WindowSignIn, actor: Actor, now: float) -> dict[str, Any]:
    number = req.window
    ctx.engine.window(number)
    if actor.role == "callpad":
        check_window_actor(ctx, number, actor)  # a call pad signs in only at its own window
    if actor.role == "clerk":
        # A clerk signs in as themselves only (the window is free: that is what signing in is).
        if actor.clerk is None or req.clerk not in (None, actor.clerk):
            raise EngineError(
                "forbidden",
                "a clerk token signs in only its own clerk",
                "工作人员只能以本人身份签到",
                window=number,
            )
        clerk = actor.clerk
    elif req.clerk is None:
        raise refusal(required("clerk"))
    else:
        clerk = req.clerk
    ctx.service.emit(ctx.engine.sign_in(number, clerk, now))
    return {"window": number, "clerk": clerk, "status": ctx.engine.windows[number].status.value}


@handler("window.sign_out", role=AccessRole.CALLPAD, mutates=True)
def window_sign_out(ctx: HallContext, req: AtWindow, actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(ctx, req.window, actor)
    ctx.service.emit(ctx.engine.sign_out(number, now))
    return {"window": number, "status": ctx.engine.windows[number].status.value}


@handler("window.pause", role=AccessRole.CALLPAD, mutates=True)
def window_pause(ctx: HallContext, req: WindowPause, actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(ctx, req.window, actor)
    ctx.service.emit(ctx.engine.pause(number, now, req.reason))  # one line on the window's screen
    return {"window": number, "status": ctx.engine.windows[number].status.value}


@handler("window.resume", role=AccessRole.CALLPAD, mutates=True)
def window_resume(ctx: HallContext, req: AtWindow, actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(ctx, req.window, actor)
    ctx.service.emit(ctx.engine.resume(number, now))
    return {"window": number, "status": ctx.engine.windows[number].status.value}
