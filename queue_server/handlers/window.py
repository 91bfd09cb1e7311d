"""``window.*``: clerks and call pads at the windows: calling, signing in and out, pausing, and
the console's slips on the window's printer (``window.print*``: the job is the engine's until
the window's agent reports it printed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.fields import required
from protocol.models.windows import AtWindow, PrintDone, WindowPause, WindowPrint, WindowSignIn

from ..auth import AccessRole
from ..engine import EngineError
from ..engine.model import PrintJob
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


# ------------------------------------------------------------------ printing
def print_job_view(j: PrintJob, *, state: str | None = None, reason: str | None = None) -> dict[str, Any]:
    return {
        "job": j.id,
        "window": j.window,
        "document": j.document,
        "case": j.case,
        "state": state or j.state,
        "reason": j.reason if reason is None else reason,
        "at": j.at,
    }


@handler("window.print", role=AccessRole.CLERK, mutates=True)
def window_print(ctx: HallContext, req: WindowPrint, actor: Actor, now: float) -> dict[str, Any]:
    """The clerk signed in at the window (or a manager) asks its printer for a case's slip. The
    event names the job and the case only: the agent fetches the slip with its own key."""
    number = window_for(ctx, req.window, actor)
    events = ctx.service.emit(ctx.engine.request_print(number, req.document, req.case, now))
    job = events[0].data["job"] if events else next(
        j.id for j in ctx.engine.print_jobs_of(number) if (j.document, j.case) == (req.document, req.case)
    )
    return print_job_view(ctx.engine.print_jobs[job])


@handler("window.print_done", role=AccessRole.CALLPAD, mutates=True)
def window_print_done(ctx: HallContext, req: PrintDone, actor: Actor, now: float) -> dict[str, Any]:
    """The window's agent reports a job: printed, kept (paper out) or failed."""
    number = window_for(ctx, req.window, actor)
    job = ctx.engine.print_job(number, req.job)
    reason = req.reason or ""
    ctx.service.emit(ctx.engine.report_print(number, job.id, now, printed=req.printed, kept=req.kept, reason=reason))
    if req.printed:
        return print_job_view(job, state="printed", reason="")
    return print_job_view(job, state="kept" if req.kept else "failed", reason=reason)


@handler("window.print_pending", role=AccessRole.CALLPAD)
def window_print_pending(ctx: HallContext, req: AtWindow, actor: Actor, now: float) -> dict[str, Any]:
    """What the window's agent asks when it (re)connects: the jobs asked for while it was away."""
    number = window_for(ctx, req.window, actor)
    return {"window": number, "jobs": [print_job_view(j) for j in ctx.engine.print_jobs_of(number)]}
