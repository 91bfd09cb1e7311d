"""``visitor.*``: what the hall knows of a visitor: the one whose ID card was just read at a
kiosk (``visitor.lookup``), and the one in front of a clerk's window (``visitor.at_window``,
``visitor.start_case``, below).

One answer with everything the kiosk can offer at once: age and the green channel, today's
appointments, open cases and who handles them, the clerk a new ticket would go back to
(首问负责), certificates to self-print, and services of today not rated yet. The raw ID
number is read, hashed and never returned: replies carry the mask only.

Handled on the case desk (it reads the case database several times); what it reads of the
live queue (appointments, windows) is read, never changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from protocol.idnumber import validate
from protocol.models.cases import CaseSubmit
from protocol.models.hall import ELDER_AGE, LOOKUP_MAX_CASES, LOOKUP_MAX_TO_RATE, VisitorLookup
from protocol.models.visitors import MAX_WINDOW_CASES, CaseSubmitAtWindow, WindowVisitorQuery

from ..auth import AccessRole
from ..cases import CaseState, Subject
from ..catalogue.model import ServiceItem
from ..engine import AppointmentState
from ..engine.errors import EngineError, bad_request, not_found
from ..privacy import mask
from .access import signed_in_window
from .case import case_submit
from .codes import credit_code_hash
from .ratings import rated_step
from .registry import handler
from .views import certificate_view, item_name, summary_view

if TYPE_CHECKING:
    from ..auth import Actor
    from ..engine.model import Ticket
    from ..store.casestore import CaseSummary
    from .context import HallContext


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _officer(ctx: HallContext, clerk: str | None) -> dict[str, Any] | None:
    """A clerk's name and the window they are signed in at now (None when not at one)."""
    info = ctx.engine.clerks.get(clerk) if clerk else None
    if info is None:
        return None
    return {"id": info.id, "name": info.name, "window": signed_in_window(ctx, info.id)}


def _appointments_today(ctx: HallContext, id_hash: str, now: float) -> list[dict[str, Any]]:
    e = ctx.engine
    today = e.local_day(now)
    out = []
    for a in list(e.appointments.values()):  # a copy: the hall loop may book meanwhile
        if a.id_hash != id_hash or a.day != today or a.state is not AppointmentState.BOOKED:
            continue
        timing = "early" if now < a.slot_start else "late" if now > a.slot_end else "on_time"
        out.append(
            {
                "code": a.code,
                "item_code": a.item,
                "item_name": item_name(ctx, a.item),
                "slot": {
                    "start": datetime.fromtimestamp(a.slot_start, e.tz).strftime("%H:%M"),
                    "end": datetime.fromtimestamp(a.slot_end, e.tz).strftime("%H:%M"),
                },
                "timing": timing,
            }
        )
    return sorted(out, key=lambda x: x["slot"]["start"])


def _open_cases(ctx: HallContext, id_hash: str, today: date) -> list[dict[str, Any]]:
    return [
        {**_case_line(ctx, s, today), "officer": _officer(ctx, s.first_inquiry_clerk)}
        for s in ctx.cases.cases_of(id_hash)[:LOOKUP_MAX_CASES]
    ]


def _case_line(ctx: HallContext, s: CaseSummary, today: date) -> dict[str, Any]:
    """A case as a line of a visitor's list (the kiosk's and the window's)."""
    view = summary_view(s, today)
    return {
        "case": s.id,
        "item_code": s.item_code,
        "item_name": item_name(ctx, s.item_code),
        "state": view["state"],
        "state_zh": view["state_zh"],
        "due": view["due"],
        "card": view["card"],
    }


