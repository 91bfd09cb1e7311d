"""Who handles a case (issue 10).

A case is handled by people, each on record by their staff identity (``Actor.clerk``): the
first-inquiry clerk (首问负责) who is responsible for it until it ends, and the staff of the
departments that decide it (并联办理: the lead department and its co-departments; a clerk's
department is ``Clerk.department``). Where the visitor stands at a window, the clerk signed in
there may act for them (the officer may be away: any window takes a returning visitor).
Managers supervise (cards, complaints, follow-ups, reports): a manager's token names no staff
identity, so it handles no case.

Read by the case handlers (desk threads): the hall engine is only read here, never changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from .cases import Case
from .store.models import Clerk

if TYPE_CHECKING:
    from .service import Actor, HallService


def department_of(svc: HallService, actor: Actor) -> str:
    """The department the acting clerk works for ("" for comprehensive-window clerks)."""
    if not actor.clerk:
        return ""
    with svc.store.engine.connect() as c:
        return c.execute(select(Clerk.department).where(Clerk.id == actor.clerk)).scalar() or ""


def departments(k: Case) -> tuple[str, ...]:
    return (k.item.department, *k.item.co_departments)


def handles(svc: HallService, actor: Actor, k: Case) -> bool:
    """The case's first-inquiry clerk, or staff of one of its departments."""
    if not actor.clerk:
        return False
    if k.first_inquiry_clerk == actor.clerk:
        return True
    dept = department_of(svc, actor)
    return bool(dept) and dept in departments(k)
