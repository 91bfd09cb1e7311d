"""``window.*``: clerks and call pads at the windows: calling, signing in and out, pausing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import inputs
from ..engine import EngineError
from ..engine.views import ticket_view
from .access import check_window_actor, window_for
from .bodies import code, text, window_number
from .registry import handler
from .views import item_name

if TYPE_CHECKING:
    from ..service import Actor, HallService


@handler("window.call_next", role="callpad", mutates=True)
def window_call_next(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(svc, body, actor)
    events = svc.emit(svc.engine.call_next(number, now))
    called = next((e for e in events if e.type == "ticket.called"), None)
    if called is None:
        return {"ticket": None, "window": number}
    view = ticket_view(svc.engine, svc.engine.tickets[called.data["ticket"]])
    view["item_name"] = item_name(svc, view["item_code"])
    return {"ticket": view, "window": number}


@handler("window.sign_in", role="callpad", mutates=True)
def window_sign_in(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = window_number(body)
    assert number is not None
    svc.engine.window(number)
    if actor.role == "callpad":
        check_window_actor(svc, number, actor)  # a call pad signs in only at its own window
    if actor.role == "clerk":
        # A clerk signs in as themselves only (the window is free: that is what signing in is).
        named = code(body, "clerk", inputs.CLERK_ID, required=False)
        if actor.clerk is None or named not in (None, actor.clerk):
            raise EngineError(
                "forbidden",
                "a clerk token signs in only its own clerk",
                "工作人员只能以本人身份签到",
                window=number,
            )
        clerk = actor.clerk
    else:
        clerk = code(body, "clerk", inputs.CLERK_ID)
    assert clerk is not None
    svc.emit(svc.engine.sign_in(number, clerk, now))
    return {"window": number, "clerk": clerk, "status": svc.engine.windows[number].status.value}


@handler("window.sign_out", role="callpad", mutates=True)
def window_sign_out(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(svc, body, actor)
    svc.emit(svc.engine.sign_out(number, now))
    return {"window": number, "status": svc.engine.windows[number].status.value}


@handler("window.pause", role="callpad", mutates=True)
def window_pause(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(svc, body, actor)
    reason = text(body, "reason", required=False, max_len=200) or ""  # one line on the window's screen
    svc.emit(svc.engine.pause(number, now, reason))
    return {"window": number, "status": svc.engine.windows[number].status.value}


@handler("window.resume", role="callpad", mutates=True)
def window_resume(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = window_for(svc, body, actor)
    svc.emit(svc.engine.resume(number, now))
    return {"window": number, "status": svc.engine.windows[number].status.value}