def _to_rate(ctx: HallContext, id_hash: str, now: float, today: date) -> list[dict[str, Any]]:
    """Today's services of this visitor with no 好差评 yet: tickets served at a window of this
    hall (``ticket.rate``, by id_number at the kiosk) and cases handed out today (``case.rate``)."""
    out: list[dict[str, Any]] = []
    tickets = ctx.service.store.done_tickets_of(id_hash, today.isoformat())
    for t in tickets:
        if t.called_at is None or t.window is None:
            continue
        if f"window-{t.window}@{t.called_at:.3f}" in ctx.cases.rated_services(Subject("ticket", t.id)):
            continue
        out.append(
            {
                "kind": "ticket",
                "ticket": t.id,
                "number": t.number,
                "item_code": t.item_code,
                "item_name": item_name(ctx, t.item_code),
                "window": t.window,
            }
        )
    store = ctx.cases
    for s in store.cases_of(id_hash, include_closed=True)[:LOOKUP_MAX_CASES]:
        if s.state not in (CaseState.HANDED_OUT, CaseState.CLOSED) or s.hall_handed_out is None:
            continue
        k = store.load(s.id)
        handed = next((st for st in reversed(k.steps) if st.action == "hand_out"), None)
        if handed is None or datetime.fromtimestamp(handed.at, ctx.engine.tz).date() != today:
            continue
        n, step = rated_step(k)
        if f"step-{n}:{step.action}" in ctx.cases.rated_services(Subject("case", k.id)):
            continue
        out.append(
            {"kind": "case", "case": k.id, "item_code": k.item.code, "item_name": item_name(ctx, k.item.code)}
        )
    return out[:LOOKUP_MAX_TO_RATE]


@handler("visitor.lookup", role=AccessRole.KIOSK, desk=True)
def visitor_lookup(ctx: HallContext, req: VisitorLookup, actor: Actor, now: float) -> dict[str, Any]:
    raw = req.id_number
    if raw is None:
        raise bad_request("id_number is required (the card just read)", "必须提供身份证号码", field="id_number")
    id_hash = ctx.privacy.lookup_hash(raw)
    today = ctx.today(now)
    age = age_on(validate(raw, today=today).birth, today)
    returning = ctx.service.returning_clerk(id_hash, now)
    officer = _officer(ctx, returning)
    if officer is not None:
        # A new ticket is reserved for them only while they are at a window (首问负责).
        officer["reserved"] = officer["window"] is not None
    return {
        "id_masked": mask(raw),
        "age": age,
        "elder": age >= ELDER_AGE,
        "green_channel": age >= ctx.engine.rules.green_channel_age,
        "green_channel_age": ctx.engine.rules.green_channel_age,
        "appointments_today": _appointments_today(ctx, id_hash, now),
        "open_cases": _open_cases(ctx, id_hash, today),
        "returning_clerk": officer,
        "certificates_ready": _certificates(ctx, [id_hash], today),
        "to_rate": _to_rate(ctx, id_hash, now, today),
    }


# ------------------------------------------------------------------ the visitor at a window
# The visitor in front of a clerk's window (``visitor.at_window``, ``visitor.start_case``).
#
# The window's current ticket knows its visitor by the keyed hash of their ID number (and keeps
# the number encrypted in the store): their open cases and certificates on file are found by
# it, and a case is started for them with it, so the console never holds the number. Only the
# clerk signed in at the window asks, and only about the visitor being served there.
#
# Personal data read is on the audit log: the whole ID number on each reveal, the visitor's
# cases and certificates once per reader and ticket (the console asks again on every change of
# the hall; those repeats are not new views of anything).
#
# Handled on the case desk (it reads the case database); the live queue is only read here.

#: Cases that no longer take a clerk's step at the window but hand-out: a new one may be started.
ENDED = frozenset({CaseState.REFUSED, CaseState.REJECTED, CaseState.HANDED_OUT, CaseState.CLOSED})
VIEW = "visitor.view"
REVEAL = "visitor.id.reveal"

#: (reader, ticket) pairs whose view is on the audit log already (this process; the log
#: itself is asked on a miss, so a restart writes no second entry).
_viewed: OrderedDict[tuple[str, str], None] = OrderedDict()
_viewed_lock = threading.Lock()
VIEWED_KEPT = 5000


