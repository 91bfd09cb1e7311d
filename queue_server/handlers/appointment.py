"""``appointment.*``: free slots, booking, checking in at a kiosk, cancelling."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from protocol.models.appointments import (
    AppointmentBook,
    AppointmentCancel,
    AppointmentCheckIn,
    AppointmentSlots,
    AppointmentStatus,
)

from .. import throttle
from ..auth import AccessRole
from ..engine.errors import conflict
from ..privacy import mask
from ..throttle import same_secret
from .codes import CODE_ALPHABET
from .registry import handler
from .views import issued_reply

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("appointment.slots")
def appointment_slots(ctx: HallContext, req: AppointmentSlots, actor: Actor, now: float) -> dict[str, Any]:
    item = req.item_code
    on = req.day or ctx.engine.local_day(now)
    return {"item_code": item, "day": on, "slots": ctx.engine.slots(item, on, now)}


@handler("appointment.book", role=AccessRole.PUBLIC, mutates=True)
def appointment_book(ctx: HallContext, req: AppointmentBook, actor: Actor, now: float) -> dict[str, Any]:
    item, on, slot = req.item_code, req.day, req.slot
    id_hash = ctx.privacy.lookup_hash(req.id_number)  # required: the model refuses a booking without it
    appointment_code = _new_appointment_code(ctx)
    events = ctx.engine.book(
        item, on, slot, now, appointment_code, id_hash=id_hash, name_masked=_masked_name(req.name)
    )
    events[0].data["id_cipher"] = ctx.privacy.encrypt(req.id_number)
    ctx.service.emit(events)
    a = ctx.engine.appointments[appointment_code]
    masked = mask(req.id_number)
    return {
        "code": a.code, "item_code": a.item, "day": a.day, "slot": slot, "state": a.state.value, "id_masked": masked,
        "page_url": ctx.links.booking(a.code),
    }


@handler("appointment.check_in", role=AccessRole.PUBLIC, mutates=True)
def appointment_check_in(
    ctx: HallContext, req: AppointmentCheckIn, actor: Actor, now: float
) -> dict[str, Any]:
    booking = req.code
    if not actor.at_least(AccessRole.CLERK):
        # The code alone opens the booking: an unknown one is counted like a wrong check code.
        throttle.check(ctx.budget, actor, booking in ctx.engine.appointments)
    events = ctx.service.emit(ctx.engine.check_in(booking, now, ctx.service.new_token()))
    return issued_reply(ctx, events[0].data["ticket"], now)


@handler("appointment.status")
def appointment_status(ctx: HallContext, req: AppointmentStatus, actor: Actor, now: float) -> dict[str, Any]:
    """A booking as its holder's phone shows it. The code alone opens it, so an unknown
    one is counted like a wrong check-in code (a guessed code must not be cheap)."""
    booking = req.code
    if not actor.at_least(AccessRole.CLERK):
        throttle.check(ctx.budget, actor, booking in ctx.engine.appointments)
    a = ctx.engine.appointment(booking)
    return {
        "code": a.code,
        "item_code": a.item,
        "day": a.day,
        "slot": _local_hhmm(ctx, a.slot_start, a.day),
        "slot_end": _local_hhmm(ctx, a.slot_end, a.day),
        "state": a.state.value,
        "name_masked": a.name_masked,
    }


def _local_hhmm(ctx: HallContext, ts: float, day: str) -> str:
    """A slot's time as the hall's rules write it: a slot ending at midnight ends at 24:00."""
    local = datetime.fromtimestamp(ts, ctx.engine.tz)
    return "24:00" if local.date().isoformat() > day and local.hour == 0 and local.minute == 0 else local.strftime("%H:%M")


@handler("appointment.cancel", role=AccessRole.PUBLIC, mutates=True)
def appointment_cancel(ctx: HallContext, req: AppointmentCancel, actor: Actor, now: float) -> dict[str, Any]:
    booking = req.code
    if not actor.at_least(AccessRole.CLERK):
        # Code and ID number together prove the booking; either wrong is counted.
        id_hash = ctx.privacy.lookup_hash(req.id_number) if req.id_number is not None else None
        booked = ctx.engine.appointments.get(booking)
        ok = booked is not None and id_hash is not None and same_secret(id_hash, booked.id_hash or "")
        throttle.check(ctx.budget, actor, ok)
        if booked is not None and not ok:
            raise conflict("the ID number does not match the appointment", "身份证号码与预约不符")
    a = ctx.engine.appointment(booking)
    ctx.service.emit(ctx.engine.cancel_appointment(a.code, now))
    return {"code": a.code, "state": "cancelled"}


def _masked_name(name: str | None) -> str:
    """A booking's name as it is kept: its first character, then stars ("" when none is given)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def _new_appointment_code(ctx: HallContext) -> str:
    while True:
        new = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if new not in ctx.engine.appointments:
            return new
