"""``ticket.*``: issuing a ticket, its status, cancelling it, serving it at a window, and the
好差评 of a window's service where no case exists (``ticket.rate``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.models.feedback import TicketRate
from protocol.models.queue import (
    TicketAction,
    TicketCancel,
    TicketComplete,
    TicketFollow,
    TicketIssue,
    TicketStatus,
    TicketTransfer,
    TicketWatch,
)

from .. import throttle
from ..auth import AccessRole
from ..cases import Subject
from ..catalogue.model import Stream
from ..engine import EngineError, Priority
from ..engine.errors import bad_request, not_found
from ..engine.views import ticket_view
from ..privacy import mask
from ..throttle import same_secret
from .access import kiosk_id_hash, signed_in_window, ticket_for, visitor_rates
from .codes import credit_code_hash
from .ratings import rate
from .registry import handler
from .views import ended_facts, issued_reply, ticket_facts

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("ticket.issue", role=AccessRole.PUBLIC, mutates=True)
def ticket_issue(ctx: HallContext, req: TicketIssue, actor: Actor, now: float) -> dict[str, Any]:
    item = req.item_code
    if ctx.catalogue.items.get(item) is None:
        raise not_found("service item", "事项", item)
    priority = req.priority
    if priority is not None and priority != Priority.GREEN.value:
        raise bad_request(
            "priority may only be 'green' (green channel); appointments check in instead",
            "优先类型只能为绿色通道；预约请签到",
            field="priority",
        )
    id_hash: str | None = None
    cipher = masked = None
    if req.id_number is not None:  # the visitor's card: a returning visitor goes back to their clerk
        id_hash = ctx.privacy.lookup_hash(req.id_number)
        cipher, masked = ctx.privacy.encrypt(req.id_number), mask(req.id_number)
    company = _company(ctx, req)
    # A returning company goes back to the clerk of its open case, whoever comes for it; else
    # the person's own clerk.
    clerk = ctx.service.returning_clerk(credit_code_hash(ctx, company["credit_code"]), now) if company else None
    if clerk is None and id_hash:
        clerk = ctx.service.returning_clerk(id_hash, now)
    events = ctx.engine.issue(
        item,
        now,
        ctx.service.new_token(),
        id_hash=id_hash,
        id_masked=masked,
        priority=priority,
        first_inquiry_clerk=clerk,
        enterprise=company,
    )
    if cipher:
        events[0].data["id_cipher"] = cipher
    ctx.service.emit(events)
    return issued_reply(ctx, events[0].data["ticket"], now)


def _company(ctx: HallContext, req: TicketIssue) -> dict[str, str] | None:
    """The company an enterprise (法人) item's number is taken for; a citizen item takes none."""
    if req.enterprise is None:
        return None
    item = ctx.catalogue.items[req.item_code]
    if item.stream is not Stream.ENTERPRISE:
        raise bad_request(
            f"{item.code} is a citizen (自然人) item: take its number without an enterprise",
            f"{item.code} 为自然人事项，取号无需填写企业信息",
            field="enterprise",
        )
    return {"credit_code": req.enterprise.credit_code, "name": req.enterprise.name}


def _check_ticket_token(ctx: HallContext, token: str | None, actor: Actor, t: Any) -> None:
    """The slip's token (its QR code) proves the holder; a wrong one is counted against the
    client (``throttle``) and looks like no such ticket, so nobody learns another's."""
    ok = same_secret(token, t.token)
    throttle.check(ctx.budget, actor, ok)
    if not ok:
        raise not_found("live ticket", "在办票号", t.id)


@handler("ticket.status")
def ticket_status(ctx: HallContext, req: TicketStatus, actor: Actor, now: float) -> dict[str, Any]:
    tid = req.ticket
    t = ctx.engine.tickets.get(tid)
    if t is None:
        raise not_found("live ticket", "在办票号", tid)
    if not actor.at_least(AccessRole.CLERK):  # staff see the live queue; the public only its own ticket
        _check_ticket_token(ctx, req.token, actor, t)
    return ticket_view(ctx.engine, t, now)


