"""Request and reply models: tickets and the live queue (``ticket.*``, ``queue.*``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from protocol.fields import (
    TICKET_ID,
    WORD,
    Bilingual,
    IdNumber,
    ItemCode,
    OptItemCode,
    OptToken,
    OptWindowNumber,
    TicketId,
    Token,
    code,
    codes,
    defaulted,
    integer,
    text,
)
from protocol.models.base import Answer, Body, Part, Spec
from protocol.models.cases import Enterprise
from protocol.models.hall import HelpCall

Stream = Literal["citizen", "enterprise"]
LiveState = Literal["waiting", "called", "serving"]
Priority = Literal["green", "appointment"]
#: engine/hall.py ``lane_of``: the line a ticket is called in, as a slip marks it.
Lane = Literal["normal", "green_channel", "appointment"]
_LANE = "green_channel (绿色通道), appointment (预约, checked in in time) or normal"
_POSITION = (
    "people ahead in call order: waiting tickets of its stream that go before it (transfers, "
    "priorities, then issue order); an estimate, as later priorities may still go ahead"
)
#: engine/model.py ``Outcome``: how a matter ended at the window.
Outcome = Literal["handled", "consultation", "accepted", "one_time_notice", "refused", "left"]
OUTCOMES: list[str] = list(Outcome.__args__)
#: engine/model.py ``WindowStatus``: closed is nobody signed in.
WindowStatus = Literal["open", "paused", "closed"]
WindowKind = Literal["comprehensive", "dedicated", "enterprise", "green_channel"]

#: The most waiting tickets a view of the live queue lists (``queue.snapshot``, ``queue.state``).
MAX_WAITING_LISTED = 5000


# ------------------------------------------------------------------ ticket.issue
class TicketIssue(Body):
    """Take a number for a service item."""

    item_code: ItemCode
    priority: code(WORD, optional=True, enum=["green"], description="green: the green channel (绿色通道)") = None
    id_number: IdNumber = Field(None, description="optional: the visitor's card, for the first-inquiry clerk")
    enterprise: Enterprise | None = Field(
        None,
        description="an enterprise (法人) item's number taken for a company: its credit code and name "
        "(the visitor, by id_number, acts for it); a returning company goes back to its clerk",
    )


class TicketEnterprise(Part):
    """The company a ticket was taken for (public: its business licence shows both)."""

    credit_code: str = Field(examples=["91350100M000100Y43"])
    name: str


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
    lane: Lane = Field(description=_LANE)
    lane_name: Bilingual | None = Field(None, description="what the slip marks: 绿色通道 / 预约; absent for the ordinary line")
    position: int = Field(description=_POSITION)
    estimated_wait_s: int = Field(description="counted over today's opening hours (a lunch break adds its length)")
    issued_at: float
    page_url: str = Field(
        description="the ticket's phone page under the hall's public address (config/hall.yaml public.url), "
        "token included: what the slip's QR code encodes, as given (no client builds one)",
        examples=["https://hall.example.gov.cn/m/ticket/H01-20261126-A012?token=8f3a2c9d"],
    )
    priority: Priority | None = None
    appointment: str | None = None
    late: bool | None = None
    first_inquiry_clerk: str | None = None
    id_masked: str | None = Field(None, description="masked: 1101**********002X")
    enterprise: TicketEnterprise | None = None
    closes_at: str | None = Field(None, description="when today's service ends (ISO 8601, local); absent without opening hours")
    beyond_closing: bool | None = Field(
        None, description="true: at the current pace today's service may end before this turn (absent otherwise)"
    )
    wait_notice: Bilingual | None = Field(
        None, description="the slip's warning: the wait runs past closing time, or over the lunch break"
    )


# ------------------------------------------------------------------ ticket.status
class TicketStatus(Body):
    """A live ticket; the public needs the slip's token."""

    ticket: TicketId
    token: OptToken = None


class Transfer(Part):
    """The ticket's last transfer (转办): where a clerk sent it and why. It stays once the
    ticket is called, so the target window reads the note."""

    from_window: int
    to_window: int | None = Field(description="a window of the hall, or null: any window of the item")
    to_item: str | None = Field(description="the item it was moved to, or null: the same item")
    note: str = Field(description="the clerk's note for the next window (may be empty)")


