"""What the kiosk prints, from the server's answers: the ticket slip (号票)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from printer import TicketSlip

ADVICE = "请留意叫号，过号需重新取号。"


def ticket_slip(ticket: dict[str, Any], hall_name: str, url: str, tz: ZoneInfo) -> TicketSlip:
    """A ``ticket.issue`` (or check-in) answer as the printer's slip."""
    wait = ticket.get("estimated_wait_s")
    return TicketSlip(
        hall_name=hall_name,
        number=ticket["number"],
        item_name=(ticket.get("item_name") or {}).get("zh", ticket.get("item_code", "")),
        people_ahead=int(ticket.get("position", 0)),
        estimated_wait_min=None if wait is None else round(wait / 60),
        issued_at=dt.datetime.fromtimestamp(ticket["issued_at"], tz).replace(tzinfo=None),
        url=url,
        advice=ADVICE,
        priority=ticket.get("priority"),  # green / appointment: the slip marks the lane
    )