@handler("ticket.follow")
def ticket_follow(ctx: HallContext, req: TicketFollow, actor: Actor, now: float) -> dict[str, Any]:
    """The ticket's page: live, or as it ended (from the store: it has left the queue)."""
    t = ctx.engine.tickets.get(req.ticket)
    if t is not None:
        _check_ticket_token(ctx, req.token, actor, t)
        return ticket_facts(ctx, t, now)
    rows = ctx.service.store.ended_tickets([req.ticket])
    ok = bool(rows) and same_secret(req.token, rows[0].token)
    throttle.check(ctx.budget, actor, ok)
    if not ok:
        raise not_found("ticket", "票号", req.ticket)
    return ended_facts(ctx, rows[0])


@handler("ticket.watch", role=AccessRole.ADMIN)
def ticket_watch(ctx: HallContext, req: TicketWatch, actor: Actor, now: float) -> dict[str, Any]:
    """Many tickets' facts at once, for the phones' fan-out (which checked each page's token
    when it opened); in-process only: only the system asks it."""
    if actor.kind != "system":
        raise EngineError("forbidden", "ticket.watch is asked by the server itself", "此请求仅供服务器内部使用")
    found: dict[str, Any] = {}
    ended: list[str] = []
    for tid in req.tickets:
        t = ctx.engine.tickets.get(tid)
        if t is None:
            ended.append(tid)
        else:
            found[tid] = ticket_facts(ctx, t, now)
    for row in ctx.service.store.ended_tickets(ended):
        found[row.id] = ended_facts(ctx, row)
    return {"tickets": found}


def _waits_for(ctx: HallContext, t: Any, clerk: str | None) -> bool:
    """Whether a waiting ticket is the clerk's at their window: transferred to it, or a
    returning visitor reserved for them (首问负责)."""
    window = signed_in_window(ctx, clerk)
    if window is None:
        return False
    if t.transfer is not None and t.transfer.to_window == window:
        return True
    return t.reserved_until is not None and t.first_inquiry_clerk == clerk


@handler("ticket.cancel", role=AccessRole.PUBLIC, mutates=True)
def ticket_cancel(ctx: HallContext, req: TicketCancel, actor: Actor, now: float) -> dict[str, Any]:
    """Cancelled by its holder (the slip's token: the phone, the web, a kiosk scanning the
    slip), by a manager (the floor desk), or by a clerk for a ticket waiting for their own
    window; a call pad or a kiosk never without the token."""
    tid = req.ticket
    t = ctx.engine.ticket(tid)
    if actor.at_least(AccessRole.MANAGER) or actor.kind == "system":
        reason = "clerk"
    elif actor.role == "clerk" and req.token is None:
        if not _waits_for(ctx, t, actor.clerk):
            raise EngineError(
                "forbidden",
                "a clerk cancels only a ticket waiting for their own window; the visitor cancels with the slip",
                "工作人员只能取消等候本窗口的票号；其他票号请办事人凭取号单取消",
                ticket=tid,
            )
        reason = "clerk"
    else:
        _check_ticket_token(ctx, req.token, actor, t)
        reason = "visitor"
    ctx.service.emit(ctx.engine.cancel(tid, now, reason))
    return {"ticket": tid, "state": "cancelled"}


# ---- tickets at a window
def _ticket_reply(ctx: HallContext, tid: str, state: str | None = None) -> dict[str, Any]:
    t = ctx.engine.tickets.get(tid)
    if t is None:
        return {"id": tid, "state": state}
    return ticket_view(ctx.engine, t)


