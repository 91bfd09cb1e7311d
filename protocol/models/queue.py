"""Request and reply models: tickets and the live queue (``ticket.*``, ``queue.*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.fields import WORD, Bilingual, IdNumber, ItemCode, OptToken, TicketId, code
from protocol.models.base import Answer, Body, Part, Spec

Stream = Literal["citizen", "enterprise"]
LiveState = Literal["waiting", "called", "serving"]


# ------------------------------------------------------------------ ticket.issue
class TicketIssue(Body):
    """Take a number for a service item."""

    item_code: ItemCode
    priority: code(WORD, optional=True, enum=["green"], description="green: the green channel (绿色通道)") = None
    id_number: IdNumber = Field(None, description="optional: the visitor's card, for the first-inquiry clerk")


class IssuedTicket(Answer):
    """What a kiosk prints and the online hall shows: the slip's token only here."""

    id: str = Field(examples=["H01-20261126-A012"])
    number: str = Field(examples=["A012"])
    token: str = Field(description="secret of the visitor's live page (the slip's QR code)")
    hall: str
    item_code: str
    item_name: Bilingual | None
    stream: Stream
    state: LiveState
    position: int = Field(description="people ahead in the ticket's lane")
    estimated_wait_s: int
    issued_at: float
    priority: Literal["green", "appointment"] | None = None
    appointment: str | None = None
    late: bool | None = None
    first_inquiry_clerk: str | None = None
    id_masked: str | None = None


# ------------------------------------------------------------------ ticket.status
class TicketStatus(Body):
    """A live ticket; the public needs the slip's token."""

    ticket: TicketId
    token: OptToken = None


class Transfer(Part):
    from_window: int
    to_window: int | None
    to_item: str | None
    note: str | None


class Ticket(Answer):
    """A live ticket (waiting, called, serving)."""

    id: str = Field(examples=["H01-20261126-A012"])
    number: str = Field(examples=["A012"])
    item_code: str
    stream: Stream
    state: LiveState
    issued_at: float
    priority: Literal["green", "appointment"] | None
    appointment: str | None
    late: bool
    window: int | None
    called_at: float | None
    recalls: int
    position: int
    estimated_wait_s: int
    first_inquiry_clerk: str | None
    transfer: Transfer | None
    id_masked: str | None


REQUESTS: dict[str, Spec] = {
    "ticket.issue": Spec(TicketIssue, IssuedTicket),
    "ticket.status": Spec(TicketStatus, Ticket),
}