def _clerk_window(ctx: HallContext, window: int | None, actor: Actor) -> int:
    """The window the acting clerk is signed in at (``window`` must be it): personal data of
    the visitor there is for that clerk only, not for managers, pads or other windows."""
    if actor.kind == "system" and window is not None:
        ctx.engine.window(window)
        return window
    mine = ctx.engine.window_of(actor.clerk) if actor.clerk else None
    if mine is None:
        raise EngineError(
            "forbidden",
            "only the clerk signed in at a window sees the visitor there: sign in to a window first",
            "只有在窗口签到的工作人员可以查看该窗口的办事人信息，请先签到",
        )
    if window is not None and window != mine:
        ctx.engine.window(window)  # no such window: not_found
        raise EngineError(
            "forbidden",
            f"you are signed in at window {mine}: the visitor at window {window} is its clerk's",
            f"您在{mine}号窗口签到，{window}号窗口的办事人由该窗口工作人员办理",
            window=window,
        )
    return mine


def _current(ctx: HallContext, number: int) -> Ticket | None:
    w = ctx.engine.windows[number]
    return ctx.engine.tickets.get(w.current) if w.current else None


def _holder_hashes(ctx: HallContext, t: Ticket) -> list[str]:
    """Who the visitor's cases are filed under: their ID number, and the enterprise they came for."""
    out = [t.id_hash] if t.id_hash else []
    if t.enterprise:
        out.append(credit_code_hash(ctx, t.enterprise["credit_code"]))
    return out


def _materials(
    ctx: HallContext, item: ServiceItem | None, holder: str, today: date, given: set[str], owed: set[str]
) -> list[dict[str, Any]]:
    if item is None:
        return []  # the item left the catalogue: its guide is not there to list
    replaced = {m.code: c.number for m, c in ctx.cases.materials_needed(item, holder, today).replaced}
    out = []
    for m in item.guide.materials:
        status = (
            "given" if m.code in given else "owed" if m.code in owed else "on_file" if m.code in replaced else "missing"
        )
        out.append(
            {
                "code": m.code,
                "name": {"zh": m.name.zh, "en": m.name.en},
                "required": m.required,
                "original": m.original,
                "copies": m.copies,
                "status": status,
                "certificate": replaced.get(m.code) if status == "on_file" else None,
            }
        )
    return out


def _cases(ctx: HallContext, hashes: list[str], today: date) -> list[dict[str, Any]]:
    seen: dict[str, Any] = {}
    for h in hashes:
        for s in ctx.cases.cases_of(h):
            seen.setdefault(s.id, s)
    out = []
    for s in sorted(seen.values(), key=lambda s: (s.submitted_at, s.id), reverse=True)[:MAX_WINDOW_CASES]:
        k = ctx.cases.load(s.id)
        item = ctx.catalogue.items.get(k.item.code)
        out.append(
            {
                **_case_line(ctx, s, today),
                "first_inquiry_clerk": s.first_inquiry_clerk,
                "commitment_allowed": bool(item and item.flags.commitment),
                "commitment": k.commitment,
                "notices": len(k.notices),
                "refusal_reason": k.refusal_reason or None,
                "materials": _materials(
                    ctx, item, k.applicant.id_hash, today, set(k.materials_given), set(k.outstanding_materials)
                ),
            }
        )
    return out


def _certificates(ctx: HallContext, hashes: list[str], today: date) -> list[dict[str, Any]]:
    out = []
    for h in hashes:
        for c in ctx.cases.certificates_of(h, today):
            waiting = ctx.cases.summary(c.case).state is CaseState.RESULT_READY
            out.append({**certificate_view(c), "awaiting_hand_out": waiting})
    return out


