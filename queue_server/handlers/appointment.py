"""``appointment.*``: free slots, booking, checking in at a kiosk, cancelling."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .. import inputs, throttle
from ..auth import AccessRole
from ..engine.errors import bad_request, conflict
from ..throttle import same_secret
from .bodies import code, day, id_number, item_code, masked_name
from .codes import CODE_ALPHABET
from .registry import handler
from .views import issued_reply

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("appointment.slots")
def appointment_slots(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    item = item_code(body)
    on = day(body, required=False) or ctx.engine.local_day(now)
    assert item is not None
    return {"item_code": item, "day": on, "slots": ctx.engine.slots(item, on, now)}


@handler("appointment.book", role=AccessRole.PUBLIC, mutates=True)
def appointment_book(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    item = item_code(body)
    on = day(body)
    slot = code(body, "slot", inputs.SLOT)
    assert item and on and slot
    id_hash, cipher, masked = id_number(ctx, body)
    if id_hash is None:
        raise bad_request("an appointment needs the applicant's id_number", "预约需提供身份证号码", field="id_number")
    name_masked = masked_name(body)
    appointment_code = _new_appointment_code(ctx)
    events = ctx.engine.book(item, on, slot, now, appointment_code, id_hash=id_hash, name_masked=name_masked)
    events[0].data["id_cipher"] = cipher
    ctx.service.emit(events)
    a = ctx.engine.appointments[appointment_code]
    return {"code": a.code, "item_code": a.item, "day": a.day, "slot": slot, "state": a.state.value, "id_masked": masked}


@handler("appointment.check_in", role=AccessRole.PUBLIC, mutates=True)
def appointment_check_in(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    booking = code(body, "code", inputs.APPOINTMENT_CODE)
    assert booking is not None
    if not actor.at_least(AccessRole.CLERK):
        # The code alone opens the booking: an unknown one is counted like a wrong check code.
        throttle.check(ctx.budget, actor, booking in ctx.engine.appointments)
    events = ctx.service.emit(ctx.engine.check_in(booking, now, ctx.service.new_token()))
    return issued_reply(ctx, events[0].data["ticket"])


@handler("appointment.cancel", role=AccessRole.PUBLIC, mutates=True)
def appointment_cancel(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    booking = code(body, "code", inputs.APPOINTMENT_CODE)
    assert booking is not None
    if not actor.at_least(AccessRole.CLERK):
        # Code and ID number together prove the booking; either wrong is counted.
        id_hash, _, _ = id_number(ctx, body)
        booked = ctx.engine.appointments.get(booking)
        ok = booked is not None and id_hash is not None and same_secret(id_hash, booked.id_hash or "")
        throttle.check(ctx.budget, actor, ok)
        if booked is not None and not ok:
            raise conflict("the ID number does not match the appointment", "身份证号码与预约不符")
    a = ctx.engine.appointment(booking)
    ctx.service.emit(ctx.engine.cancel_appointment(a.code, now))
    return {"code": a.code, "state": "cancelled"}


def _new_appointment_code(ctx: HallContext) -> str:
    while True:
        new = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if new not in ctx.engine.appointments:
            return new
