"""Events: the only way hall state changes.

A command checks the rules and returns events; ``HallEngine.apply`` performs them. Replaying
the stored events of a hall therefore rebuilds exactly the state it had. ``seq`` is given by
the store when the event is persisted (per hall, gap-free), not by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Event:
    type: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    @property
    def ticket(self) -> str | None:
        return self.data.get("ticket")


# Event types, in one place.
TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_RECALLED = "ticket.recalled"
TICKET_STARTED = "ticket.started"
TICKET_NO_SHOW = "ticket.no_show"
TICKET_REQUEUED = "ticket.requeued"  # called, not come, back in line (顺延) by the recall rules
TICKET_TRANSFERRED = "ticket.transferred"
TICKET_COMPLETED = "ticket.completed"
TICKET_CANCELLED = "ticket.cancelled"
WINDOW_SIGNED_IN = "window.signed_in"
WINDOW_SIGNED_OUT = "window.signed_out"
WINDOW_PAUSED = "window.paused"
WINDOW_RESUMED = "window.resumed"
APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_CHECKED_IN = "appointment.checked_in"
APPOINTMENT_CANCELLED = "appointment.cancelled"
HALL_NOTICES = "hall.notices"
HALL_HELP_REQUESTED = "hall.help_requested"
HALL_HELP_ANSWERED = "hall.help_answered"
DEVICE_HEALTH = "device.health_changed"
WINDOW_PRINT_REQUESTED = "window.print_requested"  # the console asked the window's agent to print
WINDOW_PRINT_KEPT = "window.print_kept"  # the printer could not yet (paper out): kept, printed later
WINDOW_PRINT_DONE = "window.print_done"  # printed, or failed for good: the job ends
