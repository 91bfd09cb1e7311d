"""Request and reply models: appointments (预约, ``appointment.*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from protocol.fields import (
    SLOT,
    AppointmentCode,
    Day,
    IdNumber,
    ItemCode,
    OptDay,
    also_required,
    code,
    required_id_number,
    text,
)
from protocol.models.base import Answer, Body, Part, Spec
from protocol.models.queue import IssuedTicket

#: What the handler keeps of a booking's name (masked: the first character only).
NAME_MAX_LEN = 50

_ID_FOR_BOOKING = (
    "the applicant's ID number (required: the handler refuses without it); stored encrypted, shown masked"
)


# ------------------------------------------------------------------ appointment.slots
class AppointmentSlots(Body):
    """The appointment slots of a service item on a day, with the places left."""

    item_code: ItemCode
    day: OptDay = Field(None, description="the hall's today when left out", examples=["2026-11-26"])


class AppointmentSlot(Part):
    """A slot of the day, local time."""

    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["09:30"])
    capacity: int = Field(description="places per item (rules.appointment_slots in config/hall.yaml)")
    available: int = Field(description="places left")
    open: bool = Field(description="false once the slot is over, or when the hall is not open during it that day")


class Slots(Answer):
    item_code: str
    day: str = Field(examples=["2026-11-26"])
    slots: list[AppointmentSlot]


# ------------------------------------------------------------------ appointment.book
class AppointmentBook(Body):
    """Book a slot of a service item for a card holder (one booking per item and day)."""

    model_config = ConfigDict(json_schema_extra=also_required("id_number"))

    item_code: ItemCode
    day: Day = Field(examples=["2026-11-26"])
    slot: code(SLOT, description="the slot's start", examples=["09:00"])
    id_number: required_id_number("an appointment needs the applicant's id_number", "预约需提供身份证号码") = Field(
        None, validate_default=True, description=_ID_FOR_BOOKING
    )
    name: text(NAME_MAX_LEN, optional=True, description="the applicant's name; kept masked") = None


class Booked(Answer):
    """The booking; its code checks in at a kiosk or a window on the day. The ID number is masked."""

    code: str = Field(description="the appointment code (6 characters, no 0/O or 1/I)", examples=["K7M3QD"])
    item_code: str
    day: str
    slot: str = Field(examples=["09:00"])
    state: Literal["booked"]
    id_masked: str = Field(description="the applicant's ID number, masked", examples=["1101**********002X"])
    page_url: str = Field(
        description="the booking's phone page under the hall's public address: its code and QR code, cancelling",
        examples=["https://hall.example.gov.cn/m/booking/K7M3QD"],
    )


# ------------------------------------------------------------------ appointment.check_in
class AppointmentCheckIn(Body):
    """Check in a booking of today: a ticket is issued (with the appointment's priority unless late)."""

    code: AppointmentCode


# ------------------------------------------------------------------ appointment.status
class AppointmentStatus(Body):
    """A booking as its holder sees it (the phone's booking page): the code alone opens it."""

    code: AppointmentCode


class Appointment(Answer):
    """A booking's item, day, slot and state; the name masked, no ID number, no hash."""

    code: str = Field(examples=["K7M3QD"])
    item_code: str
    day: str = Field(examples=["2026-11-26"])
    slot: str = Field(description="the slot's start, local time", examples=["09:00"])
    slot_end: str = Field(examples=["09:30"])
    state: Literal["booked", "checked_in", "cancelled"]
    name_masked: str = Field(description="the name's first character, then stars; empty when none was given")


# ------------------------------------------------------------------ appointment.cancel
class AppointmentCancel(Body):
    """Cancel a booking: the public with the code and the applicant's ID number, staff with the code."""

    code: AppointmentCode
    id_number: IdNumber = Field(None, description="needed by the public: it must match the booking's")


class Cancelled(Answer):
    code: str
    state: Literal["cancelled"]


REQUESTS: dict[str, Spec] = {
    "appointment.slots": Spec(AppointmentSlots, Slots),
    "appointment.book": Spec(AppointmentBook, Booked),
    "appointment.check_in": Spec(AppointmentCheckIn, IssuedTicket),
    "appointment.status": Spec(AppointmentStatus, Appointment),
    "appointment.cancel": Spec(AppointmentCancel, Cancelled),
}
