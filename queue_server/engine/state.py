"""The engine's state as plain JSON data, and back.

Used for the store's checkpoints (recovery = last checkpoint + the events after it) and kept
apart from the public views, which leave out personal data.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from .hall import HallEngine
from .model import (
    Appointment,
    AppointmentState,
    DeviceHealth,
    HelpCall,
    PrintJob,
    Priority,
    Ticket,
    TicketState,
    Transfer,
    WindowStatus,
)
from .waits import ServedTally

_TICKET_FIELDS = [f.name for f in fields(Ticket) if f.name not in ("gen", "homes")]


def dump_state(engine: HallEngine) -> dict[str, Any]:
    def ticket(t: Ticket) -> dict[str, Any]:
        d = {name: getattr(t, name) for name in _TICKET_FIELDS}
        d["transfer"] = asdict(t.transfer) if t.transfer else None
        return d

    return {
        "last_seq": engine.last_seq,
        "next_seq": engine.next_seq,
        "counters": [[day, prefix, n] for (day, prefix), n in engine.counters.items()],
        "tickets": [ticket(t) for t in engine.tickets.values()],
        "windows": [
            {
                "number": w.number,
                "status": w.status.value,
                "clerk": w.clerk,
                "current": w.current,
                "recent": list(w.recent),
                "pause_reason": w.pause_reason,
            }
            for w in engine.windows.values()
        ],
        "appointments": [asdict(a) for a in engine.appointments.values()],
        "avg_service_s": dict(engine.avg_service_s),
        "avg_wait_s": dict(engine.avg_wait_s),
        "notices": list(engine.notices),
        "help_calls": [asdict(h) for h in engine.help_calls.values()],
        "next_help": engine.next_help,
        "print_jobs": [asdict(j) for j in engine.print_jobs.values()],
        "next_print_job": engine.next_print_job,
        "device_health": [asdict(h) for h in engine.device_health.values()],
        "issued_walk_in": [[day, item, n] for (day, item), n in engine.issued_walk_in.items()],
        "served_today": engine.served_today.dump(),
    }


def load_state(engine: HallEngine, state: dict[str, Any], now: float) -> None:
    """Fill a freshly configured engine from ``dump_state`` output."""
    engine.last_seq = state["last_seq"]
    engine.next_seq = state["next_seq"]
    engine.counters = {(day, prefix): n for day, prefix, n in state["counters"]}
    engine.tickets = {}
    for d in state["tickets"]:
        d = dict(d)
        tr = d.pop("transfer")
        t = Ticket(**d)
        t.state = TicketState(t.state)
        t.priority = Priority(t.priority) if t.priority else None
        t.transfer = Transfer(**tr) if tr else None
        engine.tickets[t.id] = t
    for wd in state["windows"]:
        w = engine.windows.get(wd["number"])
        if w is None:  # a window removed from the configuration since
            continue
        w.status = WindowStatus(wd["status"])
        w.clerk = wd["clerk"]
        w.current = wd["current"]
        w.recent = list(wd["recent"])
        w.pause_reason = wd["pause_reason"]
    engine.appointments = {}
    engine.bookings.clear()
    for ad in state["appointments"]:
        a = Appointment(**ad)
        a.state = AppointmentState(a.state)
        engine.appointments[a.code] = a
        if a.state is not AppointmentState.CANCELLED:
            engine.bookings[(a.item, a.day, a.slot_start)] += 1
    engine.avg_service_s = dict(state["avg_service_s"])
    engine.avg_wait_s = dict(state.get("avg_wait_s", {}))
    engine.notices = list(state.get("notices", []))
    # Checkpoints made before help calls, device health and caps existed have none of them.
    engine.help_calls = {h["id"]: HelpCall(**h) for h in state.get("help_calls", [])}
    engine.next_help = state.get("next_help", 1)
    engine.print_jobs = {j["id"]: PrintJob(**j) for j in state.get("print_jobs", [])}
    engine.next_print_job = state.get("next_print_job", 1)
    engine.device_health = {
        (h["reporter"], h["device"]): DeviceHealth(**h) for h in state.get("device_health", [])
    }
    engine.issued_walk_in.clear()
    for day, item, n in state.get("issued_walk_in", []):
        engine.issued_walk_in[(day, item)] = n
    # A checkpoint made before the tally existed: today's earlier calls are not counted.
    engine.served_today = ServedTally.load(state.get("served_today"))
    engine.reindex(now)
