"""What the kiosk prints, from the server's answers: the ticket slip (号票)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from printer import TicketSlip

ADVICE = "请留意叫号，过号需重新取号。"


def ticket_slip(ticket: dict[str, Any], hall_name: str, url: str, tz: ZoneInfo) -> TicketSlip:
    """A ``ticket.issue`` (or check-in) answer as the printer's slip; ``hall_name`` is the
    hall's configured name (``hall.info``), not the catalogue's."""
    return TicketSlip.from_reply(ticket, hall_name, url, tz, advice=ADVICE)
