"""``visitor.*``: what the hall knows of the visitor whose ID card was just read at a kiosk (``visitor.lookup``).

One answer with everything the kiosk can offer at once: age and the green channel, today's
appointments, open cases and who handles them, the clerk a new ticket would go back to
(首问负责), certificates to self-print, and services of today not rated yet. The raw ID
number is read, hashed and never returned: replies carry the mask only.

Handled on the case desk (it reads the case database several times); what it reads of the
live queue (appointments, windows) is read, never changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from protocol.idnumber import validate
from protocol.models.hall import ELDER_AGE, LOOKUP_MAX_CASES, LOOKUP_MAX_TO_RATE, VisitorLookup

from ..auth import AccessRole
from ..cases import CaseState, Subject
from ..engine import AppointmentState
from ..engine.errors import bad_request
from ..privacy import mask
from .access import signed_in_window
from .ratings import rated_step
from .registry import handler
from .views import certificate_view, item_name, summary_view

if TYPE_CHECKING:
    from ..auth import Actor
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
    out = []
    for s in ctx.cases.cases_of(id_hash)[:LOOKUP_MAX_CASES]:
        view = summary_view(s, today)
        out.append(
            {
                "case": s.id,
                "item_code": s.item_code,
                "item_name": item_name(ctx, s.item_code),
                "state": view["state"],
                "state_zh": view["state_zh"],
                "due": view["due"],
                "card": view["card"],
                "officer": _officer(ctx, s.first_inquiry_clerk),
            }
        )
    return out


def _certificates(ctx: HallContext, id_hash: str, today: date) -> list[dict[str, Any]]:
    store = ctx.cases
    out = []
    for c in store.certificates_of(id_hash, today):
        waiting = store.summary(c.case).state is CaseState.RESULT_READY
        # A print of a certificate whose case waits for its result hands the case out (出件).
        out.append({**certificate_view(c), "awaiting_hand_out": waiting})
    return out


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
        "certificates_ready": _certificates(ctx, id_hash, today),
        "to_rate": _to_rate(ctx, id_hash, now, today),
    }

