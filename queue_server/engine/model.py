"""The hall's vocabulary: tickets, windows, appointments and the rules' settings.

Plain data, no I/O. Times are POSIX seconds (float); the hall's time zone turns them into
local dates for per-day numbering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .hours import OpeningHours, hhmm, minutes


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"  # number announced, visitor walking to the window
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


LIVE_STATES = frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING})


class WindowKind(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合窗口: every item of its stream
    DEDICATED = "dedicated"  # 专窗: the items it lists
    ENTERPRISE = "enterprise"  # 法人窗口: every enterprise item
    GREEN_CHANNEL = "green_channel"  # 绿色通道: every item of every stream


class WindowStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"  # nobody signed in


class Priority(StrEnum):
    GREEN = "green"  # elderly, disabled, pregnant, servicemen
    APPOINTMENT = "appointment"


class Outcome(StrEnum):
    HANDLED = "handled"  # 办结
    CONSULTATION = "consultation"  # 咨询
    ACCEPTED = "accepted"  # 受理: a case was opened
    ONE_TIME_NOTICE = "one_time_notice"  # 一次性告知: visitor returns with materials
    REFUSED = "refused"  # 不予受理
    LEFT = "left"  # visitor left before being served


#: Outcomes after which the visitor is expected back for the same matter: their next ticket
#: returns to the first-inquiry clerk (首问负责).
RETURNING_OUTCOMES = frozenset({Outcome.ACCEPTED, Outcome.ONE_TIME_NOTICE})


class AppointmentState(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ItemRule:
    """What the engine needs of a catalogue item."""

    code: str
    stream: str
    wait_target_s: int


@dataclass(frozen=True, slots=True)
class WindowDef:
    number: int
    kind: WindowKind
    stream: str  # the stream a comprehensive/dedicated window belongs to
    items: tuple[str, ...] = ()  # for dedicated windows
    name: str = ""


@dataclass(frozen=True, slots=True)
class ClerkInfo:
    id: str
    name: str
    staff_no: str
    phone: str = ""


@dataclass(frozen=True, slots=True)
class SlotTemplate:
    start: str  # "09:00" local time
    end: str  # "09:30"
    capacity: int | None = None  # bookings per item; None: the hall's appointment_capacity


def slot_templates(periods: Iterable[tuple[str, str]], length_min: int) -> tuple[SlotTemplate, ...]:
    """Slots of ``length_min`` minutes laid end to end over each period ("09:00", "12:00");
    a period's tail shorter than a slot is left out."""
    out = []
    for a, b in periods:
        start, end = minutes(a), minutes(b)
        while start + length_min <= end:
            out.append(SlotTemplate(hhmm(start), hhmm(start + length_min)))
            start += length_min
    return tuple(out)


#: Today's slots when a hall sets none: half hours over 09:00-12:00 and 14:00-17:00.
DEFAULT_APPOINTMENT_PERIODS = (("09:00", "12:00"), ("14:00", "17:00"))
DEFAULT_SLOT_MIN = 30


@dataclass(frozen=True, slots=True)
class HallRules:
    """The settings a hall tunes. Defaults suit a district hall."""

    hall: str = "H01"
    timezone: str = "Asia/Shanghai"
    prefixes: tuple[tuple[str, str], ...] = (("citizen", "A"), ("enterprise", "B"))
    no_show_after_recalls: int = 2
    reservation_s: int = 30 * 60  # how long a returning visitor is kept for their first-inquiry clerk
    default_service_s: float = 300.0
    appointment_slots: tuple[SlotTemplate, ...] = slot_templates(DEFAULT_APPOINTMENT_PERIODS, DEFAULT_SLOT_MIN)
    appointment_capacity: int = 4  # per item and slot, unless the slot sets its own
    appointment_days_ahead: int = 14
    hours: OpeningHours | None = None  # None: always open (营业时间)
    daily_caps: tuple[tuple[str, int], ...] = ()  # item -> walk-in tickets a day (放号上限)
    green_channel_age: int = 70  # visitors this old or older may take a green-channel number

    def slot_capacity(self, slot: SlotTemplate) -> int:
        return self.appointment_capacity if slot.capacity is None else slot.capacity

    def cap(self, item: str) -> int | None:
        for code, n in self.daily_caps:
            if code == item:
                return n
        return None

    def prefix(self, stream: str) -> str:
        for s, p in self.prefixes:
            if s == stream:
                return p
        raise KeyError(stream)


@dataclass(slots=True)
class Transfer:
    from_window: int
    to_window: int | None
    to_item: str | None
    note: str
    at: float
    clerk: str | None


@dataclass(slots=True)
class Ticket:
    id: str
    number: str
    day: str  # local date, ISO
    seq: int  # issue order within the hall (tie-breaker, never reused)
    item: str
    stream: str
    issued_at: float
    token: str
    id_hash: str | None = None
    id_masked: str | None = None
    # 法人: the company the number was taken for, {"credit_code", "name"} (public data)
    enterprise: dict[str, str] | None = None
    priority: Priority | None = None
    appointment: str | None = None
    slot_start: float | None = None
    slot_end: float | None = None
    late: bool = False
    state: TicketState = TicketState.WAITING
    window: int | None = None
    clerk: str | None = None
    first_inquiry_clerk: str | None = None
    reserved_until: float | None = None
    called_at: float | None = None
    served_at: float | None = None
    recalls: int = 0  # recalls since this call
    # Earlier calls the visitor did not answer (passed over by call-next before they came):
    # they count towards ``no_show_after_recalls`` with the recalls.
    missed: int = 0
    # The last transfer (转办): while waiting it places the ticket first in its target's line;
    # once called it stays, so the target window reads where the visitor came from and why.
    transfer: Transfer | None = None
    transfers: int = 0
    # Index bookkeeping: entries carrying an older generation are stale.
    gen: int = 0
    homes: list = field(default_factory=list)


@dataclass(slots=True)
class HelpCall:
    """A visitor pressed 呼叫工作人员 at a kiosk; open until a manager answers it."""

    id: int
    kiosk: str
    at: float
    reason: str = ""
    screen: str = ""


@dataclass(slots=True)
class PrintJob:
    """A slip the console asked a window's printer for; kept until the window's agent reports
    it printed (or failed for good), across the agent's restarts and the server's."""

    id: int
    window: int
    document: str  # "notice": the case's latest one-time notice
    case: str
    at: float
    state: str = "pending"  # pending (not yet reported) | kept (the printer could not yet)
    reason: str = ""


@dataclass(slots=True)
class DeviceHealth:
    """The newest health a kiosk or display reported for one of its devices."""

    reporter: str  # the enrolled kiosk or display
    device: str
    kind: str
    status: str  # ok / degraded / missing
    old: str | None
    reason: str
    reported_at: str  # the device's own time, ISO
    at: float  # when the server heard it


@dataclass(slots=True)
class Window:
    defn: WindowDef
    status: WindowStatus = WindowStatus.CLOSED
    clerk: str | None = None
    current: str | None = None  # ticket id
    recent: list[str] = field(default_factory=list)  # numbers called here, newest first
    pause_reason: str | None = None

    @property
    def number(self) -> int:
        return self.defn.number


@dataclass(slots=True)
class Appointment:
    code: str
    item: str
    day: str
    slot_start: float
    slot_end: float
    id_hash: str | None
    name_masked: str
    state: AppointmentState = AppointmentState.BOOKED
    ticket: str | None = None
    booked_at: float = 0.0
