"""The hall engine: pure rules, no I/O (functional core). See ``hall.HallEngine``."""

from .errors import EngineError
from .events import Event
from .hall import HallEngine
from .model import (
    Appointment,
    AppointmentState,
    ClerkInfo,
    HallRules,
    ItemRule,
    Outcome,
    Priority,
    SlotTemplate,
    Ticket,
    TicketState,
    Window,
    WindowDef,
    WindowKind,
    WindowStatus,
)

__all__ = [
    "Appointment",
    "AppointmentState",
    "ClerkInfo",
    "EngineError",
    "Event",
    "HallEngine",
    "HallRules",
    "ItemRule",
    "Outcome",
    "Priority",
    "SlotTemplate",
    "Ticket",
    "TicketState",
    "Window",
    "WindowDef",
    "WindowKind",
    "WindowStatus",
]
