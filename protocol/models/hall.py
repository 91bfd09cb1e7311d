"""Request and reply models: the hall itself (``hall.*``), the kiosks' help calls and their
devices' health (``kiosk.help``, ``device.*``), and what the hall knows of a card holder at a
kiosk (``visitor.lookup``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from protocol.fields import (
    WORD,
    Bilingual,
    FieldError,
    IdNumber,
    checked_text,
    code,
    integer,
    pattern,
    text,
)
from protocol.models.base import Answer, Body, NoBody, Part, Spec
from protocol.models.cases import CardColour, CaseStateName

#: The notices a hall board scrolls at most (``engine.hall.MAX_NOTICES``).
MAX_NOTICES = 10
NOTICE_MAX_LEN = 200
#: A help call's few words, typed or chosen on the kiosk (``kiosk.help``).
HELP_REASON_MAX = 100
#: Device names as ``devices/`` writes them (``printer``, ``idcard-1``, ``camera``).
DEVICE_NAME = pattern(
    r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", "a device name like printer-1", "设备名称，如 printer-1"
)
#: The health of a device (``engine.hall.HEALTH_STATUSES``), worst last.
HEALTH_STATUSES = ["ok", "degraded", "missing"]
#: 老年人: from this age the kiosk offers its elder mode (长辈版) and the care it gives.
ELDER_AGE = 60
#: What ``visitor.lookup`` lists at most: open cases (newest first; a kiosk screen shows a
#: few) and today's services not rated yet.
LOOKUP_MAX_CASES = 20
LOOKUP_MAX_TO_RATE = 10

HealthStatus = Literal["ok", "degraded", "missing"]


# ------------------------------------------------------------------ hall.ping
class Ping(Answer):
    """The hall loop answers: which hall, which run of the server, how far its events are."""

    hall: str = Field(examples=["H01"])
    epoch: str = Field(description="this run of the server; a new one means the event sequence restarted")
    seq: int = Field(description="the last event's sequence number")
    time: str = Field(
        description="the server's clock, ISO 8601 in UTC", examples=["2026-11-26T01:30:00+00:00"]
    )
    catalogue_version: int


# ------------------------------------------------------------------ hall.set_notices
class Notice(Body):
    """One scrolling notice of the hall board, in both languages (one line each)."""

    zh: str = Field(min_length=1, max_length=NOTICE_MAX_LEN, examples=["今日16:30停止取号"])
    en: str = Field(min_length=1, max_length=NOTICE_MAX_LEN, examples=["No new numbers after 16:30 today"])


def _needs_texts(i: int) -> FieldError:
    return FieldError(
        f"notices[{i}]", f"notices[{i}] needs non-empty zh and en texts", f"第{i + 1}条公告须有中文和英文"
    )


class SetNotices(Body):
    """Replace the hall board's scrolling notices (an empty list clears them)."""

    notices: list[Notice] = Field(
        max_length=MAX_NOTICES,
        description=f"at most {MAX_NOTICES}; each text at most "
        f"{NOTICE_MAX_LEN} characters, not blank; surrounding spaces are dropped",
    )

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, body: Any) -> Any:
        """The words and the order of the handler's and the engine's own checks (``handlers._notices``
        and ``HallEngine.set_notices``): the shape first, then every text's characters, then
        blank and long texts."""
        raw = body.get("notices") if isinstance(body, dict) else None
        if not isinstance(raw, list) or len(raw) > MAX_NOTICES:
            raise FieldError(
                "notices", f"notices: a list of at most {MAX_NOTICES}", f"公告最多{MAX_NOTICES}条"
            )
        for i, n in enumerate(raw):
            if not isinstance(n, dict):
                raise _needs_texts(i)
            for lang in ("zh", "en"):
                if isinstance(n.get(lang), str):
                    checked_text(n[lang], f"notices[{i}].{lang}")
        for i, n in enumerate(raw):
            if not all(isinstance(n.get(k), str) and n[k].strip() for k in ("zh", "en")):
                raise _needs_texts(i)
            if max(len(n["zh"]), len(n["en"])) > NOTICE_MAX_LEN:
                raise FieldError(
                    f"notices[{i}]",
                    f"notices[{i}] is longer than {NOTICE_MAX_LEN} characters",
                    f"第{i + 1}条公告过长",
                )
        return body


class Notices(Answer):
    """The board's notices now, as stored (surrounding spaces dropped)."""

    notices: list[Bilingual]