class Ticket(Answer):
    """A live ticket (waiting, called, serving)."""

    id: str = Field(examples=["H01-20261126-A012"])
    number: str = Field(examples=["A012"])
    item_code: str
    stream: Stream
    state: LiveState
    issued_at: float
    priority: Priority | None
    lane: Lane = Field(description=_LANE)
    appointment: str | None = Field(description="the appointment code it was checked in with")
    late: bool = Field(description="checked in after its appointment slot")
    window: int | None = Field(description="the window that called it")
    called_at: float | None
    recalls: int = Field(description="recalls since this call")
    missed: int = Field(
        description="earlier calls the visitor did not answer (passed over, back in line); they count with the recalls"
    )
    position: int = Field(description=_POSITION)
    estimated_wait_s: int = Field(description="0 unless waiting")
    first_inquiry_clerk: str | None = Field(description="the clerk a returning visitor goes back to (首问负责)")
    transfer: Transfer | None
    id_masked: str | None = Field(description="masked: 1101**********002X")
    enterprise: TicketEnterprise | None = Field(None, description="the company it was taken for")
    closes_at: str | None = Field(None, description="ticket.status of a waiting ticket: when today's service ends")
    beyond_closing: bool | None = Field(None, description="ticket.status: today's service may end before this turn")
    wait_notice: Bilingual | None = Field(None, description="ticket.status: past closing, or over the lunch break")


# ------------------------------------------------------------------ ticket.cancel
class TicketCancel(Body):
    """Cancel a ticket: its holder with the slip's token; a manager, or a clerk for a ticket
    waiting for their own window, without it."""

    ticket: TicketId
    token: OptToken = None


class TicketCancelled(Answer):
    """The ticket is cancelled and gone from the queue."""

    ticket: str = Field(examples=["H01-20261126-A012"])
    state: Literal["cancelled"]


# ------------------------------------------------------------------ ticket.follow / watch
#: Where a ticket stands for its holder: live, or how it ended today.
TicketStage = Literal["waiting", "called", "serving", "done", "no_show", "cancelled"]
ENDED_STAGES = frozenset({"done", "no_show", "cancelled"})
#: Tickets one ``ticket.watch`` asks about at most (the phones' fan-out asks in batches).
MAX_WATCHED = 2000


class TicketFollow(Body):
    """The ticket's page (the slip's QR code): the ticket with the slip's token, live or
    ended today. A wrong token is counted like a wrong code and looks like no such ticket."""

    ticket: TicketId
    token: Token


class TicketFacts(Answer):
    """What the ticket's page shows, and what its live stream sends on every change: no
    token, no ID number, no clerk's note."""

    id: str = Field(examples=["H01-20261126-A012"])
    number: str = Field(examples=["A012"])
    item_code: str
    item_name: Bilingual | None
    state: TicketStage
    lane: Lane | None = Field(description=_LANE + "; null once ended")
    lane_name: Bilingual | None = None
    position: int | None = Field(description=_POSITION + "; null unless waiting")
    wait_min: list[int] | None = Field(
        None, description="the wait as a range of minutes [low, high]; null unless waiting", examples=[[5, 10]]
    )
    beyond_closing: bool = Field(False, description="at the current pace today's service may end before this turn")
    wait_notice: Bilingual | None = None
    window: int | None = Field(description="the window that called it (called, serving, done)")
    recalls: int = Field(0, description="recalls of the current call")
    missed: int = Field(0, description="calls the visitor missed; back in line after each")
    misses_left: int | None = Field(None, description="missed calls before it becomes a no-show")
    transferred_to_window: int | None = None
    transferred_to_item: str | None = None
    outcome: str | None = Field(None, description="how the matter ended at the window (done)")


class TicketWatch(Body):
    """The facts of many tickets at once: the phones' fan-out (``queue_server/live``) asks
    after every change of the hall, for every ticket page open. In-process only."""

    tickets: codes(TICKET_ID, max_items=MAX_WATCHED)


class WatchedTickets(Answer):
    """Each ticket asked about that the hall knows, live or ended."""

    tickets: dict[str, TicketFacts]


# ------------------------------------------------------------------ ticket.recall / start / no_show
class TicketAction(Body):
    """An action at the window on the ticket it called: recall, start, no-show."""

    ticket: TicketId


class TicketNoShow(Answer):
    """The visitor did not come: the ticket is gone from the queue."""

    id: str = Field(examples=["H01-20261126-A012"])
    state: Literal["no_show"]


class RecallReply(RootModel[Annotated[Ticket | TicketNoShow, Field(discriminator="state")]]):
    """The ticket called again; or, when that was one recall too many
    (``no_show_after_recalls``), no-show."""


# ------------------------------------------------------------------ ticket.complete
class TicketComplete(Body):
    """The matter at the window is over: how it ended."""

    ticket: TicketId
    outcome: defaulted(
        code(WORD, optional=True, enum=OUTCOMES, description="办结, 咨询, 受理, 一次性告知, 不予受理, left"),
        "handled",
    ) = "handled"


