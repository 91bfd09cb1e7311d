"""What displays, kiosks and the REST API show of the hall: no personal data beyond masks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .hall import HallEngine
from .model import HelpCall, Ticket, TicketState, Window


def ticket_view(engine: HallEngine, t: Ticket, now: float | None = None) -> dict[str, Any]:
    """A live ticket. With ``now``, a waiting ticket's estimate is laid over the opening
    hours (``HallEngine.wait_outlook``): the lunch break counts, and a wait past closing says so."""
    ahead = engine.position(t)
    view = {
        "id": t.id,
        "number": t.number,
        "item_code": t.item,
        "stream": t.stream,
        "state": t.state.value,
        "issued_at": t.issued_at,
        "priority": t.priority.value if t.priority else None,
        "lane": engine.lane_of(t),
        "appointment": t.appointment,
        "late": t.late,
        "window": t.window,
        "called_at": t.called_at,
        "recalls": t.recalls,
        "missed": t.missed,
        "position": ahead,
        "estimated_wait_s": engine.estimated_wait_s(t.stream, ahead) if t.state is TicketState.WAITING else 0,
        "first_inquiry_clerk": t.first_inquiry_clerk,
        "transfer": (
            {
                "from_window": t.transfer.from_window,
                "to_window": t.transfer.to_window,
                "to_item": t.transfer.to_item,
                "note": t.transfer.note,
            }
            if t.transfer
            else None
        ),
        "id_masked": t.id_masked,
    }
    if t.enterprise is not None:
        view["enterprise"] = dict(t.enterprise)
    if now is not None and t.state is TicketState.WAITING:
        outlook = engine.wait_outlook(t.stream, ahead, now)
        view["estimated_wait_s"] = outlook["estimated_wait_s"]
        view |= {k: outlook[k] for k in ("closes_at", "beyond_closing", "wait_notice") if outlook[k]}
    return view


def window_view(engine: HallEngine, w: Window) -> dict[str, Any]:
    clerk = engine.clerks.get(w.clerk) if w.clerk else None
    current = engine.tickets.get(w.current) if w.current else None
    waiting, heads = engine.window_load(w)
    return {
        "number": w.number,
        "name": w.defn.name,
        "kind": w.defn.kind.value,
        "stream": w.defn.stream,
        "items": list(w.defn.items),
        "status": w.status.value,
        "pause_reason": w.pause_reason,
        "clerk": {"id": clerk.id, "name": clerk.name, "staff_no": clerk.staff_no, "phone": clerk.phone} if clerk else None,
        "current": (
            {
                "id": current.id,
                "number": current.number,
                "item_code": current.item,
                "state": current.state.value,
                "called_at": current.called_at,
            }
            if current
            else None
        ),
        "recent": list(w.recent),
        "load": {"waiting": waiting, "heads": [{"item_code": t.item, "issued_at": t.issued_at} for t in heads]},
    }


def hall_view(engine: HallEngine, *, waiting_limit: int = 200) -> dict[str, Any]:
    """The live queue: windows, counts, and the head of the waiting line in issue order."""
    waiting = []
    for t in engine.waiting():
        if len(waiting) >= waiting_limit:
            break
        waiting.append(
            {
                "id": t.id,
                "number": t.number,
                "item_code": t.item,
                "stream": t.stream,
                "priority": t.priority.value if t.priority else None,
                "transferred": t.transfer is not None,
                "issued_at": t.issued_at,
            }
        )
    return {
        "hall": engine.rules.hall,
        "seq": engine.last_seq,
        "windows": [window_view(engine, w) for w in engine.windows.values()],
        "waiting": waiting,
        "waiting_total": engine.waiting_count(),
        "waiting_by_stream": {s: engine.waiting_count(s) for s in engine.streams()},
        "waiting_by_item": {k: v for k, v in engine.waiting_by_item.items() if v > 0},
        "avg_service_s": {
            s: round(engine.avg_service_s.get(s, engine.rules.default_service_s), 1) for s in engine.streams()
        },
        "avg_wait_s": {s: round(engine.avg_wait_s.get(s, 0.0), 1) for s in engine.streams()},
        "notices": list(engine.notices),
        # Open help calls (呼叫工作人员): a kiosk's name and the visitor's few words, no personal data.
        "help_calls": [help_call_view(engine, h) for h in engine.help_calls.values()],
    }


def help_call_view(engine: HallEngine, h: HelpCall) -> dict[str, Any]:
    return {
        "id": h.id,
        "kiosk": h.kiosk,
        "reason": h.reason,
        "screen": h.screen,
        "at": h.at,
        "at_local": datetime.fromtimestamp(h.at, engine.tz).isoformat(),
    }


def device_health_view(engine: HallEngine) -> list[dict[str, Any]]:
    """The newest status of every device reported, worst first (missing, degraded, ok)."""
    order = {"missing": 0, "degraded": 1, "ok": 2}
    rows = sorted(engine.device_health.values(), key=lambda h: (order.get(h.status, 3), h.reporter, h.device))
    return [
        {
            "reporter": h.reporter,
            "device": h.device,
            "kind": h.kind,
            "status": h.status,
            "old": h.old,
            "reason": h.reason,
            "reported_at": h.reported_at,
            "at": h.at,
        }
        for h in rows
    ]