def _new_case(ctx: HallContext, t: Ticket, hashes: list[str], cases: list[dict[str, Any]], today: date) -> Any:
    """The ticket's item, when the visitor has no case of it under way (the hall's flow: a
    case is started before it is accepted, refused or noticed)."""
    if not hashes or any(c["item_code"] == t.item and CaseState(c["state"]) not in ENDED for c in cases):
        return None
    item = ctx.catalogue.items.get(t.item)
    if item is None:
        return None
    return {
        "item_code": item.code,
        "item_name": item_name(ctx, item.code),
        "commitment_allowed": item.flags.commitment,
        "materials": _materials(ctx, item, hashes[-1], today, set(), set()),
    }


def _audit_view(ctx: HallContext, actor: Actor, t: Ticket, number: int) -> None:
    pair = (actor.name, t.id)
    with _viewed_lock:
        if pair in _viewed:
            return
    store = ctx.service.store
    if not store.audited(actor.name, VIEW, t.id):
        store.audit(actor.name, VIEW, t.id, clerk=actor.clerk, window=number, ticket=t.number)
    with _viewed_lock:
        _viewed[pair] = None
        while len(_viewed) > VIEWED_KEPT:
            _viewed.popitem(last=False)


def _id_number(ctx: HallContext, t: Ticket) -> str:
    """The visitor's whole ID number, decrypted from the store (never kept in the live queue)."""
    cipher = ctx.service.store.id_cipher_of(t.id)
    if cipher is None:
        raise EngineError(
            "conflict",
            f"ticket {t.number} was taken without an ID card: there is no ID number on record",
            f"票号 {t.number} 取号时未读取身份证，没有登记身份证号码",
            ticket=t.id,
        )
    return ctx.privacy.decrypt(cipher)


@handler("visitor.at_window", role=AccessRole.CLERK, desk=True)
def visitor_at_window(ctx: HallContext, req: WindowVisitorQuery, actor: Actor, now: float) -> dict[str, Any]:
    number = _clerk_window(ctx, req.window, actor)
    t = _current(ctx, number)
    if t is None:
        return {
            "window": number, "ticket": None, "number": None, "item_code": None, "has_id": False,
            "id_masked": None, "id_number": None, "enterprise": None, "cases": [], "certificates": [],
            "new_case": None,
        }
    today = ctx.today(now)
    hashes = _holder_hashes(ctx, t)
    full = None
    if req.reveal:
        full = _id_number(ctx, t)
        # Each reveal is its own entry: who saw whose number, where (the number itself never).
        ctx.service.store.audit(
            actor.name, REVEAL, t.id, clerk=actor.clerk, window=number, ticket=t.number, id_masked=t.id_masked
        )
    elif hashes:
        _audit_view(ctx, actor, t, number)
    cases = _cases(ctx, hashes, today)
    return {
        "window": number,
        "ticket": t.id,
        "number": t.number,
        "item_code": t.item,
        "has_id": t.id_hash is not None,
        "id_masked": t.id_masked,
        "id_number": full,
        "enterprise": t.enterprise["name"] if t.enterprise else None,
        "cases": cases,
        "certificates": _certificates(ctx, hashes, today),
        "new_case": _new_case(ctx, t, hashes, cases, today),
    }


@handler("visitor.start_case", role=AccessRole.CLERK, mutates=True, desk=True)
def visitor_start_case(ctx: HallContext, req: CaseSubmitAtWindow, actor: Actor, now: float) -> dict[str, Any]:
    """``case.submit`` for the window's current visitor, with the ID number of their ticket
    (decrypted here, never sent): the same checks, the same idempotent numbering."""
    number = _clerk_window(ctx, req.window, actor)
    t = _current(ctx, number)
    if t is None:
        raise not_found("visitor at the window", "当前办事人", str(number))
    raw = _id_number(ctx, t)
    body: dict[str, Any] = {
        "item_code": req.item_code or t.item,
        "materials": list(req.materials),
        "channel": "window",
        "window": number,
    }
    if t.enterprise:  # 法人: the enterprise applies, the person at the window acts for it
        body |= {"enterprise": dict(t.enterprise), "agent": {"id_number": raw}}
    else:
        body["id_number"] = raw
    return case_submit(ctx, CaseSubmit.model_validate(body), actor, now)