class TicketCompleted(Answer):
    """The ticket is done and gone from the queue."""

    id: str = Field(examples=["H01-20261126-A012"])
    state: Literal["done"]
    outcome: Outcome


# ------------------------------------------------------------------ ticket.transfer
class TicketTransfer(Body):
    """Send the called ticket on: to another window, to another item, or both, with a note."""

    ticket: TicketId
    to_window: OptWindowNumber = None
    to_item: OptItemCode = None
    note: defaulted(text(500, multiline=True, optional=True), "") = ""


# ------------------------------------------------------------------ queue.snapshot / queue.state
class WaitingTicket(Part):
    """A ticket in the waiting line, in issue order."""

    id: str
    number: str
    item_code: str
    stream: Stream
    priority: Priority | None
    transferred: bool
    issued_at: float


class ClerkOnDuty(Part):
    """The clerk signed in at a window."""

    id: str
    name: str
    staff_no: str
    phone: str = Field("", description="the officer's office phone, posted on the window's screen as the seed asks")


class CurrentTicket(Part):
    """The ticket a window has called or is serving."""

    id: str
    number: str
    item_code: str
    state: LiveState
    called_at: float | None


class LineHead(Part):
    item_code: str
    issued_at: float


class WindowLoad(Part):
    """Who waits that a window may call: the count, and the first of each of its lines
    (transfers, priorities, the normal line), among whom are the longest waits."""

    waiting: int
    heads: list[LineHead]


class WindowView(Part):
    """A window of the hall as the board and the floor desk show it."""

    number: int
    name: str
    kind: WindowKind
    stream: Stream
    items: list[str] = Field(description="the items a dedicated window serves (empty for the others)")
    status: WindowStatus
    pause_reason: str | None
    clerk: ClerkOnDuty | None
    current: CurrentTicket | None
    recent: list[str] = Field(description="numbers called here, newest first")
    load: WindowLoad | None = Field(None, description="who waits for this window (a live queue's view)")


class DeviceStatus(Part):
    """The newest health a kiosk or display reported for one of its devices."""

    reporter: str = Field(description="the kiosk or display")
    device: str
    kind: str
    status: str = Field(description="ok, degraded or missing")
    old: str | None
    reason: str
    reported_at: str = Field(description="the device's own time, ISO 8601 (may be empty)")
    at: float = Field(description="when the server heard it")


class HallState(Part):
    """The live queue: the windows, the counts, the head of the waiting line."""

    hall: str
    seq: int
    windows: list[WindowView]
    waiting: list[WaitingTicket] = Field(description="the head of the line, at most the limit asked for")
    waiting_total: int
    waiting_by_stream: dict[str, int]
    waiting_by_item: dict[str, int] = Field(description="items with someone waiting")
    avg_service_s: dict[str, float] = Field(description="per stream")
    avg_wait_s: dict[str, float] = Field(description="per stream")
    notices: list[Bilingual]
    help_calls: list[HelpCall]


class QueueSnapshot(Body):
    """The live queue for a display (re)joining the event stream."""

    waiting_limit: defaulted(integer(0, MAX_WAITING_LISTED, optional=True), 50) = 50


class Snapshot(Answer):
    """The live queue, and where in the event stream it stands: events after ``seq`` of
    this ``epoch`` follow."""

    hall: str
    epoch: str
    seq: int
    state: HallState


class QueueState(Body):
    """The live queue (``GET /api/v1/queue``)."""

    limit: defaulted(integer(0, MAX_WAITING_LISTED, optional=True), 200) = 200


class QueueView(HallState):
    """The live queue; staff also see the devices' health."""

    device_health: list[DeviceStatus] | None = Field(None, description="staff only (clerk and up), worst first")


REQUESTS: dict[str, Spec] = {
    "ticket.issue": Spec(TicketIssue, IssuedTicket),
    "ticket.status": Spec(TicketStatus, Ticket),
    "ticket.cancel": Spec(TicketCancel, TicketCancelled),
    "ticket.follow": Spec(TicketFollow, TicketFacts),
    "ticket.watch": Spec(TicketWatch, WatchedTickets),
    "ticket.recall": Spec(TicketAction, RecallReply),  # type: ignore[arg-type]  # a RootModel: one of two shapes
    "ticket.start": Spec(TicketAction, Ticket),
    "ticket.no_show": Spec(TicketAction, TicketNoShow),
    "ticket.complete": Spec(TicketComplete, TicketCompleted),
    "ticket.transfer": Spec(TicketTransfer, Ticket),
    "queue.snapshot": Spec(QueueSnapshot, Snapshot),
    "queue.state": Spec(QueueState, QueueView),
}
