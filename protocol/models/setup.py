"""Request and reply models of the hall's set-up (``setup.*``): its windows, opening hours and
appointment slots, read and changed by an admin in the browser while the hall runs.

The rules are those of ``config/hall.yaml`` (``queue_server.hallconfig``), which checks them
whole; these models only carry them. ``init`` from the file sets them again (the file stays
the hall's configuration of record for a new server)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.fields import ItemCode, WindowNumber, text
from protocol.models.base import Answer, Body, NoBody, Part, Spec

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WindowKindName = Literal["comprehensive", "dedicated", "enterprise", "green_channel"]
StreamName = Literal["citizen", "enterprise"]
#: Periods as the configuration writes them ("08:30-12:00"); the hall checks order and overlap.
Period = text(11, examples=["08:30-12:00"])


class WindowSetup(Part):
    """One window as the hall routes to it (综合窗口 every item of its stream, 专窗 its items)."""

    number: WindowNumber
    kind: WindowKindName
    stream: StreamName = "citizen"
    name: str = Field("", max_length=100)
    items: list[ItemCode] = Field([], max_length=200, description="a dedicated window's items")


class SetupRules(Part):
    """The hall's hours and appointment rules."""

    hours: dict[Weekday, list[Period]] | None = Field(
        description="opening periods per weekday (a weekday left out is closed); null: always open"
    )
    appointment_periods: list[Period] | None = Field(
        description="slots of appointment_slot_min minutes are laid over these; null where the hall lists its "
        "slots one by one (appointment_slots of its configuration, kept as they are)"
    )
    appointment_slot_min: int = Field(ge=5, le=480)
    appointment_capacity: int = Field(ge=1, le=500, description="bookings per item and slot")
    appointment_days_ahead: int = Field(ge=0, le=90)
    daily_caps: dict[ItemCode, int] = Field({}, description="walk-in tickets per item a day (放号上限)")


class HallSetup(Answer):
    """The hall's windows and rules as they stand."""

    windows: list[WindowSetup]
    rules: SetupRules
    explicit_slots: list[str] | None = Field(description="the slots listed one by one, when the hall lists them")
    timezone: str = Field(description="the hall's time zone (set in its configuration file only)")


class SetupApply(Body):
    """New windows and rules, checked whole as the configuration file is (every problem named),
    then in force at once. A window cannot be taken away while the hall runs: events of the day
    name it, and a restart replays them; close it, or remove it from the file and run ``init``."""

    windows: list[WindowSetup] = Field(min_length=1, max_length=999)
    rules: SetupRules


class SetupApplied(HallSetup):
    """The set-up now in force, and what changed (windows by number)."""

    changed_windows: list[int]
    added_windows: list[int]
    rules_changed: bool


REQUESTS: dict[str, Spec] = {
    "setup.get": Spec(NoBody, HallSetup),
    "setup.apply": Spec(SetupApply, SetupApplied),
}