@handler("ticket.recall", role=AccessRole.CALLPAD, mutates=True)
def ticket_recall(ctx: HallContext, req: TicketAction, actor: Actor, now: float) -> dict[str, Any]:
    tid = ticket_for(ctx, req.ticket, actor)
    events = ctx.service.emit(ctx.engine.recall(tid, now))
    return _ticket_reply(ctx, tid, "no_show" if events[0].type == "ticket.no_show" else None)


@handler("ticket.start", role=AccessRole.CALLPAD, mutates=True)
def ticket_start(ctx: HallContext, req: TicketAction, actor: Actor, now: float) -> dict[str, Any]:
    tid = ticket_for(ctx, req.ticket, actor)
    ctx.service.emit(ctx.engine.start(tid, now))
    return _ticket_reply(ctx, tid)


@handler("ticket.no_show", role=AccessRole.CALLPAD, mutates=True)
def ticket_no_show(ctx: HallContext, req: TicketAction, actor: Actor, now: float) -> dict[str, Any]:
    tid = ticket_for(ctx, req.ticket, actor)
    ctx.service.emit(ctx.engine.no_show(tid, now))
    return {"id": tid, "state": "no_show"}


@handler("ticket.complete", role=AccessRole.CALLPAD, mutates=True)
def ticket_complete(ctx: HallContext, req: TicketComplete, actor: Actor, now: float) -> dict[str, Any]:
    tid = ticket_for(ctx, req.ticket, actor)
    outcome = req.outcome  # "handled" when not given; the engine refuses an unknown one
    ctx.service.emit(ctx.engine.complete(tid, now, outcome))
    return {"id": tid, "state": "done", "outcome": outcome}


@handler("ticket.transfer", role=AccessRole.CALLPAD, mutates=True)
def ticket_transfer(ctx: HallContext, req: TicketTransfer, actor: Actor, now: float) -> dict[str, Any]:
    tid = ticket_for(ctx, req.ticket, actor)
    ctx.service.emit(
        ctx.engine.transfer(tid, now, to_window=req.to_window, to_item=req.to_item, note=req.note)
    )
    return _ticket_reply(ctx, tid)


# ---- 好差评 of a window's service
@handler("ticket.rate", role=AccessRole.PUBLIC, mutates=True, desk=True)
def ticket_rate(ctx: HallContext, req: TicketRate, actor: Actor, now: float) -> dict[str, Any]:
    """好差评 of a window's service where no case exists, keyed to the ticket: from the window's
    evaluation keypad (a call pad rates only its own window's service), a kiosk or the web
    (with the token printed on the slip, or at a kiosk the ID card the ticket was taken with).
    One per service: a ticket transferred to a second
    window can be rated for each."""
    tid = req.ticket
    id_hash = kiosk_id_hash(ctx, req.id_number, actor)  # the ID card read at a kiosk stands for the slip
    t = ctx.service.store.served_ticket(tid)
    if t is None:
        raise not_found("ticket", "票号", tid)
    if actor.role == "callpad":
        if actor.window is None or actor.window != t.window:
            raise EngineError(
                "forbidden",
                "an evaluation pad rates only the service at its own window",
                "评价器只能评价本窗口的服务",
            )
    else:
        visitor_rates(actor)
        if id_hash is not None and req.token is None:
            ok = same_secret(id_hash, t.id_hash or "")
        else:
            ok = same_secret(req.token, t.token)
        throttle.check(ctx.budget, actor, ok)
        if not ok:
            raise not_found("ticket", "票号", tid)  # without the slip's token: as if none
    if t.called_at is None or t.window is None:
        raise EngineError(
            "conflict", f"ticket {tid} has not been served yet", "该票号尚未办理，暂不能评价", ticket=tid
        )
    reply = rate(
        ctx,
        req.comment,
        actor,
        now,
        Subject("ticket", tid),
        f"window-{t.window}@{t.called_at:.3f}",
        req.level,
        hall=ctx.hall,
        window=t.window,
        clerk=t.clerk,
    )
    return {**reply, "ticket": tid, "window": t.window}