# ------------------------------------------------------------------ hall.info
class OpenPeriod(Part):
    """An open period of a day, local time; a hall without hours is open 00:00-24:00."""

    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["12:00"])


class DailyCap(Part):
    """A service item with a cap of walk-in numbers a day, and how many are left today."""

    item_code: str
    item_name: Bilingual | None
    cap: int
    left: int


class HallInfo(Answer):
    """What a kiosk shows before a visitor takes a number."""

    hall: str = Field(examples=["H01"])
    name: Bilingual
    today: str = Field(description="the hall's local date", examples=["2026-11-26"])
    timezone: str = Field(examples=["Asia/Shanghai"])
    always_open: bool = Field(description="the hall has no opening hours")
    hours_today: list[OpenPeriod] = Field(description="empty on a day the hall is closed")
    open_now: bool
    next_open: str | None = Field(description="when the hall opens next (ISO 8601, local); null while open")
    caps: list[DailyCap]


# ------------------------------------------------------------------ help calls
class KioskHelp(Body):
    """呼叫工作人员 at a kiosk: one open call per kiosk (pressing again answers the open one)."""

    reason: text(HELP_REASON_MAX, optional=True, description="a few words typed or chosen on the kiosk") = (
        None
    )
    screen: text(64, optional=True, description="the screen the visitor was on", examples=["take_number"]) = (
        None
    )


class HelpCall(Part):
    """An open help call: a kiosk's name and the visitor's few words, no personal data."""

    id: int
    kiosk: str
    reason: str
    screen: str
    at: float
    at_local: str = Field(description="``at`` as ISO 8601, the hall's local time")


class HelpPressed(HelpCall):
    """The kiosk's open help call."""

    repeated: bool = Field(description="the kiosk's call was open already: this press is that call")


class HelpAnswered(Body):
    """A manager answered a kiosk's help call (it is no longer open)."""

    help_id: integer(1)


class AnsweredHelp(Answer):
    id: int
    kiosk: str
    answered_by: str
    state: Literal["answered"]


class HelpCalls(Answer):
    """The open help calls."""

    help_calls: list[HelpCall]


# ------------------------------------------------------------------ device health
class DeviceHealth(Body):
    """A kiosk's or a display's device changed health (``devices.health.HealthChanged.to_message()``);
    the newest status per (reporting device, device) is kept and shown to staff."""

    device: code(DEVICE_NAME, examples=["printer"])
    kind: code(WORD, examples=["printer"])
    status: code(WORD, enum=HEALTH_STATUSES)
    old: code(
        WORD, optional=True, enum=HEALTH_STATUSES, description="the status before; left out on a first report"
    ) = None
    reason: text(200, optional=True) = None
    at: text(40, optional=True, description="the device's own time, ISO 8601") = None


class HealthStored(Answer):
    reporter: str = Field(description="the reporting kiosk or display")
    device: str
    status: HealthStatus
    stored: Literal[True]


class DeviceHealthRow(Part):
    """The newest status a kiosk or display reported for one of its devices."""

    reporter: str
    device: str
    kind: str
    status: HealthStatus
    old: HealthStatus | None
    reason: str
    reported_at: str = Field(description="the device's own time, ISO 8601; empty when it gave none")
    at: float = Field(description="when the server heard it")


class DeviceHealthTable(Answer):
    """Every device reported, worst first (missing, degraded, ok)."""

    devices: list[DeviceHealthRow]


# ------------------------------------------------------------------ visitor.lookup
class VisitorLookup(Body):
    """What the hall knows of the card holder whose ID card was just read at a kiosk."""

    id_number: IdNumber = Field(
        None, description="the card just read (required: the handler refuses without it)"
    )


class SlotTimes(Part):
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["09:30"])


class AppointmentToday(Part):
    """A booking of today not checked in yet."""

    code: str
    item_code: str
    item_name: Bilingual | None
    slot: SlotTimes
    timing: Literal["early", "on_time", "late"]


class Officer(Part):
    """A clerk, and the window they are signed in at now (null when at none)."""

    id: str
    name: str
    window: int | None


class ReturningClerk(Officer):
    """The clerk a new ticket goes back to (首问负责)."""

    reserved: bool = Field(description="a new ticket waits for them: they are at a window now")


