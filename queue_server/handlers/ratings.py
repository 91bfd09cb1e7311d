"""好差评: storing one rating of a service (a case's step or a window's service of a ticket),
and where a visitor's feedback came from."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ..cases import Case, Role, Source, Subject

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


def source_of(actor: Actor) -> Source:
    """Where a rating or a complaint came from: a kiosk, a window's keypad, or the web."""
    if actor.role == "kiosk":
        return Source.KIOSK
    if actor.role == "callpad":
        return Source.KEYPAD
    return Source.WEB


def rated_step(k: Case) -> tuple[int, Any]:
    """The service a case's 好差评 is about: its latest clerk step (else its latest step), with
    its index: one rating per service (``step-<n>:<action>``)."""
    steps = list(enumerate(k.steps))
    return next(((i, s) for i, s in reversed(steps) if s.where.role is Role.CLERK), steps[-1])


def rate(
    ctx: HallContext,
    comment: str,
    actor: Actor,
    now: float,
    subject: Subject,
    service_event: str,
    level: int,
    *,
    hall: str | None,
    window: int | None,
    clerk: str | None,
) -> dict[str, Any]:
    """Store one 好差评 (with the visitor's ``comment``) and answer with it."""
    ev = ctx.cases.rate(
        uuid.uuid4().hex,
        subject,
        service_event,
        level,
        source_of(actor),
        now,
        hall=hall,
        window=window,
        clerk=clerk,
        comment=comment,
    )
    return {
        "id": ev.id,
        "service_event": ev.service_event,
        "level": int(ev.level),
        "level_zh": ev.level.zh,
        "follow_up_due": ev.follow_up_due.isoformat() if ev.follow_up_due else None,
    }
