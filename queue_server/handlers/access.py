"""Who may act where: at a window, on a case as its visitor, for a department, on a case's
pages. Shared by the handler modules and the page view; each check raises ``EngineError``
when it refuses.

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

from .. import throttle
from ..auth import AccessRole
from ..cases import Case, Channel, Role
from ..engine.errors import EngineError, not_found
from ..throttle import same_secret
from .codes import CHECK_LEN, CODE_ALPHABET, check_code

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


# ------------------------------------------------------------------ windows
def signed_in_window(ctx: HallContext, clerk: str | None) -> int | None:
    """The window a clerk is signed in at, if any."""
    return ctx.engine.window_of(clerk)


def check_window_actor(ctx: HallContext, number: int, actor: Actor) -> None:
    """Who acts at a window: its own call pad, the clerk signed in there (a clerk signed in
    nowhere, or elsewhere, acts nowhere), a manager anywhere (the floor desk), the system."""
    if actor.at_least(AccessRole.MANAGER) or actor.kind == "system":
        return
    if actor.role == "callpad":
        if actor.window != number:
            raise EngineError(
                "forbidden",
                f"this call pad belongs to window {actor.window}",
                "该呼叫器不属于此窗口",
                window=number,
            )
        return
    if actor.role == "clerk":
        if actor.clerk is None:
            raise EngineError(
                "forbidden",
                "this clerk token names no clerk; ask for a token with --clerk",
                "该令牌未关联工作人员，无法在窗口办理",
                window=number,
            )
        w = ctx.engine.windows[number]
        if w.clerk != actor.clerk:
            raise EngineError(
                "forbidden",
                f"window {number} is not signed in by clerk {actor.clerk}: sign in there first",
                f"您未在{number}号窗口签到，请先签到",
                window=number,
            )
        return
    raise EngineError("forbidden", f"{actor.role} may not act at a window", "该设备无权在窗口操作", window=number)


def window_for(ctx: HallContext, number: int, actor: Actor) -> int:
    """Window ``number``, which exists and at which ``actor`` may act."""
    ctx.engine.window(number)
    check_window_actor(ctx, number, actor)
    return number


def printing_at_window(ctx: HallContext, actor: Actor, document: str, case_id: str | None) -> bool:
    """A window's agent (its call pad's key) fetches a slip's data only while a print job for
    that slip is pending at its window (``window.print``): the console asked for it there."""
    if actor.role != "callpad" or actor.window is None or case_id is None:
        return False
    return any((j.document, j.case) == (document, case_id) for j in ctx.engine.print_jobs_of(actor.window))


def ticket_for(ctx: HallContext, tid: str, actor: Actor) -> str:
    """Live ticket ``tid``, which ``actor`` may act on at its window."""
    t = ctx.engine.ticket(tid)
    if t.window is not None:
        check_window_actor(ctx, t.window, actor)
    return tid


# ------------------------------------------------------------------ visitors
def visitor_rates(actor: Actor) -> None:
    """好差评 is the visitor's word: staff do not rate services (their own, say)."""
    if actor.at_least(AccessRole.CLERK):
        raise EngineError(
            "forbidden", "ratings come from the visitor, not from staff", "好差评须由办事人本人作出，工作人员不能评价"
        )


def kiosk_id_hash(ctx: HallContext, id_number: str | None, actor: Actor) -> str | None:
    """The hash of the ID number read at a kiosk (a checked one, or None when there is none;
    a kiosk or staff only: over the web an ID number alone must not open anyone's cases)."""
    if id_number is None:
        return None
    if not actor.at_least(AccessRole.KIOSK):
        raise EngineError(
            "forbidden", "looking up by ID number needs a kiosk", "按身份证查询须在自助终端办理"
        )
    return ctx.privacy.lookup_hash(id_number)


def check_code_of(ctx: HallContext, code: str | None, case_id: str, actor: Actor) -> None:
    """A wrong or missing check code looks like no such case, and is counted against the
    client (``throttle``): anything that is not six letters of the code alphabet is wrong."""
    given = code.strip().upper() if isinstance(code, str) else ""
    ok = (
        len(given) == CHECK_LEN
        and all(ch in CODE_ALPHABET for ch in given)
        and same_secret(given, check_code(ctx, case_id))
    )
    throttle.check(ctx.budget, actor, ok)
    if not ok:
        raise not_found("case", "办件", case_id)


def is_party(ctx: HallContext, case_id: str, id_hash: str) -> bool:
    """Whether the ID number's hash is the case's applicant's or agent's."""
    try:
        s = ctx.cases.summary(case_id)
    except EngineError:
        return False
    return id_hash in (s.applicant_hash, s.agent_hash)


def visitor_case(ctx: HallContext, case_id: str, code: str | None, id_number: str | None, actor: Actor) -> str:
    """``case_id`` if the caller may act on it as the visitor: with its check code, or as its
    applicant or agent by the ID card read at a kiosk (both already checked for their form)."""
    id_hash = kiosk_id_hash(ctx, id_number, actor)
    if id_hash is None or not is_party(ctx, case_id, id_hash):
        check_code_of(ctx, code, case_id, actor)
    return case_id



# ------------------------------------------------------------------ staff
def department_of(ctx: HallContext, actor: Actor) -> str:
    """The department the acting clerk works for ("" for comprehensive-window clerks)."""
    if not actor.clerk:
        return ""
    return ctx.service.store.clerk_department(actor.clerk)


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


def check_department(ctx: HallContext, actor: Actor, department: str) -> None:
    """并联办理: a department's task is decided (and a 告知承诺 case checked) by that
    department's own staff, a clerk whose ``department`` it is; comprehensive-window clerks
    receive, notify and hand out, managers supervise: neither decides for a department."""
    if actor.kind == "system":
        return
    if department_of(ctx, actor) != department:
        dept = ctx.catalogue.departments.get(department)
        raise EngineError(
            "forbidden",
            f"only staff of department {dept.name.en if dept else department} decide its tasks",
            f"只有{dept.name.zh if dept else department}的工作人员可以审批本部门的任务",
            department=department,
        )


def check_page_reader(ctx: HallContext, actor: Actor, case_id: str) -> None:
    """Pages show ID cards: only the people handling the case see them (``may_see_pages``);
    the list and every image read ask here."""
    k = ctx.cases.load(case_id)  # no such case: not_found
    if not may_see_pages(ctx, actor, k):
        raise EngineError(
            "forbidden",
            f"the pages of case {case_id} are shown only to the staff handling it "
            "(its first-inquiry clerk, its departments, a clerk serving it at a window)",
            f"办件 {case_id} 的材料图片仅限经办人员查看（首问责任人、承办部门、当面办理的窗口工作人员）",
            case=case_id,
        )