class CaseLine(Part):
    """A case as a line of a visitor's list (the kiosk's lookup, the window's console)."""

    case: str
    item_code: str
    item_name: Bilingual | None
    state: CaseStateName
    state_zh: str
    due: str | None
    card: CardColour | None = Field(description="the deadline's traffic light; null without a due date")


class OpenCase(CaseLine):
    officer: Officer | None


class CertificateReady(Part):
    """An e-certificate of the holder's to self-print."""

    number: str
    type: str
    holder: str = Field(description="the holder's name, masked")
    department: str
    item_code: str
    case: str
    issued_on: str
    valid_until: str | None
    revoked: bool
    prints: int
    awaiting_hand_out: bool = Field(
        description="its case waits for its result: a print hands the case out (出件)"
    )


class TicketToRate(Part):
    """A ticket served at a window today, not rated yet."""

    kind: Literal["ticket"]
    ticket: str
    number: str
    item_code: str
    item_name: Bilingual | None
    window: int


class CaseToRate(Part):
    """A case handed out today, not rated yet."""

    kind: Literal["case"]
    case: str
    item_code: str
    item_name: Bilingual | None


class Visitor(Answer):
    """Everything the kiosk can offer the card holder at once. The ID number is never returned:
    ``id_masked`` only; certificates carry the holder's masked name."""

    id_masked: str = Field(
        description="the card's ID number masked; the number itself is never returned",
        examples=["1101**********002X"],
    )
    age: int
    elder: bool = Field(description=f"{ELDER_AGE} or older: the kiosk's elder mode (长辈版)")
    green_channel: bool
    green_channel_age: int
    appointments_today: list[AppointmentToday]
    open_cases: list[OpenCase] = Field(description=f"newest first, at most {LOOKUP_MAX_CASES}")
    returning_clerk: ReturningClerk | None
    certificates_ready: list[CertificateReady]
    to_rate: list[Annotated[TicketToRate | CaseToRate, Field(discriminator="kind")]] = Field(
        description=f"today's services not rated yet, at most {LOOKUP_MAX_TO_RATE}"
    )


# ------------------------------------------------------------------ hall.floor
Light = Literal["green", "yellow", "red"]


class ItemWaiting(Part):
    """Who waits for one service item, and the longest wait against the item's wait target."""

    item_code: str
    item_name: Bilingual | None
    stream: str
    waiting: int
    longest_wait_s: int = Field(description="since the longest waiting ticket was issued")
    wait_target_s: int
    ratio: float = Field(description="longest_wait_s / wait_target_s")
    light: Light = Field(description="green below 75% of the target, yellow up to it, red past it")
    over_target: int = Field(description="tickets of today waiting past the target")


class StreamWaiting(Part):
    """A stream (citizen, enterprise) as a whole: its worst item decides the light."""

    stream: str
    waiting: int
    longest_wait_s: int
    ratio: float = Field(description="the highest ratio of its items")
    light: Light
    over_target: int


class ServedWithinTarget(Part):
    """Today's visitors called within their item's wait target (first calls: a transfer or a
    recall is not a second visitor); those still waiting past it count as missed."""

    day: str = Field(description="the hall's local date")
    called: int
    within_target: int
    waiting_over_target: int
    share: float | None = Field(
        description="within_target / (called + waiting_over_target); null when nobody counts yet"
    )


class HallFloor(Answer):
    """The queue against its targets, for the manager's dashboard: items worst first."""

    seq: int
    at: float = Field(description="the server's clock the waits are measured at")
    items: list[ItemWaiting] = Field(description="items somebody waits for, the longest wait against target first")
    streams: list[StreamWaiting]
    served: ServedWithinTarget
    over_target: int = Field(description="tickets waiting past their item's target, all items")


REQUESTS: dict[str, Spec] = {
    "hall.ping": Spec(NoBody, Ping),
    "hall.set_notices": Spec(SetNotices, Notices),
    "hall.info": Spec(NoBody, HallInfo),
    "kiosk.help": Spec(KioskHelp, HelpPressed),
    "hall.help_answered": Spec(HelpAnswered, AnsweredHelp),
    "hall.help_calls": Spec(NoBody, HelpCalls),
    "hall.floor": Spec(NoBody, HallFloor),
    "device.health": Spec(DeviceHealth, HealthStored),
    "device.health_table": Spec(NoBody, DeviceHealthTable),
    "visitor.lookup": Spec(VisitorLookup, Visitor),
}
