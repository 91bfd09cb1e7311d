"""Who handles a case, and who may see what the visitor showed (issue 10).

A case is handled by people, each on record by their staff identity (``Actor.clerk``): the
first-inquiry clerk (首问负责) who is responsible for it until it ends, and the staff of the
departments that decide it (并联办理: the lead department and its co-departments; a clerk's
department is ``Clerk.department``). Where the visitor stands at a window, the clerk signed in
there may act for them (the officer may be away: any window takes a returning visitor).
Managers supervise (cards, complaints, follow-ups, reports): a manager's token names no staff
identity, so it handles no case and sees no captured pages.

Read by the case handlers (desk threads) and the page view (an HTTP thread): the hall engine
is only read here, never changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from .cases import Case, Channel, Role
from .store.models import Clerk

if TYPE_CHECKING:
    from .handlers.context import HallContext
    from .service import Actor


def department_of(ctx: HallContext, actor: Actor) -> str:
    """The department the acting clerk works for ("" for comprehensive-window clerks)."""
    if not actor.clerk:
        return ""
    with ctx.db.connect() as c:
        return c.execute(select(Clerk.department).where(Clerk.id == actor.clerk)).scalar() or ""


def departments(k: Case) -> tuple[str, ...]:
    return (k.item.department, *k.item.co_departments)


def handles(ctx: HallContext, actor: Actor, k: Case) -> bool:
    """The case's first-inquiry clerk, or staff of one of its departments."""
    if not actor.clerk:
        return False
    if k.first_inquiry_clerk == actor.clerk:
        return True
    dept = department_of(ctx, actor)
    return bool(dept) and dept in departments(k)


def served_at_window(k: Case, clerk: str) -> bool:
    """The clerk took a step on the case at their window (the visitor was in front of them)."""
    return any(
        s.where.actor == clerk and s.where.role is Role.CLERK and s.where.channel is Channel.WINDOW
        for s in k.steps
    )


def visitor_at_window(ctx: HallContext, clerk: str, k: Case) -> bool:
    """The case's applicant (or agent) is being served now at the window the clerk is signed
    in at: the ticket they are called with carries the same ID number's hash."""
    number = ctx.engine.window_of(clerk)
    window = ctx.engine.windows[number] if number is not None else None
    if window is None or window.current is None:
        return False
    t = ctx.engine.tickets.get(window.current)
    parties = {k.applicant.id_hash, k.agent.id_hash if k.agent else None} - {None}
    return t is not None and t.id_hash is not None and t.id_hash in parties


def may_see_pages(ctx: HallContext, actor: Actor, k: Case) -> bool:
    """Captured pages show ID cards: only the people handling the case see them (its
    first-inquiry clerk, its departments' staff, a clerk who served it at their window or
    serves its visitor now). Not managers (no staff identity), call pads or kiosks."""
    if actor.kind == "system":
        return True
    if not actor.clerk:
        return False
    return handles(ctx, actor, k) or served_at_window(k, actor.clerk) or visitor_at_window(ctx, actor.clerk, k)
